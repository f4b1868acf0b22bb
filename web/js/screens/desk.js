// desk.js — the desk officer's intake (Tiếp nhận hồ sơ): find the procedure, enter the applicant (and the
// representative), tick the papers received, receive the dossier, then print the receipt (form 01) or, when a
// mandatory paper is missing, give the supplement guidance instead.
//
// The server is the judge of every value: the form only carries the HTML constraints that mirror the API
// (required, maxlength) and shows the API's problem+json message next to the field it names ("applicant.phone"
// is the name of the phone input). A dossier missing a mandatory paper is not received (422
// MSG_DOSSIER_PAPERS_MISSING, docs/one-stop.md): nothing is recorded and the desk guides the applicant on what to
// bring; form 02 belongs to a dossier already received, so the guidance here is a slip printed from the page.
// One intake keeps one Idempotency-Key from its first attempt until it is received, so a double click, a retry
// after a lost answer or a second Enter can never make two dossiers.
import { state, t, el, api, field, showProblem, clearProblems, problemText, fmtDateTime } from "../core.js";

let root = null;
let proc = null;           // the chosen procedure (GET /api/v1/procedures/{code}?unit=)
let options = [];          // the procedure search's answers shown in the listbox
let active = -1;           // the option under the arrow keys
let searchSeq = 0, searchTimer = 0, searchLoads = 0;
let idemKey = null;        // this intake's Idempotency-Key
let busy = false;
let lastProblem = null;    // {res, slot}: redrawn in the other language after a switch
let guideRes = null, received = null;

const $q = (sel) => root.querySelector(sel);

// The unit whose desk receives: the desk role's unit (the API defaults to it too); its province's adaptation of
// a procedure is what this desk applies.
function deskUnitOf() {
  const r = (state.me.roles || []).find((x) => x.role === "desk" && x.unit);
  return r ? r.unit : state.me.unit || null;
}
const deskUnit = () => (deskUnitOf() ? deskUnitOf().id : "");

// 16 random bytes as hex: crypto.getRandomValues works outside secure contexts too (a commune LAN over HTTP).
function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return "desk-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// ---- procedure search: an ARIA 1.2 combobox with a listbox (arrows, Enter, Escape) ----

function closeList() {
  const input = $q("#desk-proc"), list = $q("#desk-proc-list");
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function drawOptions() {
  const input = $q("#desk-proc"), list = $q("#desk-proc-list");
  list.replaceChildren(...options.map((p, i) => el("li", {
    id: "desk-opt-" + i, role: "option", "aria-selected": i === active ? "true" : "false", class: "desk-option",
    dataset: { code: p.code },
    on: { mousedown: (ev) => ev.preventDefault(), click: () => choose(options[i]) },
  }, [el("span", { class: "desk-opt-code", text: p.code }), " ", p.name])));
  list.hidden = options.length === 0;
  input.setAttribute("aria-expanded", options.length ? "true" : "false");
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", "desk-opt-" + active);
    const o = list.children[active];
    if (o && o.scrollIntoView) o.scrollIntoView({ block: "nearest" });
  } else input.removeAttribute("aria-activedescendant");
}

async function search(q) {
  const seq = ++searchSeq;
  const count = $q("#desk-proc-count");
  if (!q) { options = []; closeList(); count.hidden = true; return; }
  const res = await api("GET", "/api/v1/procedures?" + new URLSearchParams({ q, limit: "10" }));
  if (seq !== searchSeq || !root) return;           // a newer search is on its way
  options = res.ok ? res.data.items : [];
  active = -1;
  drawOptions();
  count.hidden = false;
  if (res.ok) {
    count.dataset.t = options.length ? "desk.proc_found" : "desk.proc_none";
    count._targs = { n: res.data.total, shown: options.length };
    count.textContent = t(count.dataset.t, count._targs);
    count.className = "desk-count";
  } else {
    delete count.dataset.t;
    count.textContent = problemText(res);
    count.className = "desk-count error";
  }
  $q("#desk-proc-list").dataset.loads = String(++searchLoads);
}

function onProcInput() {
  if (proc) unchoose();
  clearTimeout(searchTimer);
  const q = $q("#desk-proc").value.trim();
  searchTimer = setTimeout(() => search(q), 120);
}

