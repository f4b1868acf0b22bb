// dashboard.js — the unit's figures for a period (GET /api/v1/reports/indicators): received (carried over, online,
// desk, post), resolved early / on time / late, in progress on time / overdue, supplements, refusals, withdrawals,
// stops, deliveries; the shares (on time, online, digitized, satisfaction, online payment) and the Decision 766
// index, row by row with its numerator and denominator. Every figure links to the dossiers it counts
// (#/report-dossiers/<query>, GET /api/v1/reports/dossiers?measure=). The choices (unit, period, view, and one of
// field, procedure or officer, as the API filters) are kept in the address. The field, procedure and officer lists
// are fetched only when "More filters" is opened (the procedure catalog is large): the first drawing stays small.
import { t, el, api, hasRole, hasText, showProblem, clearProblems, field } from "../core.js";
import { argsOf, keepAddress, query, scopeUnits, unitField, periodPicker, viewField, exportLinks, statusLine,
         fmtNum, fmtPct, fmtScore, fmtRange, dataTable } from "./report_common.js";

export const GROUPS = [
  ["received", ["carried_over", "received_online", "received_desk", "received_post", "received", "to_handle"]],
  ["resolved", ["resolved_early", "resolved_on_time", "resolved_late", "resolved"]],
  ["in_progress", ["in_progress_on_time", "in_progress_overdue", "in_progress"]],
  ["other", ["supplement_requests", "refused", "withdrawn", "stopped", "delivered", "extended", "digitized", "rated",
             "satisfied", "complaints"]],
];

let root, form, period, unitF, viewF, fieldF, procF, officerF, more, status, out, exportsP, last = null, loads = 0;
let filtersLoaded = false, procedures = [];

// The address of a figure's dossier list.
export function figureHref(q, measure) {
  const x = new URLSearchParams(q);
  x.set("measure", measure);
  return "#/report-dossiers/" + encodeURIComponent(x.toString());
}

function choices() {
  const r = period.range();
  return query({ unit: unitF.control.value, from: r.from, to: r.to, view: viewF.control.value,
                 field: fieldF.control.value, procedure: procF.control.value, officer: officerF.control.value });
}

// The address keeps the period as chosen (month 2026-03), not only its dates.
function address() {
  const q = choices();
  q.set("p", period.kind());
  q.set("pv", period.value());
  q.delete("from"); q.delete("to");
  return q;
}

function figureTable(d, q) {
  const f = d.figures || {};
  return el("div", { class: "report-figures" }, GROUPS.map(([g, keys]) => dataTable("dash-fig-" + g, "report.group." + g,
    [["report.col.figure"], ["report.col.count", true]],
    keys.filter((k) => k in f).map((k) => [el("span", { t: "report.fig." + k }),
      f[k] > 0 ? el("a", { href: figureHref(q, k), class: "figure", dataset: { measure: k }, text: fmtNum(f[k]) })
               : el("span", { class: "figure", dataset: { measure: k }, text: fmtNum(f[k]) })]))));
}

const orDash = (n) => (n === null || n === undefined ? "—" : fmtNum(n));

function shareTable(d) {
  return dataTable("dash-shares", "report.shares", [["report.col.share"], ["report.col.numerator", true],
    ["report.col.denominator", true], ["report.col.ratio", true]],
    (d.shares || []).map((s) => [el("span", { t: "report.share." + s.key }), orDash(s.numerator), orDash(s.denominator),
      s.measured === false ? el("span", { t: "report.not_measured" }) : fmtPct(s.ratio)]));
}

// A row's name: its own text when the catalog has one, else its group's, with the row's number.
function rowName(r) {
  const k = "report.index.row." + r.key;
  return el("span", { t: hasText(k) ? k : "report.index.group." + r.group });
}

function indexTables(d) {
  const ix = d.index;
  if (!ix) return null;
  const note = (r) => (r.applies === false ? el("span", { class: "mark", t: "report.not_for_communes" })
    : r.measured === false ? el("span", { class: "mark", t: "report.not_measured" }) : "");
  return el("div", { class: "report-index" }, [
    el("p", { id: "dash-score", class: "score" }, [el("strong", { t: "report.index.score" }), " ",
      el("span", { t: "report.index.score.value", targs: { score: fmtScore(ix.score), max: fmtScore(ix.max), measured: fmtScore(ix.measured_max) } })]),
    dataTable("dash-index-groups", "report.index.groups", [["report.col.group"], ["report.col.score", true], ["report.col.max", true]],
      (ix.groups || []).map((g) => [el("span", { t: "report.index.group." + g.key }), fmtScore(g.score), fmtScore(g.max)])),
    dataTable("dash-index", "report.index", [["report.col.indicator"], ["report.col.content"], ["report.col.numerator", true],
      ["report.col.denominator", true], ["report.col.ratio", true], ["report.col.score", true], ["report.col.max", true], ["report.col.note"]],
      (ix.rows || []).map((r) => [r.key, rowName(r), orDash(r.numerator), orDash(r.denominator), fmtPct(r.ratio), fmtScore(r.score),
        fmtScore(r.max), note(r)])),
  ]);
}

function draw() {
  if (!last) return;
  const d = last.data, q = last.q;
  const f = d.figures || {};
  const nothing = !Object.values(f).some((v) => v > 0);
  status.set(nothing ? "report.empty" : null);
  out.replaceChildren(
    el("p", { class: "report-about" }, [el("strong", { text: d.unit ? d.unit.name : "" }), " · ", fmtRange(d.from, d.to), " · ",
                                         el("span", { t: "report.view." + (d.view || "standard") })]),
    figureTable(d, q), shareTable(d), indexTables(d));
  out.dataset.loads = String(++loads);
}

