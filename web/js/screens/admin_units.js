// admin_units.js — the units of the administrator's scope as a tree (each unit under its parent, searchable,
// paginated), a new department under a commune, ward or province, and the edit of a unit's name, abbreviation and
// codes (If-Match with the version just read, so that two administrators cannot overwrite each other unseen).
import { t, el, api, field, listTable, searchBox, notice, showProblem, clearProblems, hasRole } from "../core.js";
import { adminNav, scopeUnits, ifMatch } from "./admin_common.js";

let root, list, q = "", editing = null;
const $q = (sel) => root.querySelector(sel);
const val = (id) => $q("#" + id).value.trim();

// A unit's depth among the loaded rows (its parent chain), drawn as an indent; a search result whose parent was not
// loaded stands at the left.
function depth(u, byId) {
  let d = 0;
  for (let p = byId.get(u.parent_id); p && d < 6; p = byId.get(p.parent_id)) d++;
  return d;
}

function nameCell(u) {
  const byId = new Map(list.items().map((x) => [x.id, x]));
  return el("span", { class: "admin-tree", dataset: { depth: String(Math.min(depth(u, byId), 4)) } }, u.name);
}

async function loadParents() {
  const sel = $q("#admin-unit-parent");
  const got = await scopeUnits();
  sel.replaceChildren();
  for (const u of got.items.filter((x) => ["commune", "ward", "province"].includes(x.kind))) {
    sel.append(el("option", { value: u.id, dataset: { kind: u.kind }, text: u.name + " (" + t("kind." + u.kind) + ")" }));
  }
  $q("#admin-unit-create").hidden = !sel.options.length;   // nothing to create a department under
}

async function createDepartment(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const body = { parent_id: val("admin-unit-parent"), kind: "department", name: val("admin-unit-name") };
  if (val("admin-unit-abbr")) body.abbr = val("admin-unit-abbr");
  if (val("admin-unit-edi")) body.edi_code = val("admin-unit-edi");
  const res = await api("POST", "/api/v1/units", body);
  if (!res.ok) { showProblem(form, res); return; }
  form.reset();
  const n = notice(form, "admin.units.created", { name: res.data.name });
  n.tabIndex = -1;
  await list.reload();
  n.focus();
}

async function openEdit(u) {
  const res = await api("GET", "/api/v1/units/" + encodeURIComponent(u.id));
  const form = $q("#admin-unit-edit");
  clearProblems(form);
  form.hidden = false;
  if (!res.ok) { showProblem(form, res); return; }
  editing = res.data;
  $q("#admin-unit-edit-title").textContent = editing.name;
  $q("#admin-unit-e-name").value = editing.name;
  $q("#admin-unit-e-abbr").value = editing.abbr || "";
  $q("#admin-unit-e-edi").value = editing.edi_code || "";
  $q("#admin-unit-e-admin").value = editing.admin_code || "";
  form.querySelector(":scope > .notice")?.remove();
  $q("#admin-unit-e-name").focus();
}

async function saveEdit(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  if (!editing) return;
  // Only what changed goes out: "" clears an optional code (the API's rule), an untouched one stays as it is.
  const body = {};
  const pairs = [["name", "admin-unit-e-name"], ["abbr", "admin-unit-e-abbr"], ["edi_code", "admin-unit-e-edi"],
         ["admin_code", "admin-unit-e-admin"]];
  for (const [k, id] of pairs) if (val(id) !== (editing[k] || "")) body[k] = val(id);
  if (!Object.keys(body).length) { notice(form, "admin.unchanged"); return; }
  const res = await api("PATCH", "/api/v1/units/" + encodeURIComponent(editing.id), body, ifMatch(editing.version));
  if (!res.ok) { showProblem(form, res); return; }
  editing = res.data;
  $q("#admin-unit-edit-title").textContent = editing.name;
  // The list is reloaded before the notice, so "Saved" means the list shows the change.
  await list.reload();
  notice(form, "admin.saved");
}

export async function render(section) {
  root = section;
  editing = null;
  list = listTable({
    id: "admin-units-table", path: "/api/v1/units", params: () => ({ q }), empty: "units.none", limit: 100,
    columns: [
      { key: "name", head: "units.name", cell: nameCell, sort: (a, b) => a.name.localeCompare(b.name, "vi") },
      { key: "kind", head: "units.kind", cell: (u) => el("span", { t: "kind." + u.kind }),
       sort: (a, b) => a.kind.localeCompare(b.kind) },
      { key: "abbr", head: "units.abbr", cell: (u) => u.abbr || "" },
      { key: "edi", head: "admin.units.edi", cell: (u) => u.edi_code || "" },
      { key: "admin", head: "admin.units.admin_code", cell: (u) => u.admin_code || "" },
      { key: "actions", head: "admin.actions", cell: (u) => el("span", { class: "admin-acts" }, [
        el("button", { type: "button", t: "admin.edit", "aria-describedby": "u-" + u.id,
               on: { click: () => openEdit(u) } }),
        el("a", { href: "#/admin-time/" + encodeURIComponent(u.id), t: "admin.units.time" }),
        el("span", { id: "u-" + u.id, class: "sr-only", text: u.name }),
      ]) },
    ],
  });
  root.append(
    el("h2", { id: "admin-units-title", t: "admin.units.title" }),
    adminNav("admin-units") || "",
    searchBox("admin-units-q", "units.search", (v) => { q = v; list.reload(); }),
    list.root,
    el("form", { id: "admin-unit-edit", class: "admin-panel", hidden: true, on: { submit: saveEdit } }, [
      el("h3", {}, [el("span", { t: "admin.units.edit" }), ": ", el("span", { id: "admin-unit-edit-title" })]),
      field("admin-unit-e-name", "units.name", { required: true, minlength: 2, maxlength: 200, "data-field": "name" }),
      field("admin-unit-e-abbr", "units.abbr", { maxlength: 40, "data-field": "abbr" }),
      field("admin-unit-e-edi", "admin.units.edi", { maxlength: 13, "data-field": "edi_code" }),
      field("admin-unit-e-admin", "admin.units.admin_code", { maxlength: 5, "data-field": "admin_code" }),
      el("div", { class: "actions" }, [
        el("button", { type: "submit", t: "admin.save" }),
        el("button", { type: "button", t: "admin.close", on: { click: () => {
          $q("#admin-unit-edit").hidden = true; editing = null; $q("#admin-units-q").focus();
        } } }),
      ]),
    ]),
    el("form", { id: "admin-unit-create", class: "admin-panel", on: { submit: createDepartment } }, [
      el("h3", { t: "admin.units.new" }),
      field("admin-unit-parent", "admin.units.parent", { required: true, "data-field": "parent_id" }, "select"),
      field("admin-unit-name", "units.name", { required: true, minlength: 2, maxlength: 200, "data-field": "name" }),
      field("admin-unit-abbr", "units.abbr", { maxlength: 40, "data-field": "abbr" }),
      field("admin-unit-edi", "admin.units.edi", { maxlength: 13, "data-field": "edi_code" }),
      el("button", { type: "submit", t: "admin.units.create" }),
    ]));
  const res = await list.reload();
  // Only an administrator may create a unit; anyone else who opens the address just reads the list (an edit is
  // still answered by the API).
  if (res && res.ok && hasRole("admin")) await loadParents(); else $q("#admin-unit-create").hidden = true;
}

export async function onLang() {
  root.querySelectorAll("#admin-unit-parent option").forEach((o) => {
    o.textContent = o.textContent.replace(/ \([^()]*\)$/, "") + " (" + t("kind." + o.dataset.kind) + ")";
  });
}
