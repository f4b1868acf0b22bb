// admin_staff.js — staff accounts and their roles: the list of the caller's scope (search, role filter, pages), a new
// account with roles at units, the edit of an account (If-Match) with its fields of work (the procedure catalog's
// fields: an officer qualified for a dossier's field is suggested first when it is assigned), disabling or enabling
// it, and setting a new password. The API decides who may manage which account (docs/security.md §1: 404 for an account out of sight,
// 403 for one seen but not manageable); its message is shown as it comes.
import { t, el, api, field, listTable, searchBox, notice, showProblem, clearProblems } from "../core.js";
import { adminNav, scopeUnits, ifMatch, ROLES } from "./admin_common.js";

let root, list, q = "", role = "", units = [], unitName = new Map(), current = null, rowSeq = 0;
const $q = (sel) => root.querySelector(sel);
const val = (id) => $q("#" + id).value.trim();

function unitLabel(id) {
  const u = unitName.get(id);
  return u ? u.name : id || "—";
}

function unitSelect(id, attrs = {}) {
  const s = el("select", Object.assign({ id, name: id }, attrs));
  for (const u of units) s.append(el("option", { value: u.id, dataset: { kind: u.kind }, text: u.name + " (" + t("kind." + u.kind) + ")" }));
  return s;
}

// The roles editor: one row (role, unit, remove) per grant. The first role control carries data-field="roles", so
// that the API's message on the roles lands in the editor's message slot.
function rolesEditor(prefix) {
  const errId = prefix + "-roles-err";
  const rows = el("ul", { class: "admin-grants", id: prefix + "-grants" });
  const ed = el("fieldset", { class: "admin-roles" }, [
    el("legend", { t: "admin.staff.roles" }),
    rows,
    el("button", { type: "button", id: prefix + "-addrole", t: "admin.staff.addrole", on: { click: () => {
      const r = addRow(); r.querySelector("select").focus();
    } } }),
    el("p", { class: "field-error", id: errId, role: "alert", hidden: true }),
  ]);
  function addRow(grant) {
    const n = ++rowSeq;
    const rs = el("select", { id: `${prefix}-role-${n}`, class: "grant-role", "aria-describedby": errId });
    for (const r of ROLES) rs.append(el("option", { value: r, t: "role." + r }));
    const us = unitSelect(`${prefix}-unit-${n}`, { class: "grant-unit", "aria-describedby": errId });
    if (grant) { rs.value = grant.role; us.value = grant.unit_id; }
    else if ($q(`#${prefix}-unit`)) us.value = $q(`#${prefix}-unit`).value;   // the home unit, most often right
    const li = el("li", { class: "row" }, [
      el("div", { class: "field" }, [el("label", { for: rs.id, t: "admin.staff.role" }), rs]),
      el("div", { class: "field" }, [el("label", { for: us.id, t: "admin.staff.roleunit" }), us]),
      el("button", { type: "button", t: "admin.staff.removerole", on: { click: () => {
        li.remove(); mark(); ed.querySelector(`#${prefix}-addrole`).focus();
      } } }),
    ]);
    rows.append(li);
    mark();
    return li;
  }
  function mark() {
    rows.querySelectorAll(".grant-role").forEach((s, i) => { if (i === 0) s.dataset.field = "roles"; else delete s.dataset.field; });
  }
  ed.addRow = addRow;
  ed.set = (grants) => { rows.replaceChildren(); for (const g of grants) addRow(g); };
  ed.value = () => [...rows.querySelectorAll("li")].map((li) => ({
    role: li.querySelector(".grant-role").value, unit_id: li.querySelector(".grant-unit").value }));
  return ed;
}

const sameGrants = (a, b) => {
  const k = (g) => g.map((x) => x.role + "@" + x.unit_id).sort().join(",");
  return k(a) === k(b);
};

function rolesText(a) {
  return el("span", {}, a.roles.map((g, i) => [i ? "; " : "", el("span", { t: "role." + g.role }), " — " + unitLabel(g.unit_id)]).flat()
    .concat(a.roles_outside_scope ? [" ", el("span", { t: "admin.staff.outside", targs: { n: a.roles_outside_scope } })] : []));
}

async function createAccount(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const body = { username: val("admin-new-username"), full_name: val("admin-new-full_name"),
                 password: $q("#admin-new-password").value, unit_id: val("admin-new-unit"), roles: form.roles.value() };
  if (val("admin-new-email")) body.email = val("admin-new-email");
  if (val("admin-new-phone")) body.phone = val("admin-new-phone");
  const res = await api("POST", "/api/v1/staff", body);
  if (!res.ok) { showProblem(form, res); return; }
  form.reset();
  form.roles.set([]);
  form.roles.addRow();
  const n = notice(form, "admin.staff.created", { name: res.data.username });
  n.tabIndex = -1;
  await list.reload();
  await openAccount(res.data.id);
  n.focus();
}

