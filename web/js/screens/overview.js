// overview.js — a province's (or the country's) units side by side (GET /api/v1/reports/overview): rank, unit,
// received, resolved, on-time share, overdue, score, best first; the column heads sort the rows (buttons, so the
// keyboard reaches them), and a bar chart shows each unit's on-time share, its numbers read out in its aria-label
// as in the table. The choices are kept in the address.
import { t, el, listTable, showProblem, clearProblems } from "../core.js";
import { argsOf, keepAddress, query, scopeUnits, unitField, periodPicker, viewField, exportLinks, statusLine,
         fmtNum, fmtPct, fmtScore, fmtRange } from "./report_common.js";

let root, form, period, unitF, viewF, status, list, chartBox, exportsP, about, chart = null, lastData = null;

const num = (f) => (a, b) => (f(a) ?? -1) - (f(b) ?? -1);

function choices() {
  const r = period.range();
  return query({ unit: unitF.control.value, from: r.from, to: r.to, view: viewF.control.value });
}

function drawChart() {
  if (!chart || !lastData) return;
  const items = lastData.items || [];
  chartBox.replaceChildren(items.length ? chart.barChart({
    id: "overview-chart", title: t("overview.chart"), max: 100, fmt: (v) => fmtNum(v) + " %",
    items: items.map((it) => ({ label: it.unit.name, value: it.on_time_ratio === null ? null : it.on_time_ratio * 100, text: fmtPct(it.on_time_ratio) })),
  }) : "");
}

async function load() {
  clearProblems(form);
  const q = choices();
  const addr = new URLSearchParams(q);
  addr.delete("from"); addr.delete("to"); addr.set("p", period.kind()); addr.set("pv", period.value());
  keepAddress("overview", addr);
  status.set("report.loading");
  const [res, mod] = await Promise.all([list.reload(), chart ? chart : import("../chart.js")]);
  chart = mod;
  if (!res.ok) { status.set(null); lastData = null; chartBox.replaceChildren(); showProblem(form, res, period.fieldMap()); return; }
  lastData = res.data;
  status.set((res.data.items || []).length ? null : "overview.none");
  about.replaceChildren(el("strong", { text: res.data.unit.name }), " · ", fmtRange(res.data.from, res.data.to));
  exportsP.update("/api/v1/reports/overview", q, res.data);
  drawChart();
}

export async function render(section, args) {
  root = section;
  lastData = null;
  const a = argsOf(args);
  const units = await scopeUnits(["national", "province"]);
  unitF = unitField("ov-unit", units, a.get("unit") || (units[0] && units[0].id));
  period = periodPicker("ov", a.get("p") || "month", a.get("pv"));
  viewF = viewField("ov-view", a.get("view"));
  list = listTable({
    id: "overview-table", path: "/api/v1/reports/overview", params: () => Object.fromEntries(choices().entries()), empty: "overview.none",
    columns: [
      { key: "rank", head: "overview.col.rank", cell: (it) => fmtNum(it.rank), sort: num((it) => it.rank) },
      { key: "unit", head: "overview.col.unit", cell: (it) => it.unit.name, sort: (x, y) => x.unit.name.localeCompare(y.unit.name, "vi") },
      { key: "received", head: "report.fig.received", cell: (it) => fmtNum(it.figures.received), sort: num((it) => it.figures.received) },
      { key: "resolved", head: "report.fig.resolved", cell: (it) => fmtNum(it.figures.resolved), sort: num((it) => it.figures.resolved) },
      { key: "on_time", head: "overview.col.on_time", cell: (it) => fmtPct(it.on_time_ratio), sort: num((it) => it.on_time_ratio) },
      { key: "overdue", head: "report.fig.in_progress_overdue", cell: (it) => fmtNum(it.figures.in_progress_overdue), sort: num((it) => it.figures.in_progress_overdue) },
      { key: "score", head: "overview.col.score", cell: (it) => fmtScore(it.score), sort: num((it) => it.score) },
    ],
  });
  form = el("form", { id: "ov-form", class: "report-form", on: { submit: (ev) => { ev.preventDefault(); load(); } } }, [
    el("div", { class: "row" }, [unitF, viewF]), period,
    el("div", { class: "actions" }, el("button", { type: "submit", id: "ov-show", t: "report.show" })),
  ]);
  status = statusLine("ov-status");
  exportsP = exportLinks("ov-exports");
  about = el("p", { class: "report-about", id: "ov-about" });
  chartBox = el("div", { id: "ov-chart-box", class: "chart-box" });
  root.append(el("h2", { id: "overview-title", t: "overview.title" }), el("p", { class: "hint", t: "overview.hint" }),
              form, status, exportsP, about, list.root, chartBox);
  await load();
}

export function onLang() { if (list) list.redraw(); drawChart(); }
