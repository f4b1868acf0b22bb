// admin_sync.js — the hub's view of its commune nodes (issue 13 item 5; docs/deploy.md "A hub and its nodes"): for
// each node in the administrator's scope the hub's checkpoint of its chain, how far behind it is (events and
// seconds), when it was last heard from, and whether it is flagged (a refused batch: clear it once looked into);
// and the one-time enrolment token for a new node. GET /api/v1/sync/status answers only on a hub.
import { t, el, api, field, notice, showProblem, clearProblems, problemText, fmtDateTime, fmtNum } from "../core.js";
import { adminNav, scopeUnits, unitOptions } from "./admin_common.js";

let root, nodes = [], units = [], query = "";
const $q = (sel) => root.querySelector(sel);

function unitName(id) {
  const u = units.find((x) => x.id === id);
  return u ? u.name : id;
}

// "3 min" / "2 h" / "1 d": how long a lag in seconds is, in the current language.
function ago(seconds) {
  if (seconds < 60) return t("sync.secs", { n: fmtNum(seconds) });
  if (seconds < 3600) return t("sync.mins", { n: fmtNum(Math.floor(seconds / 60)) });
  if (seconds < 86400) return t("sync.hours", { n: fmtNum(Math.floor(seconds / 3600)) });
  return t("sync.days", { n: fmtNum(Math.floor(seconds / 86400)) });
}

async function clearNode(n, button) {
  const box = $q("#sync-nodes-box");
  clearProblems(box);
  box.querySelector(":scope > .notice")?.remove();
  button.disabled = true;
  const res = await api("POST", "/api/v1/sync/nodes/" + encodeURIComponent(n.node_id) + "/clear");
  if (!res.ok) { button.disabled = false; showProblem(box, res); return; }
  await load();
  notice($q("#sync-nodes-box"), "sync.cleared", { name: n.name });
}

function draw() {
  const tbody = $q("#sync-nodes tbody");
  tbody.replaceChildren();
  const q = query.toLowerCase();
  const shown = nodes.filter((n) => !q || n.name.toLowerCase().includes(q) || unitName(n.unit_id).toLowerCase().includes(q));
  for (const n of shown) {
    const flagged = n.state === "flagged";
    const state = el("span", { class: "badge " + (flagged ? "due-overdue" : n.lag_events ? "due-soon" : "due-ok"),
      dataset: { state: flagged ? "flagged" : n.lag_events ? "behind" : "current" },
      t: flagged ? "sync.state.flagged" : n.lag_events ? "sync.state.behind" : "sync.state.current" });
    const action = flagged
      ? el("button", { type: "button", class: "sync-clear", t: "sync.clear", "aria-describedby": "sync-clear-hint",
          on: { click: (ev) => clearNode(n, ev.currentTarget) } })
      : el("span", { text: "—" });
    tbody.append(el("tr", { dataset: { node: n.node_id } }, [
      el("th", { scope: "row", text: n.name }),
      el("td", { text: unitName(n.unit_id) }),
      el("td", {}, flagged && n.flagged_reason ? [state, el("div", { class: "hint", text: n.flagged_reason })] : state),
      el("td", { dataset: { col: "seq" }, text: fmtNum(n.seq) + " / " + fmtNum(n.node_head_seq) }),
      el("td", { dataset: { col: "lag" }, text: n.lag_events ? fmtNum(n.lag_events) + " · " + ago(n.lag_seconds) : "0" }),
      el("td", { text: n.last_seen_at ? fmtDateTime(n.last_seen_at) : t("sync.never") }),
      el("td", {}, action),
    ]));
  }
  if (!shown.length) tbody.append(el("tr", {}, el("td", { colspan: 7, t: nodes.length ? "list.none" : "sync.none" })));
  const total = $q("#sync-total");
  total.dataset.t = "list.total";
  total._targs = { n: fmtNum(shown.length) };
  total.textContent = t("list.total", total._targs);
}

async function load() {
  const box = $q("#sync-nodes-box");
  const res = await api("GET", "/api/v1/sync/status");
  if (!res.ok) {
    box.replaceChildren(el("p", { class: "error", role: "alert", text: res.status === 404 ? t("sync.not_hub") : problemText(res) }));
    return false;
  }
  nodes = res.data.nodes;
  const sum = $q("#sync-summary");
  sum.dataset.t = "sync.summary";
  sum._targs = { flagged: fmtNum(res.data.flagged_nodes), refused: fmtNum(res.data.refused_batches) };
  sum.textContent = t("sync.summary", sum._targs);
  draw();
  root.dataset.loaded = String(Date.now());   // the browser test can tell a reload finished
  return true;
}

