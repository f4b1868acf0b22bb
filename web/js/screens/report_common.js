// report_common.js — what the report screens share (dashboard, overview, workload, trend, report-dossiers): the
// units of the caller's scope for the unit picker, the period picker (day, month, quarter, year, custom range), the
// export links (the same endpoint with &format=csv|xlsx|pdf), number and share formatting, the loading and empty
// line, and the screen's choices kept in the address (#/dashboard/<query>) so that a reload, a bookmark or "back"
// from a figure's dossier list opens the same report.
import { state, t, el, api, field, fmtNum, todayVn, fmtDate } from "../core.js";

export const REPORT_ROLES = ["leader", "official", "admin"];

// The choices of a report screen from its address segment (an encoded query string).
export const argsOf = (args) => new URLSearchParams(args && args[0] ? args[0] : "");

// Keep the choices in the address without a hashchange (the router would draw the screen again).
export function keepAddress(name, q) {
  history.replaceState(null, "", "#/" + name + "/" + encodeURIComponent(q.toString()));
}

// A query without its empty values.
export function query(obj) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  return q;
}

// ---- numbers ----
export const fmtPct = (r) => (r === null || r === undefined ? "—"
  : (r * 100).toLocaleString(state.lang === "en" ? "en-GB" : "vi-VN", { maximumFractionDigits: 1 }) + " %");
export const fmtScore = (x) => (x === null || x === undefined ? "—"
  : Number(x).toLocaleString(state.lang === "en" ? "en-GB" : "vi-VN", { maximumFractionDigits: 2 }));
export { fmtNum };

// A month "2026-03" as "03/2026".
export const fmtMonth = (m) => (/^\d{4}-\d{2}$/.test(m || "") ? m.slice(5) + "/" + m.slice(0, 4) : String(m || "—"));

// ---- units of the caller's scope ----
// The units the caller reads reports of, of the given kinds: the units of their leader / official / admin grants,
// and the units of those kinds under them (GET /api/v1/units?kind=), as a tree: each unit after its parent.
export async function scopeUnits(kinds) {
  const byId = new Map();
  for (const r of (state.me && state.me.roles) || []) {
    if (REPORT_ROLES.includes(r.role) && r.unit && kinds.includes(r.unit.kind)) byId.set(r.unit.id, { ...r.unit, parent_id: null, grant: true });
  }
  // Only the kinds below a grant's level are asked for (a commune's leader asks for none).
  const LEVEL = { national: 0, province: 1, commune: 2, ward: 2 };
  const top = Math.min(3, ...((state.me && state.me.roles) || []).filter((r) => REPORT_ROLES.includes(r.role) && r.unit)
    .map((r) => LEVEL[r.unit.kind] ?? 3));
  const wanted = kinds.filter((k) => k !== "national" && LEVEL[k] > top);
  const answers = await Promise.all(wanted.map((k) => api("GET", "/api/v1/units?limit=200&kind=" + encodeURIComponent(k))));
  for (const res of answers) {
    if (!res.ok) continue;
    for (const u of res.data.items) if (u.active !== false && !byId.has(u.id)) byId.set(u.id, u);
  }
  const kids = new Map();
  const roots = [];
  for (const u of byId.values()) {
    if (u.parent_id && byId.has(u.parent_id)) (kids.get(u.parent_id) || kids.set(u.parent_id, []).get(u.parent_id)).push(u);
    else roots.push(u);
  }
  const out = [];
  const walk = (u, depth) => {
    out.push({ id: u.id, name: u.name, kind: u.kind, depth });
    for (const c of (kids.get(u.id) || []).sort((a, b) => a.name.localeCompare(b.name, "vi"))) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => (b.grant ? 1 : 0) - (a.grant ? 1 : 0) || a.name.localeCompare(b.name, "vi"))) walk(r, 0);
  return out;
}

// The unit picker: a select of the scope's units (indented under their parent), the given one selected.
export function unitField(id, units, selected) {
  const f = field(id, "report.unit", { name: "unit", "data-field": "unit" }, "select");
  for (const u of units) {
    f.control.append(el("option", { value: u.id, selected: u.id === selected, text: "\u2003".repeat(u.depth) + u.name }));
  }
  if (!units.length) f.control.append(el("option", { value: "", t: "report.unit.none" }));
  return f;
}

// ---- the period picker ----
export const PERIODS = ["day", "month", "quarter", "year", "custom"];
const pad = (n) => String(n).padStart(2, "0");
const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

// {from, to} of a period (to at most today: a report of the current month runs to today).
export function rangeOf(kind, v, today = todayVn()) {
  let from = "", to = "";
  if (kind === "day") from = to = v;
  else if (kind === "month" && /^\d{4}-\d{2}$/.test(v)) {
    const [y, m] = v.split("-").map(Number);
    from = `${v}-01`; to = `${v}-${pad(lastDay(y, m))}`;
  } else if (kind === "quarter" && /^\d{4}-Q[1-4]$/.test(v)) {
    const y = Number(v.slice(0, 4)), q = Number(v.slice(6));
    from = `${y}-${pad(3 * q - 2)}-01`; to = `${y}-${pad(3 * q)}-${pad(lastDay(y, 3 * q))}`;
  } else if (kind === "year" && /^\d{4}$/.test(v)) { from = `${v}-01-01`; to = `${v}-12-31`; }
  else if (kind === "custom") [from, to] = (v || "").split("..");
  if (to && from && to > today && from <= today) to = today;
  return { from: from || "", to: to || "" };
}

