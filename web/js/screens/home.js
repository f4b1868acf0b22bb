// home.js — who I am, my roles, and the units in my scope (searchable with or without diacritics, paginated).
import { state, t, el, listTable, searchBox, isCitizen } from "../core.js";

let units = null, q = "";

function roleLines() {
  return state.me.roles.map((r) => el("li", {}, [el("span", { t: "role." + r.role }), " — " + (r.unit ? r.unit.name : "")]));
}

export async function render(root) {
  const me = state.me;
  root.append(
    el("h2", { id: "home-title" }, [el("span", { t: "home.hello" }), ", ", el("span", { id: "me-name", text: me.full_name || me.username })]),
    el("p", {}, [el("span", { t: "home.username" }), ": ", el("code", { id: "me-username", text: me.username }), " · ",
                 el("span", { t: "home.unit" }), ": ", el("span", { id: "me-unit", text: me.unit ? me.unit.name : "—" })]),
    el("h3", { t: "home.roles" }),
    el("ul", { id: "me-roles" }, roleLines()));
  if (isCitizen()) return;
  units = listTable({
    id: "units-table", path: "/api/v1/units", params: () => ({ q }), empty: "units.none",
    columns: [
      { key: "name", head: "units.name", cell: (u) => u.name, sort: (a, b) => a.name.localeCompare(b.name, "vi") },
      { key: "kind", head: "units.kind", cell: (u) => el("span", { t: "kind." + u.kind }) },
      { key: "code", head: "units.code", cell: (u) => u.edi_code || "" },
      { key: "abbr", head: "units.abbr", cell: (u) => u.abbr || "" },
    ],
  });
  root.append(el("h3", { t: "units.title" }),
              searchBox("units-q", "units.search", (v) => { q = v; units.reload(); }), units.root);
  await units.reload();
}