async function issue(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  form.querySelector(":scope > .notice")?.remove();
  $q("#sync-token-out").hidden = true;
  const body = { unit_id: $q("#sync-enrol-unit").value };
  const ttl = $q("#sync-enrol-ttl").value.trim();
  if (ttl) body.ttl_hours = Number(ttl);
  const res = await api("POST", "/api/v1/sync/enrolments", body);
  if (!res.ok) { showProblem(form, res, { ttl_hours: "sync-enrol-ttl", unit_id: "sync-enrol-unit" }); return; }
  const out = $q("#sync-token-out");
  out.hidden = false;
  $q("#sync-token").value = res.data.token;
  const exp = $q("#sync-token-expires");
  exp.dataset.t = "sync.token_expires";
  exp._targs = { at: fmtDateTime(res.data.expires_at) };
  exp.textContent = t("sync.token_expires", exp._targs);
  $q("#sync-token").focus();
  $q("#sync-token").select();
}

export async function render(section) {
  root = section;
  nodes = [];
  query = "";
  const search = el("form", { role: "search", class: "search", on: { submit: (ev) => { ev.preventDefault(); query = $q("#sync-q").value.trim(); draw(); } } }, [
    el("label", { for: "sync-q", t: "sync.search" }), el("input", { id: "sync-q", type: "search", maxlength: 100 }),
    el("button", { type: "submit", t: "search.find" }),
  ]);
  root.append(
    el("h2", { id: "admin-sync-title", t: "sync.title" }),
    adminNav("admin-sync") || "",
    el("p", { t: "sync.intro" }),
    el("div", { id: "sync-nodes-box", class: "admin-panel" }, [
      el("p", { id: "sync-summary", role: "status" }),
      el("div", { class: "row" }, [search, el("button", { type: "button", id: "sync-reload", t: "sync.reload", on: { click: () => load() } })]),
      el("p", { id: "sync-total", class: "list-total" }),
      el("div", { class: "table-scroll" }, el("table", { id: "sync-nodes", class: "list" }, [
        el("thead", {}, el("tr", {}, ["sync.col.name", "sync.col.unit", "sync.col.state", "sync.col.seq", "sync.col.lag",
          "sync.col.seen", "admin.actions"].map((k) => el("th", { scope: "col", t: k })))),
        el("tbody"),
      ])),
      el("p", { id: "sync-clear-hint", class: "hint", t: "sync.clear_hint" }),
    ]),
    el("h3", { t: "sync.enrol.title" }),
    el("form", { id: "sync-enrol", class: "admin-panel", on: { submit: issue } }, [
      el("p", { class: "hint", t: "sync.enrol.intro" }),
      el("div", { class: "row" }, [
        field("sync-enrol-unit", "sync.enrol.unit", { required: true }, "select"),
        field("sync-enrol-ttl", "sync.enrol.ttl", { type: "number", min: 1, max: 720, step: 1, placeholder: "72", "data-field": "ttl_hours" }),
      ]),
      el("button", { type: "submit", t: "sync.enrol.issue" }),
      el("div", { id: "sync-token-out", hidden: true }, [
        el("label", { for: "sync-token", t: "sync.token" }),
        el("input", { id: "sync-token", type: "text", readonly: true, class: "mono", "aria-describedby": "sync-token-expires" }),
        el("p", { id: "sync-token-expires", class: "hint" }),
      ]),
    ]));
  const got = await scopeUnits({ kind: "commune" });
  units = got.items;
  unitOptions($q("#sync-enrol-unit"), units, (k) => t("kind." + k));
  if (!(await load())) $q("#sync-enrol").hidden = true;
}

// Texts with data-t are translated by core.js; the unit options and the rows (lag durations) are drawn again.
export async function onLang() {
  if (!root) return;
  root.querySelectorAll("#sync-enrol-unit option").forEach((o) => {
    const u = units.find((x) => x.id === o.value);
    if (u) o.textContent = u.name + " (" + t("kind." + u.kind) + ")";
  });
  if ($q("#sync-nodes tbody")) draw();
}
