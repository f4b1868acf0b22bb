// submit.js — submit a dossier online: choose the procedure (search without diacritics; only procedures whose
// online level is full or partial), the receiving commune or ward (GET /api/v1/public/units: a citizen may not list
// /api/v1/units), the applicant (prefilled from the account), upload each paper (POST /api/v1/papers, with a
// progress bar), then POST /api/v1/dossiers channel online; the answer's code is shown.
import { state, t, el, api, upload, problemText, field, showProblem, clearProblems, searchBox,
         focusHeading } from "../core.js";

const ONLINE = ["full", "partial"];
const APPLICANT_FIELDS = { name: "applicant.name", id_number: "applicant.id_number", phone: "applicant.phone",
                           address: "applicant.address", email: "applicant.email" };
let view = null;   // {root, procs, chosen, results}

export async function render(root, args, ctx) {
  view = { root, procs: [], chosen: null, ctx };
  // The unit names carry a formatted "formerly: ..." part: the picker asks again in the new language.
  ctx.onLang = () => { if (view && view.root === root) { drawResults(); if (view.picker) view.picker.load(); } };
  const results = el("ul", { id: "proc-results", class: "choices", "aria-live": "polite" });
  view.results = results;
  root.append(
    el("h2", { id: "submit-title", t: "citizen.submit.title" }),
    el("p", { t: "citizen.submit.intro" }),
    el("h3", { t: "citizen.submit.step1" }),
    searchBox("proc-q", "citizen.submit.search", (q) => searchProcedures(q)),
    results,
    el("div", { id: "submit-form-slot" }));
  await searchProcedures("");
  if (args[0]) await choose(args[0], ctx);
}

// Both online levels that allow an online submission, merged in code order (the API filters one level at a time).
async function searchProcedures(q) {
  const lists = await Promise.all(ONLINE.map((lv) =>
    api("GET", "/api/v1/procedures?" + new URLSearchParams({ q, online: lv, limit: "20" }))));
  const bad = lists.find((r) => !r.ok);
  if (bad) { view.results.replaceChildren(el("li", { class: "error", text: problemText(bad) })); return; }
  view.procs = lists.flatMap((r) => r.data.items).sort((a, b) => a.code.localeCompare(b.code));
  drawResults();
}

function drawResults() {
  const ul = view.results;
  ul.replaceChildren();
  if (!view.procs.length) { ul.append(el("li", { t: "citizen.submit.noproc" })); return; }
  for (const p of view.procs) {
    ul.append(el("li", {}, el("button", {
      type: "button", class: "choice", dataset: { code: p.code },
      "aria-pressed": view.chosen && view.chosen.code === p.code ? "true" : "false",
      on: { click: () => choose(p.code, view.ctx) },
    }, [el("span", { class: "choice-code", text: p.code }), " ", el("span", { text: p.name }), " ",
        el("span", { class: "badge online-" + p.online_level, t: "citizen.online." + p.online_level })])));
  }
}

async function choose(code, ctx) {
  const res = await api("GET", "/api/v1/procedures/" + encodeURIComponent(code));
  const slot = view.root.querySelector("#submit-form-slot");
  if (!res.ok) { slot.replaceChildren(el("p", { class: "error", role: "alert", text: problemText(res) })); return; }
  view.chosen = res.data;
  drawResults();
  slot.replaceChildren(dossierForm(res.data, ctx));
  const h = slot.querySelector("h3");
  if (h) { h.tabIndex = -1; h.focus(); }
}

