// keys.js — my signing keys (docs/keys.md): the keys the caller may see (their own, the seals of their units and,
// for administrators, their officers' keys), the import of a PKCS#12 bundle (read in the browser with FileReader and
// sent as base64 with a label and the bundle's PIN, which opens it once on the server and is not kept), and the
// removal of a key. An administrator over a unit imports the unit's seal (kind "seal"). The page holds no key: the
// bundle's bytes and the PIN leave the form as soon as the request is sent.
import { t, el, api, field, listTable, notice, showProblem, clearProblems, fmtDate, hasRole, formDialog } from "../core.js";
import { scopeUnits } from "./admin_common.js";

let root, list = null, removing = null, showRemoved = false;
const $q = (sel) => root.querySelector(sel);
const secs = (s) => new Date(s * 1000).toISOString();

function columns() {
  return [
    { key: "label", head: "keys.col.label", cell: (k) => el("strong", { text: k.label }),
      sort: (a, b) => a.label.localeCompare(b.label, "vi") },
    { key: "kind", head: "keys.col.kind", cell: (k) => el("span", { t: "keys.kind." + k.kind }) },
    { key: "subject", head: "keys.col.subject", cell: (k) => [k.certificate.subject_cn, k.certificate.subject_o ? el("br") : null, k.certificate.subject_o || null] },
    { key: "issuer", head: "keys.col.issuer", cell: (k) => k.certificate.issuer_cn },
    { key: "serial", head: "keys.col.serial", cell: (k) => el("code", { text: k.certificate.serial }) },
    { key: "valid", head: "keys.col.valid", cell: (k) => fmtDate(secs(k.certificate.not_before)) + " – " + fmtDate(secs(k.certificate.not_after)),
      sort: (a, b) => a.certificate.not_after - b.certificate.not_after },
    { key: "status", head: "keys.col.status", cell: (k) => el("span", { class: "badge", dataset: { state: k.removed_at ? "removed" : "active" },
                                                                          t: k.removed_at ? "keys.removed" : "keys.active" }) },
    { key: "act", head: "keys.col.actions", cell: (k) => (k.removed_at ? "" : el("button", {
      type: "button", class: "danger remove", dataset: { id: k.id }, "aria-label": t("keys.remove.aria", { label: k.label }),
      t: "keys.remove", on: { click: (ev) => { removing = k; $q("#keys-remove").openFor(k.label, ev.currentTarget); } } })) },
  ];
}

// base64 of a File, through FileReader (a data: URL is "data:<type>;base64,<the bytes>").
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => { const s = String(r.result); resolve(s.slice(s.indexOf(",") + 1)); };
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

async function doImport(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  form.querySelector(":scope > .notice")?.remove();
  const file = $q("#keys-file").files[0];
  if (!file) { showProblem(form, { status: 400, data: { field: "pkcs12", messages: { vi: t("keys.file.missing"), en: t("keys.file.missing") } } }); return; }
  if (file.size > 64 * 1024) { showProblem(form, { status: 400, data: { field: "pkcs12", messages: { vi: t("keys.file.big"), en: t("keys.file.big") } } }); return; }
  const btn = $q("#keys-submit");
  btn.disabled = true;
  let b64;
  try { b64 = await readBase64(file); } catch (e) { btn.disabled = false; showProblem(form, { status: 0 }); return; }
  const kind = $q("#keys-kind") ? $q("#keys-kind").value : "person";
  const body = { kind, label: $q("#keys-label").value.trim(), pkcs12: b64, pin: $q("#keys-pin").value };
  if (kind === "seal") body.unit_id = $q("#keys-unit").value;
  b64 = null;
  const res = await api("POST", "/api/v1/signing-keys", body);
  body.pin = body.pkcs12 = "";
  $q("#keys-pin").value = "";
  btn.disabled = false;
  if (!res.ok) { showProblem(form, res); return; }
  form.reset();
  syncKind();
  await list.reload();
  const n = notice(form, "keys.imported", { label: res.data.label, cn: res.data.certificate.subject_cn });
  n.tabIndex = -1;
  n.focus();
}

