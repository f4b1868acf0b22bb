// document.js — one registered document (#/document/<id>): its register entry, the handling lines of an incoming
// document (Decree 30/2020/NĐ-CP Article 24; docs/documents.md) and the handling the caller may record:
// a leader assigns it (a lead department or a lead person, co-ordinating departments, a deadline as a date or as
// working days), the lead — or a clerk or leader of the unit — records progress with a note, then that it is done.
// The page offers the forms the document's state allows; the server judges who may use them (403 is shown in the
// form), a stale version is 412 and a wrong state 409: the page says so and shows the document as it is now.
// Attachments: the document's PDF files with their download links and whether their text is searchable yet, and
// (for the unit's clerks and leaders) an upload field (POST /api/v1/documents/{id}/attachments, docs/documents.md).
import { state, t, el, api, field, showProblem, clearProblems, notice, problemText, fmtDate, fmtDateTime, hasRole,
         todayVn, upload } from "../core.js";
import { statusBadge } from "./documents.js";
import { exchangeSection, ackSigning, onLangExchange } from "./document_exchange.js";   // edXML exchange

let root = null, id = "", d = null, loads = 0, units = new Map(), people = new Map(), departments = [];
let xsec = null;   // the exchange section (document_exchange.js)
const $q = (sel) => root.querySelector(sel);

const dd = (key, value, vid) => [el("dt", { t: key }), el("dd", vid ? { id: vid } : {}, value === null || value === undefined || value === "" ? "—" : value)];
const unitName = (uid) => (uid ? (units.get(uid) || uid.slice(-6)) : "");
const personName = (aid) => {
  if (!aid) return "";
  if (state.me && aid === state.me.id) return state.me.full_name || state.me.username;
  return people.get(aid) || aid.slice(-6);
};
const lead = (x) => (x.lead_unit_id ? unitName(x.lead_unit_id) : x.lead_account_id ? personName(x.lead_account_id) : "");

function title() {
  if (!d) return el("h2", { id: "document-title", t: "doc.page.title" });
  return el("h2", { id: "document-title" }, [el("span", { t: "doc.page." + d.direction }), " ", el("span", { id: "document-symbol", text: d.symbol })]);
}

function drawFacts() {
  const incoming = d.direction === "in";
  return el("dl", { class: "facts", id: "document-facts" }, [
    ...dd("doc.status", statusBadge(d), "document-status"),
    ...dd(incoming ? "doc.number.in" : "doc.number.out", d.number_text + " / " + d.year, "document-number"),
    ...dd("doc.symbol", d.symbol),
    ...dd("doc.type", d.type_name),
    ...dd("doc.dated", fmtDate(d.dated)),
    ...(incoming ? dd("doc.arrival", fmtDate(d.arrival_date)) : []),
    ...(incoming ? dd("doc.agency", d.agency, "document-agency") : dd("doc.recipients", d.recipients, "document-recipients")),
    ...(d.department_id ? dd("doc.department", unitName(d.department_id)) : []),
    ...dd("doc.summary", d.summary, "document-summary"),
    ...dd("doc.signer", d.signer),
    ...dd("doc.urgency", el("span", { t: "doc.urgency." + d.urgency })),
    ...dd("doc.confidentiality", el("span", { t: "doc.secrecy." + d.confidentiality })),
    ...dd("doc.deadline", d.deadline ? fmtDate(d.deadline) : null, "document-deadline"),
    ...(incoming ? dd("doc.lead", lead(d), "document-lead") : []),
    ...(incoming && d.dossier_code ? dd("doc.dossier", el("a", { href: "#/dossier/" + encodeURIComponent(d.dossier_code),
                                                                id: "document-dossier-link", text: d.dossier_code }), "document-dossier") : []),
    ...dd("doc.registered", fmtDateTime(new Date(d.created_at).toISOString())),
  ]);
}

function drawHandling() {
  if (!d.handling.length) return el("p", { id: "document-handling", t: "doc.handling.none" });
  const head = ["doc.h.n", "doc.h.action", "doc.h.lead", "doc.h.coordinators", "doc.h.deadline", "doc.h.note", "doc.h.at", "doc.h.actor"];
  const rows = d.handling.map((h) => el("tr", { dataset: { action: h.action } }, [
    el("td", {}, String(h.n)),
    el("td", {}, el("span", { t: "doc.h.action." + h.action })),
    el("td", {}, lead(h) || "—"),
    el("td", {}, h.coordinators.length ? h.coordinators.map(unitName).join(", ") : "—"),
    el("td", {}, h.deadline ? fmtDate(h.deadline) : "—"),
    el("td", {}, h.note || ""),
    el("td", {}, fmtDateTime(new Date(h.at).toISOString())),
    el("td", {}, personName(h.actor) || "—"),
  ]));
  return el("div", { class: "table-scroll" }, el("table", { id: "document-handling" }, [
    el("caption", { class: "sr-only", t: "doc.handling.title" }),
    el("thead", {}, el("tr", {}, head.map((k) => el("th", { scope: "col", t: k })))), el("tbody", {}, rows)]));
}

