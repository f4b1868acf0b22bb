// admin_time.js — the working time of a unit (sessions and the afternoon cut-off of the legal clock,
// docs/legal-clock.md): its own, or the one it inherits from a unit above or the default. Saving gives the unit its
// own; replacing an own working time sends If-Match with the version just read.
import { t, el, api, field, notice, showProblem, clearProblems } from "../core.js";
import { adminNav, scopeUnits, ifMatch } from "./admin_common.js";

let root, units = [], wt = null;
const $q = (sel) => root.querySelector(sel);
const KEYS = ["morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff"];

function unitName(id) {
  const u = units.find((x) => x.id === id);
  return u ? u.name : id;
}

function drawSource() {
  const p = $q("#admin-wt-source");
  if (!wt) { p.hidden = true; return; }
  p.hidden = false;
  if (wt.inherited_from === null) { p.dataset.t = "admin.time.own"; p._targs = undefined; }
  else if (wt.inherited_from === "default") { p.dataset.t = "admin.time.default"; p._targs = undefined; }
  else { p.dataset.t = "admin.time.inherited"; p._targs = { name: unitName(wt.inherited_from) }; }
  p.textContent = t(p.dataset.t, p._targs);
}

async function load() {
  const form = $q("#admin-wt-form");
  clearProblems(form);
  form.querySelector(":scope > .notice")?.remove();
  const id = $q("#admin-wt-unit").value;
  if (!id) return;
  if (location.hash !== "#/admin-time/" + encodeURIComponent(id)) history.replaceState(null, "", "#/admin-time/" + encodeURIComponent(id));
  const res = await api("GET", "/api/v1/units/" + encodeURIComponent(id) + "/working-time");
  form.hidden = false;
  if (!res.ok) { wt = null; drawSource(); $q("#admin-wt-fields").hidden = true; showProblem(form, res); return; }
  $q("#admin-wt-fields").hidden = false;
  wt = res.data;
  for (const k of KEYS) $q("#admin-wt-" + k).value = wt[k];
  drawSource();
  root.dataset.loaded = id;   // the browser test can tell which unit is drawn
}

async function save(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  if (!wt) return;
  const body = {};
  for (const k of KEYS) body[k] = $q("#admin-wt-" + k).value;
  // Only a unit that has its own working time has a version to match; an inherited one is created (201).
  const headers = wt.inherited_from === null ? ifMatch(wt.version) : {};
  const res = await api("PUT", "/api/v1/units/" + encodeURIComponent(wt.unit_id) + "/working-time", body, headers);
  if (!res.ok) { showProblem(form, res); return; }
  wt = res.data;
  drawSource();
  notice(form, "admin.saved");
}

export async function render(section, args) {
  root = section;
  wt = null;
  const timeField = (k) => field("admin-wt-" + k, "admin.time." + k, { type: "time", required: true, "data-field": k });
  root.append(
    el("h2", { id: "admin-time-title", t: "admin.time.title" }),
    adminNav("admin-time") || "",
    el("p", { t: "admin.time.intro" }),
    el("form", { id: "admin-wt-pick", class: "row", on: { submit: (ev) => { ev.preventDefault(); load(); } } }, [
      field("admin-wt-unit", "admin.time.unit", {}, "select"),
      el("button", { type: "submit", t: "admin.time.show" }),
    ]),
    el("form", { id: "admin-wt-form", class: "admin-panel", hidden: true, on: { submit: save } }, [
      el("p", { id: "admin-wt-source", hidden: true }),
      el("div", { id: "admin-wt-fields" }, [
        el("fieldset", {}, [el("legend", { t: "admin.time.morning" }), el("div", { class: "row" }, [timeField("morning_start"), timeField("morning_end")])]),
        el("fieldset", {}, [el("legend", { t: "admin.time.afternoon" }), el("div", { class: "row" }, [timeField("afternoon_start"), timeField("afternoon_end")])]),
        timeField("cutoff"),
        el("p", { class: "hint", t: "admin.time.cutoff_hint" }),
        el("button", { type: "submit", t: "admin.save" }),
      ]),
    ]));
  const got = await scopeUnits();
  units = got.items;
  const sel = $q("#admin-wt-unit");
  if (!got.ok) { showProblem($q("#admin-wt-pick"), got.res); return; }
  for (const u of units) sel.append(el("option", { value: u.id, dataset: { kind: u.kind }, text: u.name + " (" + t("kind." + u.kind) + ")" }));
  if (args && args[0] && units.some((u) => u.id === args[0])) sel.value = args[0];
  else if (args && args[0]) { showProblem($q("#admin-wt-pick"), { status: 404, data: { detail: t("admin.time.unknown") } }); return; }
  else return;
  await load();
}

export async function onLang() {
  root.querySelectorAll("select option[data-kind]").forEach((o) => {
    o.textContent = o.textContent.replace(/ \([^()]*\)$/, "") + " (" + t("kind." + o.dataset.kind) + ")";
  });
  drawSource();
}