function onProcKey(ev) {
  const open = !$q("#desk-proc-list").hidden;
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    if (!options.length) return;
    ev.preventDefault();
    const n = options.length;
    active = ev.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1);
    drawOptions();
  } else if (ev.key === "Enter") {
    if (!open) return;                               // Enter on a chosen procedure submits the form as usual
    ev.preventDefault();
    choose(options[active >= 0 ? active : 0]);
  } else if (ev.key === "Escape") {
    if (open) { ev.preventDefault(); closeList(); }
  } else if (ev.key === "Tab") closeList();
}

function unchoose() {
  proc = null;
  $q("#desk-proc-card").hidden = true;
  $q("#desk-papers-box").hidden = true;
  $q("#desk-papers tbody").replaceChildren();
}

async function choose(p) {
  if (!p) return;
  closeList();
  const input = $q("#desk-proc");
  input.value = p.code + " — " + p.name;
  clearProblems($q("#desk-form"));
  const res = await api("GET", "/api/v1/procedures/" + encodeURIComponent(p.code) + "?" +
                        new URLSearchParams({ unit: deskUnit() }));
  if (!root) return;
  proc = res.ok ? res.data : p;                      // the province's adaptation when it has one
  drawCard();
  drawPapers();
  input.focus();
}

// ---- what the chosen procedure asks: time rule, fee, papers ----

const vnd = new Intl.NumberFormat("vi-VN");
const ONLINE = { none: "desk.online_none", partial: "desk.online_partial", full: "desk.online_full" };

function ruleText(time) {
  if (time.rule === "same_day") return t("desk.rule_same_day");
  return t(time.rule === "hours" ? "desk.rule_hours" : "desk.rule_days", { n: time.amount });
}

function feeText(fee) {
  const parts = [];
  if (fee.amount === 0) parts.push(t("desk.fee_free"));
  else if (typeof fee.amount === "number") parts.push(t("desk.fee_amount", { n: vnd.format(fee.amount) }));
  if (fee.text) parts.push(fee.text);
  return parts.length ? parts.join(" — ") : t("desk.fee_unset");
}

function drawCard() {
  const card = $q("#desk-proc-card");
  if (!proc) { card.hidden = true; return; }
  const fact = (key, value, id) => [el("dt", { t: key }), el("dd", { id }, value)];
  card.replaceChildren(el("dl", { class: "facts" }, [
    ...fact("desk.proc_code", proc.code, "desk-card-code"),
    ...fact("desk.proc_name", proc.name, "desk-card-name"),
    ...fact("desk.proc_field", proc.field || "—", "desk-card-field"),
    ...fact("desk.proc_time", [el("strong", { text: ruleText(proc.time) }),
                               proc.time.text ? el("span", { class: "desk-source", text: " (" + proc.time.text + ")" }) : null],
            "desk-card-time"),
    ...fact("desk.proc_fee", feeText(proc.fee), "desk-card-fee"),
    ...fact("desk.proc_online", el("span", { t: ONLINE[proc.online_level] || ONLINE.none }), "desk-card-online"),
  ]));
  card.hidden = false;
}

// One row per paper of the procedure: received (checkbox labelled by the paper's name), copies, form.
function drawPapers() {
  const tbody = $q("#desk-papers tbody");
  tbody.replaceChildren();
  (proc.papers || []).forEach((p, i) => {
    const id = "desk-p-" + i;
    const nameId = id + "-name";
    const tick = el("input", { type: "checkbox", id, name: "paper", value: p.id, dataset: { paper: p.id } });
    const copies = el("input", { type: "number", id: id + "-copies", min: 1, max: 99, required: true, value: String(p.copies || 1),
                                 class: "desk-copies", "aria-labelledby": "desk-papers-copies " + nameId });
    const form = el("select", { id: id + "-form", "aria-labelledby": "desk-papers-form " + nameId }, [
      el("option", { value: "original", t: "desk.form_original", selected: p.form !== "copy" }),
      el("option", { value: "copy", t: "desk.form_copy", selected: p.form === "copy" }),
      el("option", { value: "electronic", t: "desk.form_electronic" }),
    ]);
    tbody.append(el("tr", { dataset: { paper: p.id } }, [
      el("td", {}, tick),
      el("td", {}, [el("label", { for: id, id: nameId, text: p.name }),
                    p.mandatory ? el("span", { class: "desk-mandatory", t: "desk.mandatory" }) : null]),
      el("td", {}, copies),
      el("td", {}, form),
    ]));
  });
  $q("#desk-papers-box").hidden = false;
}

// ---- the intake ----

const val = (id) => $q("#" + id).value.trim();