// The panel of one account: its facts, the edit form, disable/enable and the new password.
async function openAccount(id) {
  const panel = $q("#admin-account");
  const res = await api("GET", "/api/v1/staff/" + encodeURIComponent(id));
  panel.hidden = false;
  const form = $q("#admin-edit");
  clearProblems(form);
  form.querySelector(":scope > .notice")?.remove();
  $q("#admin-pw").querySelector(":scope > .notice")?.remove();
  if (!res.ok) { current = null; showProblem(form, res); $q("#admin-edit-fields").hidden = true; return false; }
  $q("#admin-edit-fields").hidden = false;
  current = res.data;
  drawAccount();
  return true;
}

function drawAccount() {
  const a = current;
  $q("#admin-account-title").textContent = a.username;
  $q("#admin-account-status").dataset.t = a.disabled ? "admin.staff.disabled" : "admin.staff.active";
  $q("#admin-account-status").textContent = t($q("#admin-account-status").dataset.t);
  $q("#admin-edit-full_name").value = a.full_name || "";
  $q("#admin-edit-email").value = a.email || "";
  $q("#admin-edit-phone").value = a.phone || "";
  $q("#admin-edit-unit").value = a.unit_id || "";
  $q("#admin-edit").roles.set(a.roles);
  const work = $q("#admin-edit-work");
  for (const f of a.fields || []) {
    if (![...work.options].some((o) => o.value === f)) work.append(el("option", { value: f, text: f }));
  }
  for (const o of work.options) o.selected = (a.fields || []).includes(o.value);
  const tog = $q("#admin-toggle");
  tog.dataset.t = a.disabled ? "admin.staff.enable" : "admin.staff.disable";
  tog.textContent = t(tog.dataset.t);
  $q("#admin-outside").hidden = !a.roles_outside_scope;
}

async function patch(body, form, okKey) {
  const res = await api("PATCH", "/api/v1/staff/" + encodeURIComponent(current.id), body, ifMatch(current.version));
  if (!res.ok) { showProblem(form, res); return false; }
  current = res.data;
  drawAccount();
  await list.reload();   // before the notice: the confirmation means the list already shows the change
  notice(form, okKey);
  return true;
}

async function saveAccount(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  if (!current) return;
  const body = {};
  for (const k of ["full_name", "email", "phone"]) if (val("admin-edit-" + k) !== (current[k] || "")) body[k] = val("admin-edit-" + k);
  if (val("admin-edit-unit") !== (current.unit_id || "")) body.unit_id = val("admin-edit-unit");
  const grants = form.roles.value();
  if (!sameGrants(grants, current.roles)) body.roles = grants;
  const fields = [...$q("#admin-edit-work").selectedOptions].map((o) => o.value);
  if ([...fields].sort().join("\n") !== [...(current.fields || [])].sort().join("\n")) body.fields = fields;
  if (!Object.keys(body).length) { notice(form, "admin.unchanged"); return; }
  await patch(body, form, "admin.saved");
}

async function toggle() {
  const form = $q("#admin-edit");
  clearProblems(form);
  if (!current) return;
  const disabling = !current.disabled;
  if (await patch({ disabled: disabling }, form, disabling ? "admin.staff.disabled_ok" : "admin.staff.enabled_ok")) {
    $q("#admin-toggle").focus();
  }
}

async function setPassword(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  if (!current) return;
  const res = await api("PUT", "/api/v1/staff/" + encodeURIComponent(current.id) + "/password",
                        { password: $q("#admin-pw-new").value });
  $q("#admin-pw-new").value = "";
  if (!res.ok) { showProblem(form, res); return; }
  notice(form, "admin.staff.pw_ok", { name: current.username });
  // A new password is a new version of the account: read it again, so that the next edit matches it.
  const again = await api("GET", "/api/v1/staff/" + encodeURIComponent(current.id));
  if (again.ok) { current = again.data; drawAccount(); }
}

function roleFilter() {
  const s = field("admin-staff-role", "admin.staff.rolefilter", { options: [["", "admin.staff.allroles"]].concat(ROLES.map((r) => [r, "role." + r])),
    on: { change: (ev) => { role = ev.target.value; list.reload(); } } }, "select");
  return s;
}

