// workload.js — each officer's open dossiers at a commune (GET /api/v1/reports/workload): open, due within `days`
// days, overdue, and the same per field behind a disclosure (<details>, so the keyboard opens it); a stacked bar
// chart of overdue / due soon / the other open ones, its numbers read out in its aria-label as in the table.
import { t, el, field, listTable, showProblem, clearProblems } from "../core.js";
import { argsOf, keepAddress, query, scopeUnits, unitField, exportLinks, statusLine, fmtNum, dataTable } from "./report_common.js";

let root, form, unitF, daysF, status, list, chartBox, exportsP, chart = null, lastData = null;

const num = (f) => (a, b) => f(a) - f(b);
const who = (it) => it.officer.full_name || it.officer.username;

function fieldsCell(it) {
  const fs = it.fields || [];
  if (!fs.length) return "—";
  return el("details", { class: "wl-fields" }, [
    el("summary", { t: "workload.fields", targs: { n: fmtNum(fs.length) } }),
    dataTable(null, null, [["workload.col.field"], ["workload.col.open", true], ["workload.col.due_soon", true], ["workload.col.overdue", true]],
      fs.map((f) => [f.field, fmtNum(f.open), fmtNum(f.due_soon), fmtNum(f.overdue)])),
  ]);
}

function drawChart() {
  if (!chart || !lastData) return;
  const items = lastData.items || [];
  // Overdue in red hatching, due soon in brown dots, the others in plain blue.
  const series = [{ label: t("workload.col.overdue"), tone: 1 }, { label: t("workload.col.due_soon"), tone: 2 }, { label: t("workload.other"), tone: 0 }];
  chartBox.replaceChildren(items.length ? chart.stackedChart({
    id: "workload-chart", title: t("workload.chart"), series, fmt: fmtNum,
    items: items.map((it) => {
      const other = Math.max(0, it.open - it.due_soon - it.overdue);
      return { label: who(it), parts: [it.overdue, it.due_soon, other], texts: [fmtNum(it.overdue), fmtNum(it.due_soon), fmtNum(other)],
               describe: t("workload.aria", { name: who(it), open: fmtNum(it.open), due_soon: fmtNum(it.due_soon), overdue: fmtNum(it.overdue) }) };
    }),
  }) : "");
}

async function load() {
  clearProblems(form);
  const q = query({ unit: unitF.control.value, days: daysF.control.value });
  keepAddress("workload", q);
  status.set("report.loading");
  const [res, mod] = await Promise.all([list.reload(), chart ? chart : import("../chart.js")]);
  chart = mod;
  if (!res.ok) { status.set(null); lastData = null; chartBox.replaceChildren(); showProblem(form, res); return; }
  lastData = res.data;
  status.set((res.data.items || []).length ? null : "workload.none");
  exportsP.update("/api/v1/reports/workload", q, res.data);
  drawChart();
}

export async function render(section, args) {
  root = section;
  lastData = null;
  const a = argsOf(args);
  const units = await scopeUnits(["commune", "ward"]);
  unitF = unitField("wl-unit", units, a.get("unit") || (units[0] && units[0].id));
  daysF = field("wl-days", "workload.days", { type: "number", name: "days", "data-field": "days", min: 1, max: 30, required: true,
                                              value: a.get("days") || "3" });
  list = listTable({
    id: "workload-table", path: "/api/v1/reports/workload", empty: "workload.none",
    params: () => ({ unit: unitF.control.value, days: daysF.control.value }),
    columns: [
      { key: "officer", head: "workload.col.officer", cell: (it) => [who(it), el("br"), el("span", { class: "hint", text: it.officer.username })],
        sort: (x, y) => who(x).localeCompare(who(y), "vi") },
      { key: "open", head: "workload.col.open", cell: (it) => fmtNum(it.open), sort: num((it) => it.open) },
      { key: "due_soon", head: "workload.col.due_soon", cell: (it) => fmtNum(it.due_soon), sort: num((it) => it.due_soon) },
      { key: "overdue", head: "workload.col.overdue", cell: (it) => fmtNum(it.overdue), sort: num((it) => it.overdue) },
      { key: "fields", head: "workload.col.fields", cell: fieldsCell },
    ],
  });
  form = el("form", { id: "wl-form", class: "report-form", on: { submit: (ev) => { ev.preventDefault(); load(); } } }, [
    el("div", { class: "row" }, [unitF, daysF]),
    el("div", { class: "actions" }, el("button", { type: "submit", id: "wl-show", t: "report.show" })),
  ]);
  status = statusLine("wl-status");
  exportsP = exportLinks("wl-exports");
  chartBox = el("div", { id: "wl-chart-box", class: "chart-box" });
  root.append(el("h2", { id: "workload-title", t: "workload.title" }), el("p", { class: "hint", t: "workload.hint" }),
              form, status, exportsP, list.root, chartBox);
  await load();
}

export function onLang() { if (list) list.redraw(); drawChart(); }
