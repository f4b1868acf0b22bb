// admin_procedures.js — the procedure catalog for its administrators (docs/procedures.md): the list (search with or
// without diacritics, pages), one record with its papers and steps, its edit (PUT of the whole record with
// If-Match: papers and steps go back as they were read, so an edit of the name never resets them to the defaults),
// the import of a CSV or JSON file (all or nothing) with an upload progress bar and the API's report, and the
// export links. #/admin-procedures/<code> opens one record.
import { state, t, el, api, upload, field, listTable, searchBox, notice, showProblem, clearProblems, problemText, fmtDateTime } from "../core.js";
import { adminNav, scopeUnits, ifMatch } from "./admin_common.js";

let root, list = null, q = "", rec = null;
const $q = (sel) => root.querySelector(sel);
const val = (id) => $q("#" + id).value.trim();

const money = (n) => new Intl.NumberFormat(state.lang === "en" ? "en-GB" : "vi-VN", { style: "currency", currency: "VND" }).format(n);

function timeText(p) {
  if (p.time.rule === "same_day") return t("admin.proc.rule_same_day");
  return t(p.time.rule === "hours" ? "admin.proc.n_hours" : "admin.proc.n_days", { n: p.time.amount });
}

// ---- the list, the import and the export ----

function exportHref(format) {
  const q2 = new URLSearchParams({ format });
  if ($q("#admin-imp-scope") && $q("#admin-imp-scope").value) q2.set("scope", $q("#admin-imp-scope").value);
  return "/api/v1/procedures/export?" + q2;
}

function drawExport() {
  $q("#admin-exp-csv").href = exportHref("csv");
  $q("#admin-exp-json").href = exportHref("json");
}

function setProgress(f) {
  const bar = $q("#admin-imp-progress");
  bar.value = Math.round(f * 100);
  $q("#admin-imp-pct").textContent = bar.value + " %";
}

function report(rep, ok) {
  const out = $q("#admin-imp-report");
  out.replaceChildren();
  out.hidden = false;
  const facts = [["admin.proc.created", rep.created], ["admin.proc.updated", rep.updated],
                 ["admin.proc.unchanged", rep.unchanged], ["admin.proc.skipped", rep.skipped]];
  out.append(el("h4", { t: ok ? "admin.proc.imported" : "admin.proc.refused" }),
             el("dl", { class: "facts", id: "admin-imp-facts" }, facts.flatMap(([k, n]) => [el("dt", { t: k }), el("dd", { dataset: { k }, text: String(n) })])));
  if (rep.skipped_lines && rep.skipped_lines.length) {
    out.append(el("p", { id: "admin-imp-skipped", t: "admin.proc.skipped_lines", targs: { lines: rep.skipped_lines.join(", ") } }));
  }
  if (rep.errors && rep.errors.length) {
    out.append(el("table", { id: "admin-imp-errors", class: "list" }, [
      el("caption", { t: "admin.proc.errors", targs: { n: rep.error_count } }),
      el("thead", {}, el("tr", {}, ["admin.proc.line", "admin.proc.field", "admin.proc.reason"].map((k) => el("th", { scope: "col", t: k })))),
      el("tbody", {}, rep.errors.map((e) => el("tr", {}, [el("td", { text: String(e.line) }), el("td", {}, el("code", { text: e.field || "" })),
                                                         el("td", { text: e.detail })]))),
    ]));
  }
}

async function doImport(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  form.querySelector(":scope > .notice")?.remove();
  $q("#admin-imp-report").hidden = true;
  const file = $q("#admin-imp-file").files[0];
  if (!file) { showProblem(form, { status: 400, data: { field: "file", detail: t("admin.proc.nofile") } }); return; }
  // The API reads the body by its Content-Type: a file the browser could not type is judged by its name.
  const type = /\.json$/i.test(file.name) || file.type === "application/json" ? "application/json" : "text/csv";
  const scope = $q("#admin-imp-scope").value;
  const btn = form.querySelector("button[type=submit]");
  btn.disabled = true;
  $q("#admin-imp-progress-wrap").hidden = false;
  setProgress(0);
  const res = await upload("/api/v1/procedures/import" + (scope ? "?" + new URLSearchParams({ scope }) : ""),
                           new Blob([file], { type }), setProgress);
  btn.disabled = false;
  if (res.status !== 0) setProgress(1);   // an answer came: the whole file was sent (tiny files report no progress)
  form.dataset.done = String(Number(form.dataset.done || "0") + 1);
  if (res.ok) {
    report(res.data, true);
    const n = notice(form, "admin.proc.import_ok");
    n.tabIndex = -1;
    n.focus();
    await list.reload();
    return;
  }
  if (res.data && res.data.report) report(res.data.report, false);
  const msg = showProblem(form, res, { file: "file" });
  if (!msg.id) { msg.tabIndex = -1; msg.focus(); }   // a message of the whole form: the focus goes to it
}

