// work.js — the work lists of staff (desk, specialist, leader, clerk): my dossiers, my department's, due soon,
// overdue, waiting for the applicant, the whole unit. One tab per view of GET /api/v1/dossiers?view=; the tab is in
// the address (#/work/overdue) so that a reload or a bookmark opens it again. Each list is paginated with the API's
// cursor, searchable (code, name with or without diacritics, identity number, phone) and sortable.
import { t, el, bi, listTable, searchBox, fmtDateTime, dueBadge } from "../core.js";

export const VIEWS = ["mine", "department", "due_soon", "overdue", "waiting", "unit"];
const LIMIT = 20;

let root, view = "mine", q = "", list = null;

// Sorting helpers shared with the queue and leader screens: a missing instant sorts last.
export const byCode = (a, b) => a.code.localeCompare(b.code);
export const byInstant = (k) => (a, b) => (a[k] || "9").localeCompare(b[k] || "9");

// The link to the dossier page (drawn by the dossier screen).
export const codeLink = (d) => el("a", { href: "#/dossier/" + encodeURIComponent(d.code), class: "code", text: d.code });

export function dossierColumns() {
  return [
    { key: "code", head: "work.col.code", cell: codeLink, sort: byCode },
    { key: "applicant", head: "work.col.applicant", cell: (d) => d.applicant.name },
    { key: "procedure", head: "work.col.procedure", cell: (d) => d.procedure.name },
    { key: "status", head: "work.col.status", cell: (d) => bi(d.status_name) },
    { key: "received", head: "work.col.received", cell: (d) => fmtDateTime(d.received_at), sort: byInstant("received_at") },
    { key: "due", head: "work.col.due", cell: (d) => dueBadge(d.due_at), sort: byInstant("due_at") },
  ];
}

function tabs() {
  const bar = el("div", { role: "tablist", id: "work-tabs", class: "tabs", ta: "work.tabs" });
  for (const v of VIEWS) {
    bar.append(el("button", {
      type: "button", role: "tab", id: "work-tab-" + v, "aria-controls": "work-panel", t: "work.view." + v,
      "aria-selected": v === view ? "true" : "false", tabindex: v === view ? "0" : "-1",
      dataset: { view: v }, on: { click: () => select(v, false) },
    }));
  }
  // The arrow keys move between the tabs (and open the one reached), Home and End go to the first and last.
  bar.addEventListener("keydown", (ev) => {
    const i = VIEWS.indexOf(view);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    select(VIEWS[(next + VIEWS.length) % VIEWS.length], true);
  });
  return bar;
}

async function select(v, focus) {
  view = v;
  // The address follows the tab without a hashchange: the router would draw the screen again and move the focus.
  history.replaceState(null, "", "#/work/" + v);
  root.querySelectorAll("#work-tabs [role=tab]").forEach((b) => {
    const on = b.dataset.view === v;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  });
  root.querySelector("#work-panel").setAttribute("aria-labelledby", "work-tab-" + v);
  const hint = root.querySelector("#work-hint");
  hint.dataset.t = "work.hint." + v;
  hint.textContent = t(hint.dataset.t);
  await list.reload();
}

export async function render(section, args) {
  root = section;
  view = VIEWS.includes(args[0]) ? args[0] : "mine";
  q = "";
  list = listTable({
    id: "work-table", path: "/api/v1/dossiers", limit: LIMIT, empty: "work.none",
    params: () => ({ view, q }), columns: dossierColumns(),
  });
  const search = searchBox("work-q", "work.search", (v) => { q = v; list.reload(); });
  root.append(
    el("h2", { id: "work-title", t: "work.title" }),
    tabs(),
    el("div", { role: "tabpanel", id: "work-panel", "aria-labelledby": "work-tab-" + view }, [
      el("p", { id: "work-hint", class: "hint", t: "work.hint." + view }),
      search, list.root,
    ]));
  history.replaceState(null, "", "#/work/" + view);
  await list.reload();
}

export function onLang() { if (list) list.redraw(); }
