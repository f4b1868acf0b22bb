// queue.js — the online dossiers waiting for the desk's check (status 1 "new": only an online submission is in it,
// a desk or post intake is accepted at once, docs/one-stop.md). The desk officer accepts one (the legal clock starts)
// or refuses it with a reason, asked in a dialog; the row leaves the queue and a notice says what was done.
import { t, el, api, listTable, searchBox, fmtDateTime, notice, field, showProblem, problemText, formDialog } from "../core.js";
import { codeLink, byCode, byInstant } from "./work.js";

let root, list = null, q = "", current = null, dialog = null;

// One action on a dossier, at the version the row was read at (a stale row gives the API's 412 message).
export function act(d, body) {
  return api("POST", "/api/v1/dossiers/" + encodeURIComponent(d.code) + "/actions",
             Object.assign({ version: d.version }, body), { "If-Match": '"' + d.version + '"' });
}

function message(res) {
  const p = notice(root, "queue.failed", { detail: problemText(res) }, "error");
  return p;
}

async function accept(d) {
  const res = await act(d, { action: "accept" });
  if (!res.ok) { message(res); return; }
  notice(root, "queue.accepted", { code: d.code });
  await list.reload();
  root.querySelector("h2").focus();
}

function openRefuse(d, button) {
  current = d;
  dialog.openFor(d.code, button);
}

async function refuse(form) {
  const reason = form.querySelector("#queue-reason").value.trim();
  const res = await act(current, reason ? { action: "refuse", reason } : { action: "refuse" });
  if (!res.ok) { showProblem(form, res); return; }
  const code = current.code;
  dialog.close();
  notice(root, "queue.refused", { code });
  await list.reload();
  root.querySelector("h2").focus();
}

function refuseDialog() {
  dialog = formDialog({ id: "queue-refuse", title: "queue.refuse.title", hint: "queue.refuse.hint", submit: "queue.refuse.submit",
                        cancel: "queue.cancel", onSubmit: refuse, fields: [
    field("queue-reason", "queue.reason", { name: "reason", "data-field": "reason", maxlength: 1000, rows: 4,
                                            "aria-required": "true" }, "textarea")] });
  return dialog;
}

export async function render(section) {
  root = section;
  q = "";
  list = listTable({
    id: "queue-table", path: "/api/v1/dossiers", limit: 20, empty: "queue.none",
    params: () => ({ view: "unit", status: "1", q }),
    columns: [
      { key: "code", head: "work.col.code", cell: codeLink, sort: byCode },
      { key: "applicant", head: "work.col.applicant", cell: (d) => [d.applicant.name, el("br"), d.applicant.phone] },
      { key: "procedure", head: "work.col.procedure", cell: (d) => d.procedure.name },
      { key: "received", head: "queue.col.submitted", cell: (d) => fmtDateTime(d.received_at), sort: byInstant("received_at") },
      { key: "actions", head: "queue.col.actions", cell: (d) => el("span", { class: "row-actions" }, [
        el("button", { type: "button", class: "accept", t: "queue.accept", dataset: { code: d.code }, on: { click: () => accept(d) } }),
        " ",
        el("button", { type: "button", class: "refuse", t: "queue.refuse", dataset: { code: d.code },
                       on: { click: (ev) => openRefuse(d, ev.currentTarget) } }),
      ]) },
    ],
  });
  root.append(
    el("h2", { id: "queue-title", t: "queue.title" }),
    el("p", { class: "hint", t: "queue.hint" }),
    searchBox("queue-q", "work.search", (v) => { q = v; list.reload(); }),
    list.root,
    refuseDialog());
  await list.reload();
}

export function onLang() {
  if (list) list.redraw();
  const n = root && root.querySelector(":scope > .notice");
  if (n && n.dataset.t) n.textContent = t(n.dataset.t, n._targs);
}
