// admin_common.js — what the administration screens share: their own menu (units, staff, procedures, working time,
// holidays), the units of the caller's scope for the pickers, and the If-Match value of a record.
import { el, api, hasRole } from "../core.js";

export const ROLES = ["desk", "specialist", "leader", "clerk", "official", "admin"];

// The administration menu inside the screen, for administrators only (another caller who opens the address sees
// just the screen and what the API answers).
export function adminNav(current) {
  if (!hasRole("admin")) return null;
  const links = [["admin-units", "admin.nav.units"], ["admin-staff", "admin.nav.staff"],
                 ["admin-procedures", "admin.nav.procedures"], ["admin-time", "admin.nav.time"],
                 ["admin-sync", "admin.nav.sync"], ["admin-portal", "admin.nav.portal"],
                 ["calendar", "nav.calendar"]];
  return el("nav", { class: "admin-nav", ta: "admin.nav.label" }, el("ul", {}, links.map(([name, key]) =>
    el("li", {}, el("a", { href: "#/" + name, t: key, "aria-current": name === current ? "page" : undefined })))));
}

// Every unit of the caller's scope, page after page (bounded: 20 pages of 200), for the unit pickers.
export async function scopeUnits(params = {}) {
  let out = [], cursor = null;
  for (let i = 0; i < 20; i++) {
    const q = new URLSearchParams(Object.assign({ limit: "200" }, params));
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", "/api/v1/units?" + q);
    if (!res.ok) return { ok: false, res, items: out };
    out = out.concat(res.data.items);
    cursor = res.data.next_cursor;
    if (!cursor) break;
  }
  return { ok: true, items: out };
}

// The units as <option>s, each named with its kind so that two units of the same name can be told apart.
export function unitOptions(select, units, kindText) {
  for (const u of units) select.append(el("option", { value: u.id, text: u.name + " (" + kindText(u.kind) + ")" }));
}

export const ifMatch = (version) => ({ "If-Match": '"' + version + '"' });