async function load() {
  clearProblems(form);
  const q = choices();
  keepAddress("dashboard", address());
  status.set("report.loading");
  out.setAttribute("aria-busy", "true");
  const res = await api("GET", "/api/v1/reports/indicators?" + q.toString());
  out.removeAttribute("aria-busy");
  if (!res.ok) {
    status.set(null);
    out.replaceChildren();
    out.dataset.loads = String(++loads);
    showProblem(form, res, period.fieldMap());
    return;
  }
  // The figure links keep the dates the server used (a defaulted unit or period included).
  const lq = exportsP.update("/api/v1/reports/indicators", q, res.data);
  // ... and the period as chosen, for the way back from the list.
  const back = new URLSearchParams(lq);
  back.set("p", period.kind()); back.set("pv", period.value());
  last = { data: res.data, q: back };
  draw();
}

// The field, procedure and officer choices (when "More filters" opens, or at once when the address names one).
async function loadFilters() {
  const want = { field: fieldF.control.dataset.want, procedure: procF.control.dataset.want, officer: officerF.control.dataset.want };
  if (!filtersLoaded) {
    filtersLoaded = true;
    const res = await api("GET", "/api/v1/procedures?limit=200");
    procedures = res.ok ? res.data.items.map((p) => ({ code: p.code, name: p.name, field: p.field })) : [];
    const fields = [...new Set(procedures.map((p) => p.field).filter(Boolean))].sort((a, b) => a.localeCompare(b, "vi"));
    for (const f of fields) fieldF.control.append(el("option", { value: f, text: f }));
    if (want.field) fieldF.control.value = want.field;
    for (const p of procedures) procF.control.append(el("option", { value: p.code, text: p.code + " — " + p.name }));
    if (want.procedure) procF.control.value = want.procedure;
  }
  await loadOfficers(want.officer);
}

// The officers of the unit (GET /api/v1/staff is the leader's and the administrator's; a province official filters
// by field and procedure only).
async function loadOfficers(keep) {
  const sel = officerF.control;
  sel.replaceChildren(el("option", { value: "", t: "report.filter.all" }));
  if (officerF.hidden || !unitF.control.value) return;
  const res = await api("GET", "/api/v1/staff?limit=200&under=" + encodeURIComponent(unitF.control.value));
  if (res.ok) for (const a of res.data.items) sel.append(el("option", { value: a.id, text: (a.full_name || a.username) + " (" + a.username + ")" }));
  if (keep) sel.value = keep;
}

export async function render(section, args) {
  root = section;
  last = null; filtersLoaded = false; procedures = [];
  const a = argsOf(args);
  const units = await scopeUnits(["national", "province", "commune", "ward"]);
  const unit = a.get("unit") || (units[0] && units[0].id);
  unitF = unitField("dash-unit", units, unit);
  period = periodPicker("dash", a.get("p") || "month", a.get("pv"));
  viewF = viewField("dash-view", a.get("view"));
  fieldF = field("dash-field", "report.filter.field", { name: "field", "data-field": "field", options: [["", "report.filter.all"]] }, "select");
  procF = field("dash-procedure", "report.filter.procedure", { name: "procedure", "data-field": "procedure", options: [["", "report.filter.all"]] }, "select");
  officerF = field("dash-officer", "report.filter.officer", { name: "officer", "data-field": "officer", options: [["", "report.filter.all"]] }, "select");
  officerF.hidden = !hasRole("leader", "admin");
  fieldF.control.dataset.want = a.get("field") || "";
  procF.control.dataset.want = a.get("procedure") || "";
  officerF.control.dataset.want = a.get("officer") || "";
  // Until the lists are loaded, the wanted values are options of their own (a report opened from the address).
  for (const [f, k] of [[fieldF, "field"], [procF, "procedure"], [officerF, "officer"]]) {
    if (a.get(k)) f.control.append(el("option", { value: a.get(k), selected: true, text: a.get(k) }));
  }
  // The API filters by one of field, procedure, officer: choosing one clears the others.
  const filters = [fieldF, procF, officerF];
  for (const f of filters) f.control.addEventListener("change", () => {
    if (f.control.value) for (const g of filters) if (g !== f) g.control.value = "";
  });
  unitF.control.addEventListener("change", () => { if (filtersLoaded) loadOfficers(); });
  more = el("details", { id: "dash-more", class: "more-filters", open: !!(a.get("field") || a.get("procedure") || a.get("officer")) }, [
    el("summary", { t: "report.filter.more" }), el("p", { class: "hint", t: "report.filter.one" }),
    el("div", { class: "row" }, [fieldF, procF, officerF])]);
  more.addEventListener("toggle", () => { if (more.open) loadFilters(); });
  form = el("form", { id: "dash-form", class: "report-form", on: { submit: (ev) => { ev.preventDefault(); load(); } } }, [
    el("div", { class: "row" }, [unitF, viewF]), period, more,
    el("div", { class: "actions" }, el("button", { type: "submit", id: "dash-show", t: "report.show" })),
  ]);
  status = statusLine("dash-status");
  out = el("div", { id: "dash-out", class: "report-out" });
  exportsP = exportLinks("dash-exports");
  root.append(el("h2", { id: "dashboard-title", t: "dash.title" }), el("p", { class: "hint", t: "dash.hint" }),
              form, status, exportsP, out);
  if (more.open) loadFilters();
  await load();
}

// Numbers and dates were formatted here: draw them again in the other language.
export function onLang() { draw(); }
