// document_new.js — register an outgoing (#/document-new/out) or an incoming (#/document-new/in) document
// (Decree 30/2020/NĐ-CP Articles 15 and 22; docs/documents.md). The number and the symbol of an outgoing document
// are given by the server, never chosen here; the answer shows them. The register is the caller's unit (the first
// clerk, else leader grant, as the API chooses), or the one picked when the caller keeps several.
import { state, t, el, api, field, showProblem, clearProblems, notice, fmtDate, todayVn } from "../core.js";
import { statusBadge } from "./documents.js";

let root, dir = "out", types = [], departments = [];
const $q = (sel) => root.querySelector(sel);

const URGENCY = ["normal", "urgent", "very_urgent", "flash"];
const SECRECY = ["normal", "confidential", "secret", "top_secret"];

// The units where the caller may register: clerk grants first, then leader grants (the API's order).
function registerUnits() {
  const out = [];
  for (const role of ["clerk", "leader"]) {
    for (const r of state.me.roles || []) if (r.role === role && r.unit && !out.some((u) => u.id === r.unit.id)) out.push(r.unit);
  }
  return out;
}

const typeText = (ty) => (state.lang === "en" ? ty.name_en : ty.name_vi) + (ty.abbr ? " (" + ty.abbr + ")" : "");

function typeSelect() {
  const f = field("docnew-type", "doc.f.type", { name: "type", required: true }, "select");
  for (const ty of types) f.control.append(el("option", { value: ty.code, dataset: { type: ty.code }, text: typeText(ty) }));
  if (dir === "in") f.control.value = "cong-van";
  return f;
}

async function loadDepartments(unitId) {
  departments = [];
  if (!unitId) return;
  const res = await api("GET", "/api/v1/units?" + new URLSearchParams({ parent: unitId, kind: "department", limit: "200" }));
  if (res.ok) departments = res.data.items;
}

function fillDepartments() {
  const s = $q("#docnew-department");
  if (!s) return;
  s.replaceChildren(el("option", { value: "", t: "doc.f.department.none" }));
  for (const u of departments) s.append(el("option", { value: u.id, text: u.name + (u.abbr ? " (" + u.abbr + ")" : "") }));
}

function options(values, prefix) { return values.map((v) => [v, prefix + v]); }

function form() {
  const units = registerUnits();
  const fields = [];
  if (units.length > 1) {
    const f = field("docnew-unit", "doc.f.unit", { name: "unit", options: units.map((u) => [u.id, u.name, true]),
      on: { change: async (ev) => { await loadDepartments(ev.target.value); fillDepartments(); } } }, "select");
    fields.push(f);
  }
  fields.push(typeSelect());
  if (dir === "out") {
    fields.push(field("docnew-department", "doc.f.department", { name: "department" }, "select"),
                el("p", { class: "hint", id: "docnew-department-hint", t: "doc.f.department.hint" }),
                field("docnew-recipients", "doc.f.recipients", { name: "recipients", required: true, maxlength: 2000, rows: 2 }, "textarea"));
  } else {
    fields.push(field("docnew-agency", "doc.f.agency", { name: "agency", required: true, maxlength: 500 }),
                field("docnew-symbol", "doc.f.symbol", { name: "symbol", required: true, maxlength: 100 }),
                field("docnew-dated", "doc.f.dated", { name: "dated", type: "date", required: true, max: todayVn() }));
  }
  fields.push(
    field("docnew-summary", "doc.f.summary", { name: "summary", required: true, maxlength: 1000, rows: 3 }, "textarea"),
    field("docnew-signer", "doc.f.signer", { name: "signer", maxlength: 200 }),
    el("div", { class: "row" }, [
      field("docnew-urgency", "doc.f.urgency", { name: "urgency", options: options(URGENCY, "doc.urgency.") }, "select"),
      field("docnew-confidentiality", "doc.f.confidentiality", { name: "confidentiality", options: options(SECRECY, "doc.secrecy.") }, "select"),
      field("docnew-deadline", "doc.f.deadline", { name: "deadline", type: "date", min: todayVn() }),
    ]));
  return el("form", { id: "docnew-form", novalidate: false, on: { submit } }, [
    ...fields,
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("div", { class: "actions" }, [
      el("button", { type: "submit", id: "docnew-submit", class: "primary", t: "doc.new.submit." + dir }),
      el("a", { href: "#/documents/" + dir, id: "docnew-cancel", t: "doc.new.back" }),
    ]),
  ]);
}