async function drawList(args) {
  list = listTable({
    id: "admin-proc-table", path: "/api/v1/procedures", params: () => ({ q }), empty: "admin.proc.none",
    columns: [
      { key: "code", head: "admin.proc.code", cell: (p) => el("a", { href: "#/admin-procedures/" + encodeURIComponent(p.code), text: p.code }),
        sort: (a, b) => a.code.localeCompare(b.code) },
      { key: "name", head: "admin.proc.name", cell: (p) => p.name, sort: (a, b) => a.name.localeCompare(b.name, "vi") },
      { key: "field", head: "admin.proc.field", cell: (p) => p.field, sort: (a, b) => a.field.localeCompare(b.field, "vi") },
      { key: "time", head: "admin.proc.time", cell: (p) => timeText(p) },
      { key: "online", head: "admin.proc.online", cell: (p) => el("span", { t: "admin.proc.online." + p.online_level }) },
    ],
  });
  root.append(
    searchBox("admin-proc-q", "admin.proc.search", (v) => { q = v; list.reload(); }),
    list.root,
    el("form", { id: "admin-imp", class: "admin-panel", on: { submit: doImport } }, [
      el("h3", { t: "admin.proc.import" }),
      el("p", { t: "admin.proc.import_hint" }),
      field("admin-imp-scope", "admin.proc.scope", { "data-field": "scope", options: [["", "admin.proc.national"]], on: { change: drawExport } }, "select"),
      field("admin-imp-file", "admin.proc.file", { type: "file", accept: ".csv,.json,text/csv,application/json", "data-field": "file" }),
      el("div", { id: "admin-imp-progress-wrap", class: "field", hidden: true }, [
        el("label", { for: "admin-imp-progress", t: "admin.proc.progress" }),
        el("progress", { id: "admin-imp-progress", max: 100, value: 0 }),
        el("span", { id: "admin-imp-pct", "aria-live": "polite" }),
      ]),
      el("button", { type: "submit", t: "admin.proc.import_go" }),
      el("div", { id: "admin-imp-report", hidden: true }),
    ]),
    el("div", { class: "admin-panel", id: "admin-exp" }, [
      el("h3", { t: "admin.proc.export" }),
      el("p", { class: "actions" }, [
        el("a", { id: "admin-exp-csv", download: "procedures.csv", t: "admin.proc.export_csv" }),
        el("a", { id: "admin-exp-json", download: "procedures.json", t: "admin.proc.export_json" }),
      ]),
    ]));
  drawExport();
  await list.reload();
  const prov = await scopeUnits({ kind: "province" });
  for (const u of prov.items) $q("#admin-imp-scope").append(el("option", { value: u.id, text: u.name }));
}

// ---- one record ----

function factList(p) {
  const dd = (k, v) => [el("dt", { t: k }), el("dd", {}, v)];
  return el("dl", { class: "facts", id: "admin-proc-facts" }, [
    ...dd("admin.proc.code", p.code), ...dd("admin.proc.name", el("span", { id: "admin-proc-name", text: p.name })),
    ...dd("admin.proc.field", p.field), ...dd("admin.proc.level", el("span", { t: "kind." + p.level })),
    ...dd("admin.proc.time", [timeText(p), p.time.text ? " — " + p.time.text : ""]),
    ...dd("admin.proc.fee", [p.fee.amount === null ? "" : money(p.fee.amount) + " ", p.fee.text]),
    ...dd("admin.proc.online", el("span", { t: "admin.proc.online." + p.online_level })),
    ...dd("admin.proc.supplement", el("span", { t: "admin.proc.supplement." + p.supplement })),
    ...dd("admin.proc.source", p.source || "—"),
    ...dd("admin.proc.updated_at", fmtDateTime(p.updated_at)),
  ]);
}

// The record's facts, and (fill) its values in the edit form; a language switch redraws the facts only, so that
// an edit in progress is kept.
function drawRecord(fill = true) {
  const p = rec;
  const box = $q("#admin-proc-record");
  box.replaceChildren(
    el("h3", { id: "admin-proc-h" }, p.code + " — " + p.name),
    factList(p),
    el("h4", { t: "admin.proc.papers" }),
    el("ul", { id: "admin-proc-papers" }, p.papers.map((x) => el("li", {}, [x.name, " (", el("span", { t: "admin.proc.form." + x.form }),
      ", ", el("span", { t: "admin.proc.copies", targs: { n: x.copies } }), x.mandatory ? "" : [", ", el("span", { t: "admin.proc.optional" })], ")"].flat()))),
    el("h4", { t: "admin.proc.steps" }),
    el("ol", { id: "admin-proc-steps" }, p.steps.map((s) => el("li", {}, [s.name, " — ", el("span", { t: "role." + s.role }), ", ",
      el("span", { t: "admin.proc.step_days", targs: { n: s.budget_days } }), s.counted ? "" : [" ", el("span", { t: "admin.proc.not_counted" })]].flat()))));
  if (!fill) return;
  for (const [id, v] of [["name", p.name], ["field", p.field], ["level", p.level], ["rule", p.time.rule], ["amount", p.time.amount],
                         ["time_text", p.time.text], ["fee_amount", p.fee.amount === null ? "" : p.fee.amount], ["fee_text", p.fee.text],
                         ["online_level", p.online_level], ["supplement", p.supplement], ["source", p.source]]) {
    $q("#admin-pe-" + id).value = String(v);
  }
}