// The picker: a select of the kind of period and the control(s) of that kind. value() → "2026-03", "2026-Q1", ...
// fieldMap() names the visible control of the API's "from" / "to" problems (for showProblem).
export function periodPicker(p, kind, value) {
  const today = todayVn();
  kind = PERIODS.includes(kind) ? kind : "month";
  const kindF = field(p + "-period", "report.period", { name: p + "-period", options: PERIODS.map((k) => [k, "report.period." + k]) }, "select");
  kindF.control.value = kind;
  const y = today.slice(0, 4), q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const v = (k, dflt) => (kind === k && value ? value : dflt);
  const [cFrom, cTo] = (v("custom", today.slice(0, 8) + "01.." + today)).split("..");
  const parts = {
    day: [field(p + "-day", "report.period.date", { type: "date", required: true, value: v("day", today), max: today })],
    month: [field(p + "-month", "report.period.month", { type: "month", required: true, value: v("month", today.slice(0, 7)),
                                                         placeholder: "yyyy-mm", pattern: "\\d{4}-\\d{2}" })],
    quarter: [field(p + "-qyear", "report.period.year", { type: "number", min: 2000, max: 2100, required: true, value: v("quarter", y + "-Q" + q).slice(0, 4) }),
              field(p + "-quarter", "report.period.quarter", { options: [1, 2, 3, 4].map((n) => [String(n), "report.period.q" + n]) }, "select")],
    year: [field(p + "-year", "report.period.year", { type: "number", min: 2000, max: 2100, required: true, value: v("year", y) })],
    custom: [field(p + "-from", "report.period.from", { type: "date", required: true, value: cFrom, "data-field": "from" }),
             field(p + "-to", "report.period.to", { type: "date", required: true, value: cTo, "data-field": "to" })],
  };
  parts.quarter[1].control.value = String(kind === "quarter" && value ? Number(value.slice(6)) || q : q);
  const wrap = el("div", { class: "row period" }, [kindF, ...Object.values(parts).flat()]);
  const show = () => { for (const [k, fs] of Object.entries(parts)) for (const f of fs) f.hidden = k !== kindF.control.value; };
  kindF.control.addEventListener("change", show);
  show();
  const ctl = (id) => wrap.querySelector("#" + p + "-" + id);
  wrap.kind = () => kindF.control.value;
  wrap.value = () => {
    switch (wrap.kind()) {
      case "day": return ctl("day").value;
      case "month": return ctl("month").value;
      case "quarter": return ctl("qyear").value + "-Q" + ctl("quarter").value;
      case "year": return ctl("year").value;
      default: return ctl("from").value + ".." + ctl("to").value;
    }
  };
  wrap.range = () => rangeOf(wrap.kind(), wrap.value(), todayVn());
  wrap.fieldMap = () => {
    const k = wrap.kind();
    const one = { day: "day", month: "month", quarter: "qyear", year: "year" }[k];
    return one ? { from: p + "-" + one, to: p + "-" + one } : {};
  };
  return wrap;
}

// The standard / dates view select (Decision 766's formula, or dates only as some provinces count).
export function viewField(id, value) {
  const f = field(id, "report.view", { name: "view", "data-field": "view",
    options: [["standard", "report.view.standard"], ["dates", "report.view.dates"]], "aria-describedby": id + "-err " + id + "-hint" }, "select");
  f.control.value = value === "dates" ? "dates" : "standard";
  f.append(el("p", { class: "hint", id: id + "-hint", t: "report.view.hint" }));
  return f;
}

// ---- export links: the same report as a download ----
export function exportLinks(id) {
  const nav = el("p", { id, class: "exports", hidden: true }, [el("span", { t: "report.export" }), " "]);
  const links = ["csv", "xlsx", "pdf"].map((f) => el("a", { class: "button", dataset: { format: f }, download: "", t: "report.export." + f }));
  links.forEach((a, i) => nav.append(a, i < links.length - 1 ? " " : ""));
  // The links of the report the server answered: the query with the unit, dates and days it used (its defaults
  // included); returns that query (without the format).
  nav.update = (path, q, answer) => {
    const used = new URLSearchParams(q);
    if (answer && answer.unit) used.set("unit", answer.unit.id);
    for (const k of ["from", "to", "days"]) if (answer && answer[k] !== undefined && answer[k] !== null) used.set(k, String(answer[k]));
    for (const a of links) {
      const x = new URLSearchParams(used);
      x.set("format", a.dataset.format);
      a.href = path + "?" + x.toString();
    }
    nav.hidden = false;
    return used;
  };
  return nav;
}

// ---- the status line: loading, empty, or nothing ----
export function statusLine(id) {
  const p = el("p", { id, class: "report-status", role: "status" });
  p.set = (key, args) => {
    if (!key) { p.textContent = ""; delete p.dataset.t; p.hidden = true; return; }
    p.dataset.t = key; p._targs = args; p.textContent = t(key, args); p.hidden = false;
  };
  return p;
}

// "dd/mm/yyyy – dd/mm/yyyy" of a report's answer.
export const fmtRange = (from, to) => (from === to ? fmtDate(from) : fmtDate(from) + " – " + fmtDate(to));

// A plain table: caption key, heads [[key, numeric?]], rows of cells (Node|string); the first cell of a row is its
// header (th scope=row).
export function dataTable(id, captionKey, heads, rows, captionArgs) {
  return el("div", { class: "table-scroll" }, el("table", { id, class: "list report" }, [
    captionKey ? el("caption", { t: captionKey, targs: captionArgs }) : null,
    el("thead", {}, el("tr", {}, heads.map(([k, num]) => el("th", { scope: "col", class: num ? "num" : null, t: k })))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) => el(i === 0 ? "th" : "td",
      { scope: i === 0 ? "row" : null, class: i > 0 && heads[i] && heads[i][1] ? "num" : null }, c))))),
  ]));
}