function body(f) {
  const v = (n) => { const c = f.elements.namedItem(n); return c ? c.value.trim() : ""; };
  const b = {};
  const names = dir === "out" ? ["unit", "type", "department", "recipients", "summary", "signer", "urgency", "confidentiality", "deadline"]
                              : ["unit", "type", "agency", "symbol", "dated", "summary", "signer", "urgency", "confidentiality", "deadline"];
  for (const n of names) if (v(n)) b[n] = v(n);
  return b;
}

async function submit(ev) {
  ev.preventDefault();
  const f = ev.target;
  clearProblems(f);
  f.querySelector(":scope > .notice")?.remove();
  const btn = $q("#docnew-submit");
  btn.disabled = true;
  const res = await api("POST", "/api/v1/documents/" + (dir === "out" ? "outgoing" : "incoming"), body(f));
  btn.disabled = false;
  if (!res.ok) { showProblem(f, res); return; }
  showResult(res.data);
}

// What the registration gave: the number (and for an outgoing document the symbol), with a link to the document.
function showResult(d) {
  const box = $q("#docnew-result");
  box.replaceChildren(
    el("h3", { id: "docnew-result-title", tabindex: "-1", t: "doc.new.done." + dir }),
    el("dl", { class: "facts" }, [
      el("dt", { t: dir === "in" ? "doc.number.in" : "doc.number.out" }), el("dd", { id: "docnew-number", text: d.number_text }),
      el("dt", { t: "doc.symbol" }), el("dd", { id: "docnew-symbolout", text: d.symbol }),
      el("dt", { t: dir === "in" ? "doc.arrival" : "doc.dated" }), el("dd", { text: fmtDate(dir === "in" ? d.arrival_date : d.dated) }),
      el("dt", { t: "doc.status" }), el("dd", {}, statusBadge(d)),
    ]),
    el("p", { class: "actions" }, [
      el("a", { id: "docnew-open", href: "#/document/" + encodeURIComponent(d.id), t: "doc.new.open" }),
      el("button", { type: "button", id: "docnew-again", t: "doc.new.again", on: { click: again } }),
    ]));
  box.hidden = false;
  $q("#docnew-form").hidden = true;
  $q("#docnew-result-title").focus();
}

function again() {
  const f = $q("#docnew-form");
  f.reset();
  if (dir === "in") f.elements.namedItem("type").value = "cong-van";
  f.hidden = false;
  $q("#docnew-result").hidden = true;
  f.querySelector("select, input, textarea").focus();
}

export async function render(section, args) {
  root = section;
  dir = args[0] === "in" ? "in" : "out";
  const res = await api("GET", "/api/v1/document-types");
  types = res.ok ? res.data.items : [];
  const units = registerUnits();
  if (dir === "out") await loadDepartments(units.length ? units[0].id : "");
  root.append(
    el("h2", { id: "document-new-title", t: "doc.new.title." + dir }),
    el("p", { class: "hint", t: "doc.new.hint." + dir }),
    form(),
    el("section", { id: "docnew-result", "aria-live": "polite", hidden: true }));
  fillDepartments();
  if (!res.ok) notice(root, "error.generic", null, "error");
}

// Type names come from the server in both languages: rename the options after a switch.
export function onLang() {
  root.querySelectorAll("#docnew-type option").forEach((o) => {
    const ty = types.find((x) => x.code === o.value);
    if (ty) o.textContent = typeText(ty);
  });
}
