// trend.js — a unit's figures month by month (GET /api/v1/reports/trend): a line chart of the dossiers received and
// resolved, one of the on-time share, and the same numbers as a table. The choices are kept in the address.
import { t, el, field, api, showProblem, clearProblems, todayVn } from "../core.js";
import { argsOf, keepAddress, query, scopeUnits, unitField, viewField, exportLinks, statusLine, fmtNum, fmtPct,
         fmtMonth, dataTable } from "./report_common.js";

let root, form, unitF, fromF, toF, viewF, status, out, exportsP, chart = null, lastData = null, loads = 0;

// The month `back` months before "YYYY-MM".
function monthsBefore(m, back) {
  const [y, mo] = m.split("-").map(Number);
  const i = y * 12 + (mo - 1) - back;
  return Math.floor(i / 12) + "-" + String((i % 12) + 1).padStart(2, "0");
}

function draw() {
  if (!lastData || !chart) return;
  const ms = lastData.months || [];
  const labels = ms.map((m) => fmtMonth(m.month));
  const nothing = !ms.some((m) => m.figures.received > 0 || m.figures.resolved > 0);
  status.set(nothing ? "report.empty" : null);
  const counts = chart.lineChart({ id: "trend-chart", title: t("trend.chart.counts"), labels, fmt: fmtNum, series: [
    { label: t("report.fig.received"), values: ms.map((m) => m.figures.received), texts: ms.map((m) => fmtNum(m.figures.received)) },
    { label: t("report.fig.resolved"), values: ms.map((m) => m.figures.resolved), texts: ms.map((m) => fmtNum(m.figures.resolved)) },
  ] });
  const share = chart.lineChart({ id: "trend-chart-ontime", title: t("trend.chart.on_time"), labels, max: 100, fmt: (v) => fmtNum(v) + " %", series: [
    { label: t("overview.col.on_time"), values: ms.map((m) => (m.on_time_ratio === null ? null : m.on_time_ratio * 100)),
      texts: ms.map((m) => fmtPct(m.on_time_ratio)) },
  ] });
  out.replaceChildren(
    el("p", { class: "report-about" }, [el("strong", { text: lastData.unit.name }), " · ", fmtMonth(lastData.from), " – ", fmtMonth(lastData.to)]),
    el("div", { class: "chart-pair" }, [counts, share]),
    dataTable("trend-table", "trend.table", [["trend.col.month"], ["report.fig.received", true], ["report.fig.resolved", true],
      ["overview.col.on_time", true]], ms.map((m) => [fmtMonth(m.month), fmtNum(m.figures.received), fmtNum(m.figures.resolved), fmtPct(m.on_time_ratio)])));
  out.dataset.loads = String(++loads);
}

async function load() {
  clearProblems(form);
  const q = query({ unit: unitF.control.value, from: fromF.control.value, to: toF.control.value, view: viewF.control.value });
  keepAddress("trend", q);
  status.set("report.loading");
  out.setAttribute("aria-busy", "true");
  const [res, mod] = await Promise.all([api("GET", "/api/v1/reports/trend?" + q.toString()), chart ? chart : import("../chart.js")]);
  chart = mod;
  out.removeAttribute("aria-busy");
  if (!res.ok) {
    status.set(null); lastData = null; out.replaceChildren(); out.dataset.loads = String(++loads);
    showProblem(form, res);
    return;
  }
  lastData = res.data;
  exportsP.update("/api/v1/reports/trend", q, res.data);
  draw();
}

export async function render(section, args) {
  root = section;
  lastData = null;
  const a = argsOf(args);
  const units = await scopeUnits(["national", "province", "commune", "ward"]);
  const now = todayVn().slice(0, 7);
  unitF = unitField("tr-unit", units, a.get("unit") || (units[0] && units[0].id));
  fromF = field("tr-from", "trend.from", { type: "month", name: "from", "data-field": "from", required: true,
                                           value: a.get("from") || monthsBefore(now, 11), placeholder: "yyyy-mm" });
  toF = field("tr-to", "trend.to", { type: "month", name: "to", "data-field": "to", required: true, value: a.get("to") || now, placeholder: "yyyy-mm" });
  viewF = viewField("tr-view", a.get("view"));
  form = el("form", { id: "tr-form", class: "report-form", on: { submit: (ev) => { ev.preventDefault(); load(); } } }, [
    el("div", { class: "row" }, [unitF, viewF]), el("div", { class: "row" }, [fromF, toF]),
    el("div", { class: "actions" }, el("button", { type: "submit", id: "tr-show", t: "report.show" })),
  ]);
  status = statusLine("tr-status");
  exportsP = exportLinks("tr-exports");
  out = el("div", { id: "tr-out", class: "report-out" });
  root.append(el("h2", { id: "trend-title", t: "trend.title" }), el("p", { class: "hint", t: "trend.hint" }), form, status, exportsP, out);
  await load();
}

export function onLang() { draw(); }