function party(prefix, applicant) {
  const p = { name: val(prefix + "-name"), id_number: val(prefix + "-id"), phone: val(prefix + "-phone") };
  if (applicant) p.kind = $q("#" + prefix + "-kind").value;
  // Optional members are left out when empty: the API takes a missing address or e-mail, not a null one.
  const address = val(prefix + "-address"), email = val(prefix + "-email");
  if (address || applicant) p.address = address;
  if (email) p.email = email;
  return p;
}

function body() {
  const b = {
    procedure: proc.code,
    channel: (root.querySelector('input[name="channel"]:checked') || { value: "desk" }).value,
    applicant: party("desk-a", true),
    papers: [],
  };
  if ($q("#desk-has-rep").checked) b.representative = party("desk-r", false);
  $q("#desk-papers tbody").querySelectorAll("tr").forEach((tr, i) => {
    if (!$q("#desk-p-" + i).checked) return;
    b.papers.push({ paper: tr.dataset.paper, copies: Number($q("#desk-p-" + i + "-copies").value),
                    form: $q("#desk-p-" + i + "-form").value });
  });
  const content = val("desk-content");
  if (content) b.content = content;
  return b;
}

async function receive(ev) {
  ev.preventDefault();
  if (busy) return;                                  // one request at a time; the key covers the rest
  const form = $q("#desk-form");
  clearProblems(form);
  delete $q("#desk-proc-err").dataset.t;
  lastProblem = null;
  hideGuide();
  if (!proc) {
    const slot = $q("#desk-proc-err");
    slot.dataset.t = "desk.proc_required";
    slot.textContent = t("desk.proc_required");
    slot.hidden = false;
    $q("#desk-proc").setAttribute("aria-invalid", "true");
    $q("#desk-proc").focus();
    return;
  }
  if (!idemKey) idemKey = newKey();
  busy = true;
  const submit = $q("#desk-submit");
  submit.setAttribute("aria-disabled", "true");
  form.setAttribute("aria-busy", "true");
  const res = await api("POST", "/api/v1/dossiers", body(), { "Idempotency-Key": idemKey });
  busy = false;
  submit.removeAttribute("aria-disabled");
  form.removeAttribute("aria-busy");
  if (!root) return;
  if (res.ok) { showResult(res.data); return; }
  if (res.status === 422 && res.data && res.data.code === "MSG_DOSSIER_PAPERS_MISSING") { showGuide(res); return; }
  lastProblem = { res, slot: showProblem(form, res) };
}

function showResult(d) {
  received = d;
  const receipt = "/api/v1/dossiers/" + encodeURIComponent(d.code) + "/forms/receipt.pdf";
  $q("#desk-form").hidden = true;
  const box = $q("#desk-result");
  box.replaceChildren(
    el("h3", { id: "desk-result-title", t: "desk.received" }),
    el("dl", { class: "facts" }, [
      el("dt", { t: "desk.code" }), el("dd", {}, el("strong", { id: "desk-code", class: "desk-code", text: d.code })),
      el("dt", { t: "desk.due" }), el("dd", { id: "desk-due", dataset: { due: d.due_at || "" } }, fmtDateTime(d.due_at)),
      el("dt", { t: "desk.received_at" }), el("dd", { id: "desk-received-at" }, fmtDateTime(d.received_at)),
      el("dt", { t: "desk.applicant" }), el("dd", {}, d.applicant ? d.applicant.name : "—"),
      el("dt", { t: "desk.proc_name" }), el("dd", {}, d.procedure ? d.procedure.code + " — " + d.procedure.name : "—"),
    ]),
    el("p", { class: "actions" }, [
      el("a", { id: "desk-receipt", href: receipt, target: "_blank", rel: "noopener", t: "desk.receipt" }),
      el("a", { id: "desk-dossier", href: "#/dossier/" + encodeURIComponent(d.code), t: "desk.open_dossier" }),
      el("button", { type: "button", id: "desk-new", t: "desk.new", on: { click: restart } }),
    ]),
    el("p", { class: "desk-hint", t: "desk.receipt_hint" }));
  box.hidden = false;
  box.querySelector("h3").tabIndex = -1;
  box.querySelector("h3").focus();
  // The receipt opens at once for printing; the link stays for a blocked pop-up or a second copy.
  window.open(receipt, "_blank", "noopener");
}

