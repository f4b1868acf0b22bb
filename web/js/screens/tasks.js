// tasks.js — tasks ("giao việc", docs/tasks.md), #/tasks: the work lists (all I may read, given by me, I lead, I
// co-ordinate, my unit's, escalated to me), filters (due soon / overdue, state), a search and the API's cursor pages;
// officials and leaders are offered the new-task form (a lead picked from GET /api/v1/tasks/assignees, co-ordinators,
// a deadline that the API checks on the lead unit's legal clock, the expected result and how it is judged).
import { t, el, api, listTable, searchBox, field, fmtDate, hasRole, todayVn, showProblem, clearProblems, notice } from "../core.js";

const VIEWS = ["all", "assigned", "lead", "coordinating", "unit", "escalated"];
let root, list, view = "all", due = "", st = "", q = "", people = [];

export const stateBadge = (x) => el("span", { class: "badge task-state", dataset: { state: x.state }, t: "task.state." + x.state });
export const progressBar = (x, id) => el("progress", { max: 100, value: x.percent, id, "aria-label": t("task.percent"), title: x.percent + "%" });

function columns() {
  return [
    { key: "title", head: "task.col.title", cell: (x) => el("a", { href: "#/task/" + encodeURIComponent(x.id), text: x.title }) },
    { key: "deadline", head: "task.col.deadline", cell: (x) => [fmtDate(x.deadline), x.escalated ? [" ", el("span", { class: "badge due-overdue", t: "task.overdue" })] : ""].flat(),
      sort: (a, b) => a.deadline.localeCompare(b.deadline) },
    { key: "state", head: "task.col.state", cell: stateBadge },
    { key: "percent", head: "task.col.percent", cell: (x) => [progressBar(x), " " + x.percent + "%"], sort: (a, b) => a.percent - b.percent },
  ];
}

function filters() {
  const change = (set) => (ev) => { set(ev.target.value); list.reload(); };
  return el("div", { class: "row", id: "task-filters" }, [
    field("task-view", "task.view", { options: VIEWS.map((v) => [v, "task.view." + v]), on: { change: change((v) => { view = v; }) } }, "select"),
    field("task-due", "task.due", { options: [["", "task.due.any"], ["soon", "task.due.soon"], ["overdue", "task.due.overdue"]],
                                    on: { change: change((v) => { due = v; }) } }, "select"),
    field("task-state", "task.state", { options: [["", "task.state.any"], ...["assigned", "clarification", "in_progress", "done", "closed"].map((s) => [s, "task.state." + s])],
                                        on: { change: change((v) => { st = v; }) } }, "select"),
  ]);
}

function newForm() {
  const accounts = people.filter((p) => p.kind === "account").map((p) => [p.id, p.name, true]);
  const all = people.map((p) => [p.id, p.name + (p.kind === "unit" ? " (" + t("task.f.unit") + ")" : ""), true]);
  return el("form", { id: "task-new", class: "admin-panel", hidden: true, on: { submit: create } }, [
    el("h3", { id: "task-new-title", t: "task.new", tabindex: "-1" }),
    field("task-title", "task.f.title", { name: "title", required: true, maxlength: 300 }),
    field("task-content", "task.f.content", { name: "content", required: true, maxlength: 4000, rows: 3 }, "textarea"),
    el("div", { class: "row" }, [
      field("task-source-kind", "task.f.source_kind", { name: "source_kind", options: ["meeting", "document", "target", "recommendation", "other"].map((k) => [k, "task.source." + k]) }, "select"),
      field("task-source-ref", "task.f.source_ref", { name: "source_ref", maxlength: 300 }),
    ]),
    el("div", { class: "row" }, [
      field("task-lead", "task.f.lead", { name: "lead", required: true, options: [["", "task.f.choose"], ...accounts] }, "select"),
      field("task-deadline", "task.f.deadline", { name: "deadline", type: "date", required: true, min: todayVn() }),
    ]),
    field("task-coordinators", "task.f.coordinators", { name: "coordinators", multiple: true, size: 4, options: all }, "select"),
    field("task-expected", "task.f.expected", { name: "expected_result", required: true, maxlength: 4000, rows: 2 }, "textarea"),
    field("task-criteria", "task.f.criteria", { name: "criteria", required: true, maxlength: 4000, rows: 2 }, "textarea"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "task-submit", class: "primary", t: "task.f.submit" }),
  ]);
}

async function create(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const v = (n) => form.elements.namedItem(n).value.trim();
  const body = { title: v("title"), content: v("content"), source_kind: v("source_kind"), lead: v("lead"),
                 deadline: v("deadline"), expected_result: v("expected_result"), criteria: v("criteria") };
  if (v("source_ref")) body.source_ref = v("source_ref");
  const co = [...form.elements.namedItem("coordinators").selectedOptions].map((o) => o.value);
  if (co.length) body.coordinators = co;
  const btn = form.querySelector("#task-submit");
  btn.disabled = true;
  const res = await api("POST", "/api/v1/tasks", body);
  btn.disabled = false;
  if (!res.ok) { showProblem(form, res, { expected_result: "expected_result" }); return; }
  form.reset();
  form.hidden = true;
  root.querySelector("#task-new-open").setAttribute("aria-expanded", "false");
  const p = notice(root, "task.created", { title: res.data.title });
  p.append(" ", el("a", { href: "#/task/" + encodeURIComponent(res.data.id), id: "task-created-link", t: "task.open" }));
  p.tabIndex = -1;
  p.focus();
  await list.reload();
}

function toggleNew() {
  const form = root.querySelector("#task-new"), btn = root.querySelector("#task-new-open");
  form.hidden = !form.hidden;
  btn.setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) root.querySelector("#task-title").focus();
}

export async function render(section) {
  root = section;
  view = "all"; due = ""; st = ""; q = ""; people = [];
  list = listTable({ id: "task-table", path: "/api/v1/tasks", limit: 20, empty: "task.none",
                     params: () => ({ view, due, state: st, q }), columns: columns() });
  const assigner = hasRole("official", "leader");
  if (assigner) {
    const res = await api("GET", "/api/v1/tasks/assignees");
    people = res.ok ? res.data.items : [];
  }
  root.append(...[
    el("h2", { id: "tasks-title", t: "task.title" }),
    assigner ? el("p", {}, el("button", { type: "button", id: "task-new-open", "aria-expanded": "false", "aria-controls": "task-new",
                                          class: "primary", t: "task.new", on: { click: toggleNew } })) : null,
    assigner ? newForm() : null,
    el("div", { class: "row" }, [searchBox("task-q", "task.search", (v) => { q = v; list.reload(); })]),
    filters(),
    list.root,
  ].filter(Boolean));
  await list.reload();
}

export function onLang() { if (list) list.redraw(); }