async function saveRecord(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  if (!rec) return;
  const rule = val("admin-pe-rule");
  const fee = val("admin-pe-fee_amount");
  // The whole record goes back (PUT replaces it): papers and steps as read, the read-only members left out.
  const body = {
    name: val("admin-pe-name"), field: val("admin-pe-field"), level: val("admin-pe-level"),
    time: { rule, amount: rule === "same_day" ? 0 : Number(val("admin-pe-amount")), text: val("admin-pe-time_text") },
    fee: { amount: fee === "" ? null : Number(fee), text: val("admin-pe-fee_text") },
    online_level: val("admin-pe-online_level"), supplement: val("admin-pe-supplement"), source: val("admin-pe-source"),
    papers: rec.papers, steps: rec.steps,
  };
  const path = "/api/v1/procedures/" + encodeURIComponent(rec.code);
  const res = await api("PUT", path, body, ifMatch(rec.version));
  if (!res.ok) { showProblem(form, res, { "time.amount": "amount", "time.rule": "rule", "fee.amount": "fee_amount", "time.text": "time_text", "fee.text": "fee_text" }); return; }
  rec = res.data;
  drawRecord();
  notice(form, "admin.saved");
}

async function drawOne(code) {
  const opt = (pairs) => pairs.map(([v, k]) => [v, k]);
  const form = el("form", { id: "admin-proc-edit", class: "admin-panel", on: { submit: saveRecord } }, [
    el("h3", { t: "admin.proc.edit" }),
    field("admin-pe-name", "admin.proc.name", { required: true, maxlength: 1000, "data-field": "name" }, "textarea"),
    field("admin-pe-field", "admin.proc.field", { required: true, maxlength: 127, "data-field": "field" }),
    field("admin-pe-level", "admin.proc.level", { "data-field": "level", options: opt([["commune", "kind.commune"], ["province", "kind.province"]]) }, "select"),
    el("div", { class: "row" }, [
      field("admin-pe-rule", "admin.proc.rule", { "data-field": "rule", options: opt([["days", "admin.proc.rule_days"], ["hours", "admin.proc.rule_hours"], ["same_day", "admin.proc.rule_same_day"]]) }, "select"),
      field("admin-pe-amount", "admin.proc.amount", { type: "number", min: 0, max: 2920, step: "any", "data-field": "amount" }),
    ]),
    field("admin-pe-time_text", "admin.proc.time_text", { maxlength: 4000, "data-field": "time_text" }, "textarea"),
    field("admin-pe-fee_amount", "admin.proc.fee_amount", { type: "number", min: 0, max: 1000000000, step: 1, "data-field": "fee_amount" }),
    field("admin-pe-fee_text", "admin.proc.fee_text", { maxlength: 4000, "data-field": "fee_text" }, "textarea"),
    field("admin-pe-online_level", "admin.proc.online", { "data-field": "online_level", options: opt([["none", "admin.proc.online.none"], ["partial", "admin.proc.online.partial"], ["full", "admin.proc.online.full"]]) }, "select"),
    field("admin-pe-supplement", "admin.proc.supplement", { "data-field": "supplement", options: opt([["resume", "admin.proc.supplement.resume"], ["restart", "admin.proc.supplement.restart"]]) }, "select"),
    field("admin-pe-source", "admin.proc.source", { maxlength: 4000, "data-field": "source" }, "textarea"),
    el("button", { type: "submit", t: "admin.save" }),
  ]);
  root.append(el("p", {}, el("a", { href: "#/admin-procedures", t: "admin.proc.back" })),
              el("div", { id: "admin-proc-record" }), form);
  const res = await api("GET", "/api/v1/procedures/" + encodeURIComponent(code));
  if (!res.ok) { form.hidden = true; $q("#admin-proc-record").append(el("p", { class: "error", role: "alert", text: problemText(res) })); return; }
  rec = res.data;
  drawRecord();
}

export async function render(section, args) {
  root = section;
  rec = null;
  list = null;
  root.append(el("h2", { id: "admin-procedures-title", t: "admin.proc.title" }), adminNav("admin-procedures") || "");
  if (args && args[0]) await drawOne(args[0]); else await drawList();
}

export async function onLang() {
  if (rec) drawRecord(false);
  else if (list) list.redraw();   // the time limits are formatted text
}
