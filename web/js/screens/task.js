// task.js — one task (#/task/<id>, docs/tasks.md): who gave it, who leads and co-ordinates, the work, the deadline
// (overdue: escalated), the expected result and how it is judged, a progress bar, the log and the evidence files; the
// forms of the actions the API says the caller may take now ("actions"): accept / ask for clarification, answer,
// report progress (a percentage not below the last), add evidence, request an extension, decide it, report done,
// judge the result. A stale version (412) or a wrong state (409) reloads the task and says so.
import { t, el, api, field, showProblem, clearProblems, notice, problemText, fmtDate, fmtDateTime, upload } from "../core.js";
import { stateBadge, progressBar } from "./tasks.js";

let root = null, id = "", x = null, loads = 0;
const $q = (sel) => root.querySelector(sel);
const dd = (key, value, vid) => [el("dt", { t: key }), el("dd", vid ? { id: vid } : {}, value === null || value === undefined || value === "" ? "—" : value)];

function facts() {
  return el("dl", { class: "facts", id: "task-facts" }, [
    ...dd("task.col.state", stateBadge(x), "task-state-value"),
    ...dd("task.f.content", x.content),
    ...dd("task.f.source_kind", [el("span", { t: "task.source." + x.source.kind }), x.source.ref ? ": " + x.source.ref : ""]),
    ...dd("task.assigner", x.assigner.name),
    ...dd("task.f.lead", x.lead.name, "task-lead"),
    ...dd("task.f.coordinators", x.coordinators.map((c) => c.name).join(", ")),
    ...dd("task.f.deadline", [fmtDate(x.deadline), x.escalated ? [" ", el("span", { class: "badge due-overdue", id: "task-escalated", t: "task.escalated" })] : "",
                              x.pending_deadline ? [" ", el("span", { t: "task.pending", targs: { date: fmtDate(x.pending_deadline) } })] : ""].flat(), "task-deadline"),
    ...dd("task.f.expected", x.expected_result),
    ...dd("task.f.criteria", x.criteria),
    ...dd("task.percent", [progressBar(x, "task-progress"), " ", el("span", { id: "task-percent", text: x.percent + "%" })]),
    ...dd("task.result", x.result, "task-result"),
  ]);
}

function logTable() {
  if (!x.log.length) return el("p", { t: "task.log.none" });
  return el("div", { class: "table-scroll" }, el("table", { id: "task-log" }, [
    el("caption", { class: "sr-only", t: "task.log" }),
    el("thead", {}, el("tr", {}, ["task.log.n", "task.log.action", "task.percent", "task.log.note", "task.log.at"].map((k) => el("th", { scope: "col", t: k })))),
    el("tbody", {}, x.log.map((l) => el("tr", { dataset: { action: l.action } }, [
      el("td", {}, String(l.n)), el("td", {}, el("span", { t: "task.log.a." + l.action })),
      el("td", {}, l.percent === undefined ? "—" : l.percent + "%"),
      el("td", {}, [l.note || "", l.deadline ? " (" + fmtDate(l.deadline) + ")" : ""].join("")),
      el("td", {}, fmtDateTime(new Date(l.at).toISOString())),
    ]))),
  ]));
}

function files() {
  if (!x.files.length) return el("p", { id: "task-files", t: "task.files.none" });
  return el("ul", { id: "task-files" }, x.files.map((f) => el("li", {}, el("a", {
    href: "/api/v1/tasks/" + encodeURIComponent(x.id) + "/evidence/" + f.n, download: f.name, text: f.name }))));
}

const has = (a) => x.actions.includes(a);

