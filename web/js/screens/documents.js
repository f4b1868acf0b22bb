// documents.js — the official document registers (Decree 30/2020/NĐ-CP; docs/documents.md): the incoming and the
// outgoing register as two tabs (#/documents/in, #/documents/out), a search (number and symbol, summary, agency,
// recipients, signer; with or without diacritics), a year filter, the API's cursor pages, and the register of the
// chosen year as a CSV, XLSX or PDF file. Clerks and leaders are offered the registration forms (#/document-new/..).
// Staff without a reading role (a specialist) see only the documents they lead: the API's scope, not the page's.
import { t, el, listTable, searchBox, field, fmtDate, hasRole, todayVn } from "../core.js";

export const DIRS = ["in", "out"];
const LIMIT = 20;

let root, dir = "in", q = "", year = "", view = "", due = "", list = null;

export const docLink = (d) => el("a", { href: "#/document/" + encodeURIComponent(d.id), class: "code", text: d.number_text });
export const statusBadge = (d) => el("span", { class: "badge doc-status", dataset: { status: d.status }, t: "doc.status." + d.status });
const byNumber = (a, b) => (a.year - b.year) || (a.number - b.number);

function columns() {
  return [
    { key: "number", head: "doc.col.number", cell: docLink, sort: byNumber },
    { key: "symbol", head: "doc.col.symbol", cell: (d) => d.symbol },
    { key: "dated", head: "doc.col.dated", cell: (d) => fmtDate(d.direction === "in" ? d.arrival_date || d.dated : d.dated),
      sort: (a, b) => (a.arrival_date || a.dated).localeCompare(b.arrival_date || b.dated) },
    { key: "party", head: "doc.col.party", cell: (d) => (d.direction === "in" ? d.agency : d.recipients) || "" },
    { key: "summary", head: "doc.col.summary", cell: (d) => [el("span", { class: "doc-type", text: d.type_name }), ": ", d.summary] },
    { key: "status", head: "doc.col.status", cell: statusBadge },
  ];
}

// The register files of the chosen year (this year when none is chosen), for the readers of the register.
function downloads() {
  const y = year || todayVn().slice(0, 4);
  const p = el("p", { id: "doc-downloads", class: "doc-downloads" }, [el("span", { t: "doc.download", targs: { year: y } }), " "]);
  for (const f of ["csv", "xlsx", "pdf"]) {
    const qs = new URLSearchParams({ direction: dir, year: y, format: f });
    p.append(el("a", { href: "/api/v1/documents/register?" + qs, download: "", id: "doc-dl-" + f, dataset: { format: f },
                       t: "doc.download." + f }), " ");
  }
  return p;
}

function tabs() {
  const bar = el("div", { role: "tablist", id: "doc-tabs", class: "tabs", ta: "doc.tabs" });
  for (const v of DIRS) {
    bar.append(el("button", {
      type: "button", role: "tab", id: "doc-tab-" + v, "aria-controls": "doc-panel", t: "doc.tab." + v,
      "aria-selected": v === dir ? "true" : "false", tabindex: v === dir ? "0" : "-1",
      dataset: { dir: v }, on: { click: () => select(v, false) },
    }));
  }
  bar.addEventListener("keydown", (ev) => {
    const i = DIRS.indexOf(dir);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: DIRS.length - 1 }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    select(DIRS[(next + DIRS.length) % DIRS.length], true);
  });
  return bar;
}

function newLink() {
  if (!hasRole("clerk", "leader")) return null;
  return el("p", { id: "doc-new-wrap" }, el("a", { id: "doc-new", class: "button primary", href: "#/document-new/" + dir, t: "doc.new." + dir }));
}

function redrawExtras() {
  const old = root.querySelector("#doc-new-wrap");
  const n = newLink();
  if (old && n) old.replaceWith(n);
  const dl = root.querySelector("#doc-downloads");
  if (dl) dl.replaceWith(downloads());
}

async function select(v, focus) {
  dir = v;
  history.replaceState(null, "", "#/documents/" + v);
  root.querySelectorAll("#doc-tabs [role=tab]").forEach((b) => {
    const on = b.dataset.dir === v;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  });
  root.querySelector("#doc-panel").setAttribute("aria-labelledby", "doc-tab-" + v);
  root.querySelector("#doc-work").hidden = v !== "in";
  redrawExtras();
  await list.reload();
}

function yearFilter() {
  const now = Number(todayVn().slice(0, 4));
  const opts = [["", "doc.year.all"]];
  for (let y = now; y > now - 6; y--) opts.push([String(y), String(y), true]);
  return field("doc-year", "doc.year", { options: opts, on: { change: (ev) => { year = ev.target.value; redrawExtras(); list.reload(); } } }, "select");
}

// The handling work lists of the incoming register: documents I lead or co-ordinate, due soon or overdue
// (GET /api/v1/documents?view=lead|coordinating&due=soon|overdue).
function workFilters() {
  const change = (set) => (ev) => { set(ev.target.value); list.reload(); };
  return el("div", { class: "row", id: "doc-work" }, [
    field("doc-view", "doc.view", { options: [["", "doc.view.all"], ["lead", "doc.view.lead"], ["coordinating", "doc.view.coordinating"]],
                                    on: { change: change((v) => { view = v; }) } }, "select"),
    field("doc-due", "doc.due", { options: [["", "doc.due.any"], ["soon", "doc.due.soon"], ["overdue", "doc.due.overdue"]],
                                  on: { change: change((v) => { due = v; }) } }, "select"),
  ]);
}

export async function render(section, args) {
  root = section;
  dir = DIRS.includes(args[0]) ? args[0] : "in";
  q = ""; year = ""; view = ""; due = "";
  list = listTable({
    id: "doc-table", path: "/api/v1/documents", limit: LIMIT, empty: "doc.none",
    params: () => (dir === "in" ? { direction: dir, q, year, view, due } : { direction: dir, q, year }), columns: columns(),
  });
  const reader = hasRole("clerk", "leader", "official");
  root.append(...[
    el("h2", { id: "documents-title", t: "doc.title" }),
    reader ? null : el("p", { class: "hint", id: "doc-lead-hint", t: "doc.hint.lead" }),
    tabs(),
    el("div", { role: "tabpanel", id: "doc-panel", "aria-labelledby": "doc-tab-" + dir }, [
      newLink(),
      el("div", { class: "row" }, [searchBox("doc-q", "doc.search", (v) => { q = v; list.reload(); }), yearFilter()]),
      workFilters(),
      reader ? downloads() : null,
      list.root,
    ])].filter(Boolean));
  history.replaceState(null, "", "#/documents/" + dir);
  await list.reload();
}

export function onLang() { if (list) list.redraw(); }