async function doRemove(form, dlg) {
  if (!removing) return;
  const res = await api("DELETE", "/api/v1/signing-keys/" + encodeURIComponent(removing.id));
  if (!res.ok) { showProblem(form, res); return; }
  const label = removing.label;
  removing = null;
  dlg.close();
  await list.reload();
  const n = notice($q("#keys-list"), "keys.removed.ok", { label });
  n.tabIndex = -1;
  n.focus();
}

function syncKind() {
  const k = $q("#keys-kind");
  const wrap = $q("#keys-unit-wrap");
  if (wrap) wrap.hidden = !k || k.value !== "seal";
}

function importForm() {
  const admin = hasRole("admin");
  return el("form", { id: "keys-form", class: "admin-panel", on: { submit: doImport } }, [
    el("h3", { id: "keys-import-title", t: "keys.import.title" }),
    el("p", { class: "hint", t: admin ? "keys.import.hint.admin" : "keys.import.hint" }),
    admin ? field("keys-kind", "keys.f.kind", { name: "kind", options: [["person", "keys.kind.person"], ["seal", "keys.kind.seal"]],
                                                 on: { change: syncKind } }, "select") : null,
    admin ? el("div", { id: "keys-unit-wrap", hidden: true }, field("keys-unit", "keys.f.unit", { name: "unit_id" }, "select")) : null,
    field("keys-label", "keys.f.label", { name: "label", required: true, maxlength: 100, autocomplete: "off" }),
    field("keys-file", "keys.f.file", { name: "pkcs12", type: "file", required: true, accept: ".p12,.pfx,application/x-pkcs12" }),
    el("p", { class: "hint", t: "keys.f.file.hint" }),
    field("keys-pin", "keys.f.pin", { name: "pin", type: "password", required: true, maxlength: 128, autocomplete: "off" }),
    el("p", { class: "form-error error", role: "alert", hidden: true }),
    el("button", { type: "submit", id: "keys-submit", class: "primary", t: "keys.import.submit" }),
  ].filter(Boolean));
}

export async function render(section) {
  root = section;
  removing = null;
  showRemoved = false;
  list = listTable({ id: "keys-table", path: "/api/v1/signing-keys", limit: 20, empty: "keys.none",
                     params: () => ({ removed: showRemoved ? "true" : "" }), columns: columns() });
  const toggle = el("div", { class: "field check" }, [
    el("input", { type: "checkbox", id: "keys-show-removed", on: { change: (ev) => { showRemoved = ev.target.checked; list.reload(); } } }),
    el("label", { for: "keys-show-removed", t: "keys.show_removed" }),
  ]);
  root.append(
    el("h2", { id: "keys-title", t: "keys.title" }),
    el("p", { class: "hint", t: "keys.hint" }),
    el("section", { id: "keys-list", "aria-labelledby": "keys-list-title" }, [el("h3", { id: "keys-list-title", t: "keys.list.title" }), toggle, list.root]),
    importForm(),
    formDialog({ id: "keys-remove", title: "keys.remove.title", hint: "keys.remove.hint", fields: [
      el("p", { class: "form-error error", role: "alert", hidden: true })],
      submit: "keys.remove.confirm", cancel: "keys.cancel", onSubmit: doRemove }));
  if (hasRole("admin")) {
    const got = await scopeUnits();
    const s = $q("#keys-unit");
    for (const u of got.items.filter((x) => x.kind !== "department" && x.kind !== "national")) {
      s.append(el("option", { value: u.id, dataset: { kind: u.kind }, text: u.name + " (" + t("kind." + u.kind) + ")" }));
    }
  }
  await list.reload();
}

export function onLang() {
  if (list) list.redraw();
  root.querySelectorAll("#keys-unit option[data-kind]").forEach((o) => {
    o.textContent = o.textContent.replace(/ \([^()]*\)$/, "") + " (" + t("kind." + o.dataset.kind) + ")";
  });
}