export async function render(section, args) {
  root = section;
  current = null;
  list = listTable({
    id: "admin-staff-table", path: "/api/v1/staff", params: () => ({ q, role }), empty: "admin.staff.none",
    columns: [
      // The account's name is the button that opens it: its accessible name says which account it opens.
      { key: "username", head: "admin.staff.username", cell: (a) => el("button", { type: "button", class: "linklike",
        text: a.username, on: { click: async () => { if (await openAccount(a.id)) $q("#admin-edit-full_name").focus(); } } }),
        sort: (x, y) => x.username.localeCompare(y.username) },
      { key: "full_name", head: "admin.staff.full_name", cell: (a) => a.full_name || "",
        sort: (x, y) => (x.full_name || "").localeCompare(y.full_name || "", "vi") },
      { key: "unit", head: "admin.staff.unit", cell: (a) => unitLabel(a.unit_id) },
      { key: "roles", head: "admin.staff.roles", cell: rolesText },
      { key: "status", head: "admin.staff.status", cell: (a) => el("span", { t: a.disabled ? "admin.staff.disabled" : "admin.staff.active" }) },
    ],
  });
  const editForm = el("form", { id: "admin-edit", on: { submit: saveAccount } }, [
    el("div", { id: "admin-edit-fields" }, [
      el("p", {}, [el("span", { t: "admin.staff.status" }), ": ", el("strong", { id: "admin-account-status" })]),
      el("p", { id: "admin-outside", t: "admin.staff.outside_note", hidden: true }),
      field("admin-edit-full_name", "admin.staff.full_name", { required: true, minlength: 2, maxlength: 200, "data-field": "full_name" }),
      field("admin-edit-email", "admin.staff.email", { type: "email", maxlength: 254, "data-field": "email" }),
      field("admin-edit-phone", "admin.staff.phone", { type: "tel", maxlength: 15, "data-field": "phone" }),
      field("admin-edit-unit", "admin.staff.unit", { "data-field": "unit_id" }, "select"),
      el("div", { id: "admin-edit-roles" }),
      field("admin-edit-work", "admin.staff.fields", { multiple: true, size: 6, "data-field": "fields" }, "select"),
      el("p", { class: "hint", t: "admin.staff.fields.hint" }),
      el("div", { class: "actions" }, [
        el("button", { type: "submit", t: "admin.save" }),
        el("button", { type: "button", id: "admin-toggle", t: "admin.staff.disable", on: { click: toggle } }),
      ]),
    ]),
  ]);
  const newForm = el("form", { id: "admin-new", class: "admin-panel", on: { submit: createAccount } }, [
    el("h3", { t: "admin.staff.new" }),
    field("admin-new-username", "admin.staff.username", { required: true, maxlength: 64, autocomplete: "off", "data-field": "username" }),
    field("admin-new-full_name", "admin.staff.full_name", { required: true, maxlength: 200, "data-field": "full_name" }),
    field("admin-new-password", "admin.staff.password", { type: "password", required: true, maxlength: 128, autocomplete: "new-password", "data-field": "password" }),
    field("admin-new-email", "admin.staff.email", { type: "email", maxlength: 254, "data-field": "email" }),
    field("admin-new-phone", "admin.staff.phone", { type: "tel", maxlength: 15, "data-field": "phone" }),
    field("admin-new-unit", "admin.staff.unit", { required: true, "data-field": "unit_id" }, "select"),
    el("div", { id: "admin-new-roles" }),
    el("button", { type: "submit", t: "admin.staff.create" }),
  ]);
  root.append(
    el("h2", { id: "admin-staff-title", t: "admin.staff.title" }),
    adminNav("admin-staff") || "",
    el("div", { class: "row" }, [searchBox("admin-staff-q", "admin.staff.search", (v) => { q = v; list.reload(); }), roleFilter()]),
    list.root,
    el("section", { id: "admin-account", class: "admin-panel", hidden: true, "aria-labelledby": "admin-account-h" }, [
      el("h3", { id: "admin-account-h" }, [el("span", { t: "admin.staff.account" }), ": ", el("span", { id: "admin-account-title" })]),
      editForm,
      el("form", { id: "admin-pw", on: { submit: setPassword } }, [
        el("h4", { t: "admin.staff.pw_title" }),
        field("admin-pw-new", "admin.staff.pw_new", { type: "password", required: true, maxlength: 128, autocomplete: "new-password", "data-field": "password" }),
        el("button", { type: "submit", t: "admin.staff.pw_set" }),
      ]),
      el("button", { type: "button", t: "admin.close", on: { click: () => { $q("#admin-account").hidden = true; current = null; $q("#admin-staff-q").focus(); } } }),
    ]),
    newForm);
  const res = await list.reload();
  if (!res || !res.ok) {   // not an administrator or leader here: the API's refusal stays in the list, nothing else
    newForm.hidden = true;
    return;
  }
  const got = await scopeUnits();
  units = got.items;
  unitName = new Map(units.map((u) => [u.id, u]));
  list.redraw();
  for (const id of ["admin-new-unit", "admin-edit-unit"]) {
    const s = $q("#" + id);
    for (const u of units) s.append(el("option", { value: u.id, dataset: { kind: u.kind }, text: u.name + " (" + t("kind." + u.kind) + ")" }));
  }
  // The fields of work offered: the catalog's fields (one page of the catalog holds them all).
  const procs = await api("GET", "/api/v1/procedures?limit=200");
  const work = $q("#admin-edit-work");
  for (const f of [...new Set(procs.ok ? procs.data.items.map((p) => p.field) : [])].sort((x, y) => x.localeCompare(y, "vi"))) {
    work.append(el("option", { value: f, text: f }));
  }
  newForm.roles = rolesEditor("admin-new");
  $q("#admin-new-roles").replaceWith(newForm.roles);
  newForm.roles.addRow();
  editForm.roles = rolesEditor("admin-edit");
  $q("#admin-edit-roles").replaceWith(editForm.roles);
  if (args && args[0]) await openAccount(args[0]);
}

export async function onLang() {
  root.querySelectorAll("select option[data-kind]").forEach((o) => {
    o.textContent = o.textContent.replace(/ \([^()]*\)$/, "") + " (" + t("kind." + o.dataset.kind) + ")";
  });
}