function showGuide(res) {
  guideRes = res;
  const box = $q("#desk-guide");
  const ticked = new Set(body().papers.map((p) => p.paper));
  const missing = (proc.papers || []).filter((p) => p.mandatory && !ticked.has(p.id));
  const a = party("desk-a", true);
  box.replaceChildren(
    el("h3", { id: "desk-guide-title", t: "desk.guide_title" }),
    el("p", { id: "desk-guide-message", class: "error", text: problemText(res) }),
    el("dl", { class: "facts" }, [
      el("dt", { t: "desk.guide_unit" }), el("dd", {}, deskUnitOf() ? deskUnitOf().name : "—"),
      el("dt", { t: "desk.guide_at" }), el("dd", { id: "desk-guide-at" }, fmtDateTime(new Date().toISOString())),
      el("dt", { t: "desk.proc_name" }), el("dd", {}, proc.code + " — " + proc.name),
      el("dt", { t: "desk.applicant" }), el("dd", {}, a.name || "—"),
    ]),
    el("p", { t: "desk.guide_missing" }),
    el("ol", { id: "desk-guide-papers" }, missing.map((p) => el("li", { dataset: { paper: p.id }, text: p.name }))),
    el("p", { t: "desk.guide_next" }),
    el("p", { class: "actions" }, [
      el("button", { type: "button", id: "desk-guide-print", t: "desk.guide_print", on: { click: () => window.print() } }),
      el("button", { type: "button", id: "desk-guide-back", t: "desk.guide_back", on: { click: () => {
        const first = missing.length ? $q(`#desk-papers input[data-paper="${CSS.escape(missing[0].id)}"]`) : null;
        (first || $q("#desk-papers-box")).focus();
      } } }),
    ]));
  box.hidden = false;
  box.querySelector("h3").tabIndex = -1;
  box.querySelector("h3").focus();
}

function hideGuide() {
  guideRes = null;
  const box = $q("#desk-guide");
  box.hidden = true;
  box.replaceChildren();
}

// A new intake: empty form, a new key, the focus back on the procedure search.
function restart() {
  const form = $q("#desk-form");
  form.reset();
  clearProblems(form);
  unchoose();
  options = [];
  closeList();
  $q("#desk-proc-count").hidden = true;
  showRep();
  setKind();
  idemKey = null;
  received = null;
  lastProblem = null;
  hideGuide();
  $q("#desk-result").hidden = true;
  form.hidden = false;
  $q("#desk-proc").focus();
}

// The representative's fields count only when ticked: hidden, they are disabled, so that their HTML constraints
// (required) do not hold the form back and nothing of them is sent.
function showRep() {
  const on = $q("#desk-has-rep").checked;
  $q("#desk-rep").hidden = !on;
  $q("#desk-rep").querySelectorAll("input").forEach((i) => { i.disabled = !on; });
}

// A person gives a citizen identity number, an organisation its tax code.
function setKind() {
  const org = $q("#desk-a-kind").value === "organisation";
  const set = (id, key) => { const l = root.querySelector(`label[for="${id}"]`); l.dataset.t = key; l.textContent = t(key); };
  set("desk-a-name", org ? "desk.org_name" : "desk.name");
  set("desk-a-id", org ? "desk.tax_code" : "desk.id_number");
}

function partyFields(prefix, applicant) {
  const n = applicant ? "applicant." : "representative.";
  return [
    applicant ? field(prefix + "-kind", "desk.kind", { name: n + "kind", on: { change: setKind },
      options: [["person", "desk.kind_person"], ["organisation", "desk.kind_org"]] }, "select") : null,
    field(prefix + "-name", "desk.name", { name: n + "name", required: true, minlength: 2, maxlength: 200, autocomplete: "off" }),
    field(prefix + "-id", "desk.id_number", { name: n + "id_number", required: true, inputmode: "numeric", autocomplete: "off" }),
    field(prefix + "-phone", "desk.phone", { name: n + "phone", type: "tel", required: true, autocomplete: "off" }),
    field(prefix + "-address", "desk.address", { name: n + "address", required: applicant, minlength: applicant ? 2 : undefined, maxlength: 300, autocomplete: "off" }),
    field(prefix + "-email", "desk.email", { name: n + "email", inputmode: "email", autocomplete: "off" }),
  ];
}