function unitPicker() {
  const kind = field("sub-unitkind", "citizen.submit.unitkind",
                     { options: [["commune", "citizen.kind.commune"], ["ward", "citizen.kind.ward"]] }, "select");
  const q = field("sub-unitq", "citizen.submit.unitsearch", { type: "search", maxlength: 100, autocomplete: "off" });
  const find = el("button", { type: "button", id: "sub-unitfind", t: "search.find" });
  const unit = field("sub-unit", "citizen.submit.unit", { name: "unit", required: true, dataset: { field: "unit" } },
                     "select");
  const load = async () => {
    const query = new URLSearchParams({ kind: kind.control.value, q: q.control.value.trim(), limit: "100" });
    const res = await api("GET", "/api/v1/public/units?" + query);
    const keep = unit.control.value;
    unit.control.replaceChildren();
    if (!res.ok) { unit.control.append(el("option", { value: "", text: problemText(res) })); return; }
    if (!res.data.items.length) unit.control.append(el("option", { value: "", t: "citizen.submit.unitnone" }));
    for (const u of res.data.items) {
      const former = (u.merged_from || []).map((m) => m.name).join(", ");
      const text = u.name + (former ? " (" + t("citizen.submit.former", { names: former }) + ")" : "");
      unit.control.append(el("option", { value: u.id, text }));
    }
    if (keep && res.data.items.some((u) => u.id === keep)) unit.control.value = keep;
  };
  find.addEventListener("click", load);
  kind.control.addEventListener("change", load);
  q.control.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); load(); } });
  const box = el("fieldset", { class: "group" }, [el("legend", { t: "citizen.submit.step2" }), kind,
    el("div", { class: "inline" }, [q, find]), unit]);
  box.load = load;
  return box;
}

// One paper's file field: uploads it when chosen (POST /api/v1/papers) and records its id in uploads[p.id]. prefix
// names the ids ("sub": the submission form; the supplement form of mine.js has its own), and the fieldset's error
// slot is #<prefix>-papers-err.
export function paperField(p, uploads, prefix = "sub") {
  const id = prefix + "-paper-" + p.id;
  const errId = id + "-err";
  const input = el("input", { id, type: "file", accept: "application/pdf,image/jpeg,image/png",
                              "aria-describedby": errId + " " + id + "-state", dataset: { paper: p.id } });
  const bar = el("progress", { id: id + "-progress", max: 1, value: 0, hidden: true, ta: "citizen.submit.progress" });
  const stateP = el("p", { id: id + "-state", class: "hint" });
  const err = el("p", { class: "field-error", id: errId, role: "alert", hidden: true });
  input.addEventListener("change", async () => {
    const f = input.files[0];
    err.hidden = true;
    delete uploads[p.id];
    stateP.replaceChildren();
    if (!f) return;
    bar.hidden = false;
    bar.value = 0;
    const res = await upload("/api/v1/papers?" + new URLSearchParams({ name: f.name.slice(0, 200) || p.id }), f,
                             (x) => { bar.value = x; });
    if (!res.ok) {
      bar.hidden = true;
      err.textContent = problemText(res);
      err.hidden = false;
      return;
    }
    bar.value = 1;
    uploads[p.id] = res.data.id;
    // An earlier "papers missing" answer is out of date once a paper is given.
    const papers = input.closest("fieldset");
    papers.removeAttribute("aria-invalid");
    const papersErr = papers.querySelector("#" + prefix + "-papers-err");
    if (papersErr) papersErr.hidden = true;
    stateP.replaceChildren(el("span", { class: "ok", t: "citizen.submit.uploaded" }), " " + res.data.name + " (" +
                           Math.max(1, Math.round(res.data.size / 1024)) + " KB)");
    stateP.dataset.uploaded = "1";
  });
  return el("div", { class: "field paper" }, [
    el("label", { for: id }, [p.name,
                              p.mandatory ? el("span", { class: "req", t: "citizen.submit.mandatory" }) : null]),
    input, bar, stateP, err]);
}