function actionForms() {
  const out = [];
  const form = (fid, title, children, action) => el("form", { id: fid, class: "admin-panel", on: { submit: (ev) => submit(ev, action) } }, [
    el("h4", { t: title }), ...children, el("p", { class: "form-error error", role: "alert", hidden: true })]);
  const note = (fid, label, required) => field(fid, label, { name: "note", maxlength: 4000, rows: 2, required: !!required }, "textarea");
  const btn = (bid, key, value) => el("button", { type: "submit", id: bid, name: "what", value: value || "", t: key });
  if (has("accept") || has("ask")) {
    out.push(form("task-f-accept", "task.a.accept.title", [note("task-accept-note", "task.f.question"),
      el("div", { class: "actions" }, [has("accept") ? btn("task-accept", "task.a.accept", "accept") : null, has("ask") ? btn("task-ask", "task.a.ask", "ask") : null].filter(Boolean))], "pick"));
  }
  if (has("answer")) out.push(form("task-f-answer", "task.a.answer.title", [note("task-answer-note", "task.f.answer", true), btn("task-answer", "task.a.answer", "answer")], "answer"));
  if (has("progress")) {
    out.push(form("task-f-progress", "task.a.progress.title", [
      field("task-percent-in", "task.percent", { name: "percent", type: "number", min: x.percent, max: 100, step: 1, value: x.percent, required: true }),
      note("task-progress-note", "task.log.note", true), btn("task-progress-submit", "task.a.progress", "progress")], "progress"));
  }
  if (has("evidence")) {
    out.push(el("form", { id: "task-f-evidence", class: "admin-panel", on: { submit: addEvidence } }, [
      el("h4", { t: "task.a.evidence.title" }),
      field("task-file", "task.f.file", { type: "file", accept: "application/pdf,image/jpeg,image/png", required: true, "data-field": "file" }),
      el("p", { class: "form-error error", role: "alert", hidden: true }),
      el("button", { type: "submit", id: "task-evidence-submit", t: "task.a.evidence" })]));
  }
  if (has("extend")) {
    out.push(form("task-f-extend", "task.a.extend.title", [
      field("task-ext-date", "task.f.new_deadline", { name: "deadline", type: "date", required: true, min: x.deadline }),
      note("task-ext-note", "task.f.reason", true), btn("task-extend", "task.a.extend", "extend")], "extend"));
  }
  if (has("decide")) {
    out.push(form("task-f-decide", "task.a.decide.title", [el("p", { t: "task.pending", targs: { date: fmtDate(x.pending_deadline) } }),
      note("task-decide-note", "task.f.reason"), el("div", { class: "actions" }, [btn("task-approve", "task.a.approve", "yes"), btn("task-refuse", "task.a.refuse", "no")])], "decide"));
  }
  if (has("done")) out.push(form("task-f-done", "task.a.done.title", [note("task-done-note", "task.result", true), btn("task-done", "task.a.done", "done")], "done"));
  if (has("judge")) {
    out.push(form("task-f-judge", "task.a.judge.title", [note("task-judge-note", "task.f.reason"),
      el("div", { class: "actions" }, [btn("task-judge-accept", "task.a.judge.accept", "yes"), btn("task-judge-return", "task.a.judge.return", "no")])], "judge"));
  }
  if (!out.length) out.push(el("p", { id: "task-no-actions", t: "task.actions.none" }));
  return out;
}

function draw() {
  root.replaceChildren(
    el("h2", { id: "task-title", text: x.title }),
    el("p", {}, el("a", { href: "#/tasks", id: "task-back", t: "task.back" })),
    facts(),
    el("h3", { t: "task.files" }), files(),
    el("h3", { t: "task.log" }), logTable(),
    el("h3", { t: "task.actions" }), ...actionForms());
}

async function submit(ev, action) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const what = ev.submitter ? ev.submitter.value : "";
  if (action === "pick") action = what === "ask" ? "ask" : "accept";
  const body = { action };
  const v = (n) => { const c = form.elements.namedItem(n); return c ? c.value.trim() : ""; };
  if (v("note")) body.note = v("note");
  if (action === "progress") body.percent = Number(v("percent"));
  if (action === "extend") body.deadline = v("deadline");
  if (action === "decide" || action === "judge") body.approve = what === "yes";
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const res = await api("POST", "/api/v1/tasks/" + encodeURIComponent(id) + "/actions", body, { "If-Match": '"' + x.version + '"' });
  form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  if (res.ok) {
    x = res.data;
    draw();
    root.dataset.loads = String(++loads);
    announce("task.done." + action, "ok");
  } else if (res.status === 409 || res.status === 412) {
    await load();
    announce("task.conflict", "error", { detail: problemText(res) });
  } else showProblem(form, res);
}

async function addEvidence(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const input = $q("#task-file");
  const f = input.files && input.files[0];
  if (!f) { input.focus(); return; }
  const res = await upload("/api/v1/tasks/" + encodeURIComponent(id) + "/evidence?" + new URLSearchParams({ name: f.name.slice(0, 200) || "evidence" }), f, () => {});
  if (!res.ok) { showProblem(form, res, { name: "file" }); return; }
  await load();
  announce("task.done.evidence", "ok");
}

function announce(key, kind, args) {
  if (!x) return;
  const p = notice(root, key, args, kind);
  root.insertBefore(p, $q("#task-title").nextSibling);
  p.tabIndex = -1;
  p.focus();
}

async function load() {
  const res = await api("GET", "/api/v1/tasks/" + encodeURIComponent(id));
  if (!res.ok) {
    x = null;
    root.replaceChildren(el("h2", { id: "task-title", t: "task.title" }),
                         el("p", { id: "task-error", class: "error", role: "alert", text: res.status === 404 ? t("task.notfound") : problemText(res) }));
  } else {
    x = res.data;
    draw();
  }
  root.dataset.loads = String(++loads);
}

export async function render(section, args) {
  root = section;
  id = (args[0] || "").slice(0, 64);
  x = null; loads = 0;
  await load();
}

export function onLang() { if (x) draw(); }