export async function render(section) {
  root = section;
  proc = null; options = []; active = -1; idemKey = null; busy = false; lastProblem = null; guideRes = null; received = null;
  const procField = field("desk-proc", "desk.proc", {
    name: "procedure", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": "desk-proc-list", autocomplete: "off", maxlength: 100, required: true, tp: "desk.proc_placeholder",
    on: { input: onProcInput, keydown: onProcKey, blur: () => setTimeout(() => { if (root && document.activeElement !== $q("#desk-proc")) closeList(); }, 150) },
  });
  procField.classList.add("desk-combo");
  procField.insertBefore(el("p", { class: "desk-hint", id: "desk-proc-hint", t: "desk.proc_hint" }), procField.control);
  procField.insertBefore(el("ul", { id: "desk-proc-list", role: "listbox", ta: "desk.proc_list", hidden: true }),
                         procField.lastChild);
  procField.insertBefore(el("p", { id: "desk-proc-count", class: "desk-count", role: "status", hidden: true }), procField.lastChild);

  const th = (key, id) => el("th", { scope: "col", id, t: key });
  root.append(
    el("h2", { id: "desk-title", t: "desk.title" }),
    el("form", { id: "desk-form", on: { submit: receive } }, [
      el("fieldset", {}, [el("legend", { t: "desk.step_proc" }), procField,
                          el("div", { id: "desk-proc-card", class: "desk-card", hidden: true })]),
      el("fieldset", {}, [el("legend", { t: "desk.step_applicant" }), ...partyFields("desk-a", true).filter(Boolean)]),
      el("fieldset", {}, [
        el("legend", { t: "desk.step_rep" }),
        el("div", { class: "desk-check" }, [
          el("input", { type: "checkbox", id: "desk-has-rep", "aria-controls": "desk-rep", on: { change: showRep } }),
          el("label", { for: "desk-has-rep", t: "desk.has_rep" }),
        ]),
        el("div", { id: "desk-rep", hidden: true }, partyFields("desk-r", false).filter(Boolean)),
      ]),
      el("fieldset", { id: "desk-papers-box", "data-field": "papers", tabindex: -1, "aria-describedby": "desk-papers-err", hidden: true }, [
        el("legend", { t: "desk.step_papers" }),
        el("div", { class: "table-scroll" }, el("table", { id: "desk-papers" }, [
          el("thead", {}, el("tr", {}, [th("desk.papers_received"), th("desk.papers_name"),
                                        th("desk.papers_copies", "desk-papers-copies"), th("desk.papers_form", "desk-papers-form")])),
          el("tbody"),
        ])),
        el("p", { class: "field-error", id: "desk-papers-err", role: "alert", hidden: true }),
      ]),
      el("fieldset", { id: "desk-channel", "data-field": "channel", tabindex: -1, "aria-describedby": "desk-channel-err" }, [
        el("legend", { t: "desk.channel" }),
        el("div", { class: "desk-check" }, [
          el("input", { type: "radio", name: "channel", id: "desk-ch-desk", value: "desk", checked: true }),
          el("label", { for: "desk-ch-desk", t: "desk.channel_desk" })]),
        el("div", { class: "desk-check" }, [
          el("input", { type: "radio", name: "channel", id: "desk-ch-post", value: "post" }),
          el("label", { for: "desk-ch-post", t: "desk.channel_post" })]),
        el("p", { class: "field-error", id: "desk-channel-err", role: "alert", hidden: true }),
      ]),
      field("desk-content", "desk.content", { name: "content", maxlength: 1000 }, "textarea"),
      el("p", { class: "actions" }, [el("button", { type: "submit", id: "desk-submit", t: "desk.submit" })]),
      el("p", { class: "form-error error", role: "alert", hidden: true }),
    ]),
    el("section", { id: "desk-guide", class: "desk-guide", "aria-labelledby": "desk-guide-title", hidden: true }),
    el("section", { id: "desk-result", class: "desk-result", "aria-labelledby": "desk-result-title", hidden: true }));
  $q("#desk-ch-desk").defaultChecked = true;       // what form.reset() comes back to for the next intake
  showRep();
}

// Redraw what this screen formatted itself: the procedure's facts, the server's messages (both languages come
// in every problem answer), the guidance.
export async function onLang() {
  if (!root) return;
  if (proc) drawCard();
  if (lastProblem && lastProblem.slot) lastProblem.slot.textContent = problemText(lastProblem.res);
  if (guideRes) {
    const m = $q("#desk-guide-message");
    if (m) m.textContent = problemText(guideRes);
  }
}

export function leave() {
  clearTimeout(searchTimer);
  root = null;
}
