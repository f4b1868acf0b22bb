// leader.js — what waits for the head of the unit (docs/one-stop.md): the dossiers at a leader step waiting for the
// approval, the dossiers whose due comes soon and that may still be extended once (apology and extension, form 04:
// at least one working day before the due, by the leader), and the dossiers at a step with no officer yet, assigned
// here with the officer the API suggests (least open dossiers first) preselected.
import { t, el, api, listTable, fmtDateTime, dueBadge, notice, field, showProblem, problemText, formDialog } from "../core.js";
import { codeLink, byCode, byInstant } from "./work.js";
import { act } from "./queue.js";
import { assigneeLabel } from "./dossier.js";

let root, approvals, extensions, assigns, current = null, extendDlg = null;
const suggestions = new Map();   // code@version → the assignees answer, so that a redraw does not ask again

const base = (extra) => [
  { key: "code", head: "work.col.code", cell: codeLink, sort: byCode },
  { key: "applicant", head: "work.col.applicant", cell: (d) => d.applicant.name },
  { key: "procedure", head: "work.col.procedure", cell: (d) => d.procedure.name },
  ...extra,
  { key: "due", head: "work.col.due", cell: (d) => dueBadge(d.due_at), sort: byInstant("due_at") },
];

function assignCell(d) {
  const id = "leader-to-" + d.code;
  const f = field(id, "leader.assignee", { name: "to", "data-field": "to" }, "select");
  const button = el("button", { type: "button", class: "assign", t: "leader.assign", disabled: true,
                                dataset: { code: d.code }, on: { click: () => assign(d, f) } });
  const wrap = el("div", { class: "leader-assign" }, [f, button]);
  const key = d.code + "@" + d.version;
  const fill = (res) => {
    if (!res.ok) { f.querySelector(".field-error").textContent = problemText(res); f.querySelector(".field-error").hidden = false; return; }
    for (const a of res.data.items) {
      f.control.append(el("option", { value: a.username, dataset: { name: a.full_name || a.username }, text: assigneeLabel(a, "leader.assignee") }));
    }
    const sug = res.data.items.find((a) => a.suggested);
    if (res.data.items.length) { f.control.value = sug ? sug.username : res.data.items[0].username; button.disabled = false; }
    else f.control.append(el("option", { value: "", t: "leader.assignee.none" }));
  };
  if (suggestions.has(key)) fill(suggestions.get(key));
  else api("GET", "/api/v1/dossiers/" + encodeURIComponent(d.code) + "/assignees?limit=200").then((res) => {
    suggestions.set(key, res);
    fill(res);
  });
  return wrap;
}

async function assign(d, f) {
  const to = f.control.value;
  const res = await act(d, { action: "assign", to });
  if (!res.ok) { showProblem(f, res); return; }
  notice(root, "leader.assigned", { code: d.code, name: f.control.selectedOptions[0].dataset.name });
  await Promise.all([assigns.reload(), approvals.reload()]);
  root.querySelector("h2").focus();
}

function openExtend(d, button) {
  current = d;
  // el() sets the days' value as a property, which reset() does not keep: set the default again.
  extendDlg.openFor(d.code, button, (form) => { form.querySelector("#leader-days").value = "1"; });
}

async function extend(form) {
  const body = { action: "extend", days: Number(form.querySelector("#leader-days").value) };
  const reason = form.querySelector("#leader-reason").value.trim();
  if (reason) body.reason = reason;
  const res = await act(current, body);
  if (!res.ok) { showProblem(form, res); return; }
  extendDlg.close();
  notice(root, "leader.extended", { code: current.code });
  await extensions.reload();
  root.querySelector("h2").focus();
}

function extendDialog() {
  extendDlg = formDialog({ id: "leader-extend", title: "leader.extend.title", hint: "leader.extend.hint",
                           submit: "leader.extend.submit", cancel: "leader.cancel", onSubmit: extend, fields: [
    field("leader-days", "leader.days", { type: "number", name: "days", "data-field": "days", min: 1, max: 60, value: 1 }),
    field("leader-reason", "leader.reason", { name: "reason", "data-field": "reason", maxlength: 1000, rows: 3,
                                              "aria-required": "true" }, "textarea")] });
  return extendDlg;
}

export async function render(section) {
  root = section;
  suggestions.clear();
  // Processing dossiers at a leader step: what the leader approves (or returns) now.
  approvals = listTable({
    id: "leader-approvals", path: "/api/v1/dossiers", limit: 50, empty: "leader.approvals.none",
    params: () => ({ view: "unit", status: "4" }), keep: (d) => d.step_role === "leader",
    columns: base([{ key: "received", head: "work.col.received", cell: (d) => fmtDateTime(d.received_at), sort: byInstant("received_at") }]),
  });
  // Due within three working days and not yet extended (an extension is allowed once).
  extensions = listTable({
    id: "leader-extensions", path: "/api/v1/dossiers", limit: 50, empty: "leader.extensions.none",
    params: () => ({ view: "due_soon", hours: "24" }), keep: (d) => !d.original_due_at || d.due_at === d.original_due_at,
    columns: base([{ key: "actions", head: "queue.col.actions", cell: (d) => el("button", {
      type: "button", class: "extend", t: "leader.extend", dataset: { code: d.code },
      on: { click: (ev) => openExtend(d, ev.currentTarget) } }) }]),
  });
  // At a step of another role with nobody working it yet.
  assigns = listTable({
    id: "leader-assigns", path: "/api/v1/dossiers", limit: 50, empty: "leader.assigns.none",
    params: () => ({ view: "unit", status: "4" }), keep: (d) => !d.assignee && !!d.step_role && d.step_role !== "leader",
    columns: base([{ key: "assign", head: "leader.col.assign", cell: assignCell }]),
  });
  root.append(
    el("h2", { id: "leader-title", t: "leader.title" }),
    el("h3", { id: "leader-approvals-title", t: "leader.approvals" }),
    el("p", { class: "hint", t: "leader.approvals.hint" }), approvals.root,
    el("h3", { id: "leader-assigns-title", t: "leader.assigns" }),
    el("p", { class: "hint", t: "leader.assigns.hint" }), assigns.root,
    el("h3", { id: "leader-extensions-title", t: "leader.extensions" }),
    el("p", { class: "hint", t: "leader.extensions.hint" }), extensions.root,
    extendDialog());
  await Promise.all([approvals.reload(), assigns.reload(), extensions.reload()]);
}

// The option texts were formatted here: draw the rows again (the answers are kept).
export function onLang() { for (const l of [approvals, assigns, extensions]) if (l) l.redraw(); }