// ---- attachments ----
function drawAttachments() {
  const list = d.attachments || [];
  const out = [];
  if (!list.length) out.push(el("p", { id: "document-attachments", t: "doc.att.none" }));
  else {
    out.push(el("ul", { id: "document-attachments" }, list.map((a) => el("li", { dataset: { attachment: a.id, text: a.text_state } }, [
      el("a", { href: a.href, download: a.name, class: "attachment-link" }, [el("span", { t: "doc.att.download" }), " ", el("span", { text: a.name })]),
      " (" + Math.max(1, Math.ceil(a.size / 1024)) + " KiB", a.source === "edxml" ? [", ", el("span", { t: "doc.att.source.edxml" })] : "", ") — ",
      el("span", { class: "attachment-text", t: "doc.att.text." + a.text_state, title: a.text_reason || undefined }),
    ].flat()))));
  }
  if (hasRole("clerk", "leader")) {
    out.push(el("form", { id: "doc-attach", class: "admin-panel", on: { submit: doAttach } }, [
      field("doc-attach-file", "doc.att.file", { type: "file", accept: "application/pdf", required: true, "data-field": "file" }),
      el("p", { class: "hint", id: "doc-attach-hint", t: "doc.att.hint" }),
      el("div", { class: "field" }, [
        el("label", { for: "doc-attach-progress", t: "doc.att.progress" }),
        el("progress", { id: "doc-attach-progress", max: 100, value: 0 }),
      ]),
      el("p", { class: "form-error error", role: "alert", hidden: true }),
      el("button", { type: "submit", id: "doc-attach-submit", t: "doc.att.send" }),
    ]));
  }
  return out;
}

async function doAttach(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const input = $q("#doc-attach-file");
  const f = input.files && input.files[0];
  if (!f) { input.focus(); return; }
  const bar = $q("#doc-attach-progress"), btn = $q("#doc-attach-submit");
  bar.value = 0;
  btn.disabled = true;
  const q = new URLSearchParams({ name: f.name.slice(0, 200) || "attachment.pdf" });
  const res = await upload("/api/v1/documents/" + encodeURIComponent(id) + "/attachments?" + q, f,
                           (p) => { bar.value = Math.round(p * 100); });
  btn.disabled = false;
  if (!res.ok) { showProblem(form, res, { name: "file" }); return; }
  await load();
  announce("doc.att.done", "ok", { name: res.data.name });
}

// The assignment form (leaders): exactly one lead (a department or a person), co-ordinators, a deadline.
function assignForm() {
  const deps = departments.map((u) => [u.id, u.name, true]);
  const staff = [...people].map(([aid, name]) => [aid, name, true]);
  const coord = field("doc-coordinators", "doc.f.coordinators", { name: "coordinators", multiple: true, size: Math.min(4, Math.max(2, deps.length)),
                                                                 options: deps }, "select");
  return el("form", { id: "doc-assign", class: "admin-panel", on: { submit: (ev) => submit(ev, "assign") } }, [
    el("h4", { t: d.status === "registered" ? "doc.act.assign" : "doc.act.reassign" }),
    el("p", { class: "hint", t: "doc.help.assign" }),
    el("div", { class: "row" }, [
      field("doc-lead-unit", "doc.f.lead_unit", { name: "lead_unit", options: [["", "doc.f.none"], ...deps] }, "select"),
      staff.length ? field("doc-lead-account", "doc.f.lead_account", { name: "lead_account", options: [["", "doc.f.none"], ...staff] }, "select") : null,
    ].filter(Boolean)),
    coord,
    el("p", { class: "hint", t: "doc.f.coordinators.hint" }),
    el("div", { class: "row" }, [
      field("doc-deadline-days", "doc.f.deadline_days", { name: "deadline_days", type: "number", min: 1, max: 90, step: 1 }),
      field("doc-deadline", "doc.f.deadline", { name: "deadline", type: "date", min: todayVn() }),
    ]),
    el("p", { class: "hint", t: "doc.f.deadline.hint" }),
    field("doc-assign-note", "doc.f.note", { name: "note", maxlength: 1000, rows: 2 }, "textarea"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "doc-assign-submit", class: "primary", t: "doc.act.assign.submit" }),
  ]);
}