function dossierForm(proc, ctx) {
  const me = state.me;
  const uploads = {};
  const picker = unitPicker();
  view.picker = picker;
  const f = (id, key, name, attrs) => field(id, key, Object.assign({ name, dataset: { field: name } }, attrs));
  const name = f("sub-name", "citizen.fullname", "applicant.name",
                 { required: true, maxlength: 200, autocomplete: "name", value: me.full_name || "" });
  const idn = f("sub-idn", "citizen.nationalid", "applicant.id_number",
                { required: true, maxlength: 14, inputmode: "numeric", autocomplete: "off" });
  // A citizen's sign-in name is the phone number given at sign-up.
  const phone = f("sub-phone", "citizen.phone", "applicant.phone",
                  { required: true, maxlength: 20, type: "tel", autocomplete: "tel", value: me.username || "" });
  const addr = f("sub-addr", "citizen.address", "applicant.address",
                 { maxlength: 300, autocomplete: "street-address" });
  const email = f("sub-email", "citizen.email", "applicant.email",
                  { maxlength: 254, type: "email", autocomplete: "email", value: me.email || "" });
  const content = field("sub-content", "citizen.submit.content",
                        { name: "content", maxlength: 1000, dataset: { field: "content" } }, "textarea");
  const papersErr = el("p", { class: "field-error", id: "sub-papers-err", role: "alert", hidden: true });
  const papers = el("fieldset", { class: "group", id: "sub-papers", tabindex: -1, "aria-describedby": "sub-papers-err",
                                  dataset: { field: "papers" } }, [
    el("legend", { t: "citizen.submit.step4" }), el("p", { class: "hint", t: "citizen.submit.papershint" }),
    ...proc.papers.map((p) => paperField(p, uploads)), papersErr]);
  const idem = "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  const submit = el("button", { type: "submit", id: "sub-submit", class: "big", t: "citizen.submit.send" });
  const form = el("form", { id: "submit-form", novalidate: true }, [
    el("h3", { id: "submit-chosen" }, [el("span", { t: "citizen.submit.chosen" }), " ", proc.code + " — " + proc.name]),
    el("p", {}, [el("span", { t: "citizen.submit.time" }), " ", proc.time.text || "—"]),
    picker,
    el("fieldset", { class: "group" }, [el("legend", { t: "citizen.submit.step3" }), name, idn, phone, addr, email]),
    papers, content, submit,
    el("p", { class: "form-error error", role: "alert", hidden: true })]);
  picker.load();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblems(form);
    const body = {
      procedure: proc.code, channel: "online", unit: picker.querySelector("select[name=unit]").value,
      applicant: { kind: "person", name: name.control.value.trim(), id_number: idn.control.value.trim(),
                   phone: phone.control.value.trim(), address: addr.control.value.trim() },
      papers: proc.papers.filter((p) => uploads[p.id])
        .map((p) => ({ paper: p.id, copies: p.copies, form: "electronic", upload: uploads[p.id] })),
    };
    if (email.control.value.trim()) body.applicant.email = email.control.value.trim();
    if (content.control.value.trim()) body.content = content.control.value.trim();
    submit.disabled = true;
    const res = await api("POST", "/api/v1/dossiers", body, { "Idempotency-Key": idem });
    submit.disabled = false;
    if (!res.ok) { showProblem(form, res, APPLICANT_FIELDS); return; }
    done(res.data, ctx);
  });
  return form;
}

function done(d, ctx) {
  const root = view.root;
  root.replaceChildren(
    el("h2", { id: "submit-title", t: "citizen.submit.donetitle" }),
    el("p", { class: "notice ok", role: "status", t: "citizen.submit.done" }),
    el("p", { class: "code-big" }, [el("span", { t: "citizen.code" }), " ",
                                    el("strong", { id: "submit-code", text: d.code })]),
    el("p", { t: "citizen.submit.keep" }),
    el("p", { class: "actions" }, [
      el("a", { class: "button", href: "#/dossier/" + encodeURIComponent(d.code), id: "submit-open",
                t: "citizen.submit.open" }),
      el("a", { class: "button", href: "#/mine", t: "citizen.nav.mine" })]));
  focusHeading(root);
}