function progressForm() {
  return el("form", { id: "doc-progress", class: "admin-panel", on: { submit: (ev) => submit(ev, ev.submitter && ev.submitter.value === "done" ? "done" : "progress") } }, [
    el("h4", { t: "doc.act.progress" }),
    el("p", { class: "hint", t: "doc.help.progress" }),
    field("doc-note", "doc.f.progress_note", { name: "note", maxlength: 1000, rows: 3 }, "textarea"),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("div", { class: "actions" }, [
      el("button", { type: "submit", id: "doc-progress-submit", name: "what", value: "progress", class: "primary", t: "doc.act.progress.submit" }),
      el("button", { type: "submit", id: "doc-done-submit", name: "what", value: "done", t: "doc.act.done.submit" }),
    ]),
  ]);
}

// A document starts a dossier (POST /api/v1/documents/{id}/dossier): a button that opens a small form — the
// procedure's code and the applicant, prefilled from the issuing agency as an organisation. The papers the
// procedure requires are taken as received with the document.
function dossierStarter() {
  if (d.direction !== "in" || d.dossier_code || !hasRole("clerk", "desk", "leader")) return null;
  const form = el("form", { id: "doc-dossier-form", class: "admin-panel", hidden: true, on: { submit: startDossier } }, [
    el("h4", { t: "doc.dossier.title" }),
    el("p", { class: "hint", t: "doc.dossier.help" }),
    field("doc-dossier-procedure", "doc.dossier.procedure", { name: "procedure", required: true, maxlength: 40, autocomplete: "off" }),
    el("div", { class: "row" }, [
      field("doc-dossier-kind", "doc.dossier.kind", { name: "applicant.kind", options: [["organisation", "doc.dossier.kind.organisation"], ["person", "doc.dossier.kind.person"]] }, "select"),
      field("doc-dossier-name", "doc.dossier.name", { name: "applicant.name", required: true, maxlength: 200, value: d.agency || "" }),
    ]),
    el("div", { class: "row" }, [
      field("doc-dossier-idnum", "doc.dossier.id_number", { name: "applicant.id_number", required: true, maxlength: 14 }),
      field("doc-dossier-phone", "doc.dossier.phone", { name: "applicant.phone", required: true, maxlength: 20, type: "tel" }),
    ]),
    field("doc-dossier-address", "doc.dossier.address", { name: "applicant.address", required: true, maxlength: 300 }),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("div", { class: "actions" }, [
      el("button", { type: "submit", id: "doc-dossier-submit", class: "primary", t: "doc.dossier.submit" }),
      el("button", { type: "button", id: "doc-dossier-cancel", t: "doc.dossier.cancel", on: { click: () => toggleStarter(false) } }),
    ]),
  ]);
  const btn = el("button", { type: "button", id: "doc-start-dossier", "aria-expanded": "false", "aria-controls": "doc-dossier-form",
                             t: "doc.dossier.start", on: { click: () => toggleStarter(form.hidden) } });
  return el("div", { id: "doc-dossier" }, [btn, form]);
}

function toggleStarter(open) {
  const form = $q("#doc-dossier-form"), btn = $q("#doc-start-dossier");
  if (!form || !btn) return;
  form.hidden = !open;
  btn.setAttribute("aria-expanded", String(open));
  if (open) $q("#doc-dossier-procedure").focus();
  else btn.focus();
}

async function startDossier(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const v = (n) => form.elements.namedItem(n).value.trim();
  const code = v("procedure");
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const proc = code ? await api("GET", "/api/v1/procedures/" + encodeURIComponent(code) + "?" + new URLSearchParams({ unit: d.unit_id })) : null;
  const papers = proc && proc.ok ? (proc.data.papers || []).filter((p) => p.mandatory).map((p) => ({ paper: p.id })) : [];
  const res = await api("POST", "/api/v1/documents/" + encodeURIComponent(id) + "/dossier", {
    procedure: code,
    applicant: { kind: v("applicant.kind"), name: v("applicant.name"), id_number: v("applicant.id_number"),
                 phone: v("applicant.phone"), address: v("applicant.address") },
    papers,
  });
  form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  if (res.ok) {
    await load();
    announce("doc.dossier.started", "ok", { code: res.data.code });
  } else if (res.status === 409) {
    await load();
    announce("doc.conflict", "error", { detail: problemText(res) });
  } else {
    showProblem(form, res, { "applicant.name": "applicant.name", "applicant.id_number": "applicant.id_number",
                             "applicant.phone": "applicant.phone", "applicant.address": "applicant.address",
                             "applicant.kind": "applicant.kind" });
  }
}

function drawActions() {
  const starter = dossierStarter();
  if (starter) return [...drawHandlingActions(), starter];
  return drawHandlingActions();
}

function drawHandlingActions() {
  if (d.direction !== "in") return [el("p", { id: "document-actions", t: "doc.actions.out" })];
  if (d.status === "done") return [el("p", { id: "document-actions", t: "doc.actions.done" })];
  const out = [];
  if (hasRole("leader")) out.push(assignForm());
  if (d.status === "assigned" || d.status === "in_progress") out.push(progressForm());
  if (!out.length) out.push(el("p", { id: "document-actions", t: "doc.actions.wait" }));
  return out;
}

function draw() {
  root.replaceChildren(
    title(),
    el("p", {}, el("a", { href: "#/documents/" + d.direction, id: "document-back", t: "doc.page.back." + d.direction })),
    drawFacts(),
    el("h3", { id: "document-h-attachments", t: "doc.att.title" }), ...drawAttachments(),   // attachments
    el("h3", { id: "document-h-handling", t: "doc.handling.title" }), drawHandling(),
    el("h3", { id: "document-h-actions", t: "doc.actions.title" }), ...drawActions());
  if (xsec) root.append(xsec);
}

function body(form, action) {
  const b = Object.assign({ action, version: d.version }, ackSigning());
  const v = (n) => { const c = form.elements.namedItem(n); return c ? c.value.trim() : ""; };
  if (v("note")) b.note = v("note");
  if (action === "assign") {
    if (v("lead_unit")) b.lead_unit = v("lead_unit");
    if (v("lead_account")) b.lead_account = v("lead_account");
    const co = form.elements.namedItem("coordinators");
    const picked = co ? [...co.selectedOptions].map((o) => o.value) : [];
    if (picked.length) b.coordinators = picked;
    if (v("deadline")) b.deadline = v("deadline");
    if (v("deadline_days")) b.deadline_days = Number(v("deadline_days"));
  }
  return b;
}

async function submit(ev, action) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const res = await api("POST", "/api/v1/documents/" + encodeURIComponent(id) + "/handling", body(form, action));
  form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  if (res.ok) {
    d = res.data;
    draw();
    root.dataset.loads = String(++loads);
    announce("doc.act.done." + action, "ok");
  } else if (res.status === 409 || res.status === 412) {
    await load();
    announce("doc.conflict", "error", { detail: problemText(res) });
  } else {
    showProblem(form, res, { deadline_days: "deadline_days" });
  }
}

function announce(key, kind, args) {
  if (!d) return;
  const p = notice(root, key, args, kind);
  root.insertBefore(p, $q("#document-title").nextSibling);
  p.tabIndex = -1;
  p.focus();
}

// Names for the ids the document holds: the receiving unit's departments, and (for leaders, who may list staff)
// the unit's staff; other callers see a short id for a person other than themselves.
async function loadNames() {
  if (units.has(d.unit_id) && departments.length) return;
  const u = await api("GET", "/api/v1/units/" + encodeURIComponent(d.unit_id));
  if (u.ok) units.set(u.data.id, u.data.name);
  const res = await api("GET", "/api/v1/units?" + new URLSearchParams({ parent: d.unit_id, kind: "department", limit: "200" }));
  departments = res.ok ? res.data.items : [];
  for (const x of departments) units.set(x.id, x.name);
  if (hasRole("leader", "admin")) {
    const s = await api("GET", "/api/v1/staff?" + new URLSearchParams({ under: d.unit_id, limit: "200" }));
    if (s.ok) for (const a of s.data.items) if (!a.disabled) people.set(a.id, a.full_name || a.username);
  }
}

async function load() {
  const res = await api("GET", "/api/v1/documents/" + encodeURIComponent(id));
  if (!res.ok) {
    d = null;
    root.replaceChildren(title(), el("p", { id: "document-error", class: "error", role: "alert",
                                            text: res.status === 404 ? t("doc.notfound") : problemText(res) }));
    if (res.status === 404) $q("#document-error").dataset.t = "doc.notfound";
  } else {
    d = res.data;
    await loadNames();
    xsec = await exchangeSection(d, null);
    draw();
  }
  root.dataset.loads = String(++loads);
}

export async function render(section, args) {
  root = section;
  id = (args[0] || "").slice(0, 64);
  d = null; loads = 0; units = new Map(); people = new Map(); departments = []; xsec = null;
  await load();
}

export async function onLang() { if (d) { onLangExchange(); draw(); } }
