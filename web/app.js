/* app.js — the motcua web UI: sign-in, who am I, the units in my scope.
 *
 * The session lives in an HttpOnly cookie the script cannot read; the CSRF token comes back in the sign-in and
 * /api/v1/me bodies and is sent as X-CSRF-Token on every state-changing request. Text goes into the page only
 * through textContent (never innerHTML), so data from the server cannot become markup. */
"use strict";
(function () {
  const state = { lang: localStorage.getItem("motcua.lang") || "vi", csrf: null, me: null, cursor: null, units: [] };
  const $ = (id) => document.getElementById(id);
  const t = (key) => (window.MOTCUA_I18N[state.lang] || {})[key] || key;

  function applyLang() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
    if (state.me) { renderMe(); renderUnits(); }
  }

  async function api(method, path, body) {
    const headers = { "Accept": "application/json", "Accept-Language": state.lang };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: "same-origin",
                                body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { ok: false, status: 0, data: { detail: t("error.network") } };
    }
    let data = null;
    if (res.status !== 204) { try { data = await res.json(); } catch (e) { data = null; } }
    return { ok: res.ok, status: res.status, data };
  }

  function show(view) {
    $("signin-view").hidden = view !== "signin";
    $("home-view").hidden = view !== "home";
    $("signout").hidden = view !== "home";
  }

  function renderMe() {
    const me = state.me;
    $("me-name").textContent = me.full_name;
    $("me-username").textContent = me.username;
    $("me-unit").textContent = me.unit ? me.unit.name : "—";
    const ul = $("me-roles");
    ul.replaceChildren();
    for (const r of me.roles) {
      const li = document.createElement("li");
      li.textContent = t("role." + r.role) + " — " + r.unit.name;
      ul.appendChild(li);
    }
  }

  function renderUnits() {
    const tbody = $("units-table").tBodies[0];
    tbody.replaceChildren();
    for (const u of state.units) {
      const tr = document.createElement("tr");
      for (const v of [u.name, t("kind." + u.kind), u.edi_code || "", u.abbr || ""]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    if (!state.units.length) {
      const tr = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = 4; td.textContent = t("units.none"); tr.appendChild(td); tbody.appendChild(tr);
    }
    $("units-more").hidden = !state.cursor;
  }

  async function loadUnits(reset) {
    if (reset) { state.cursor = null; state.units = []; }
    const q = $("units-q").value.trim();
    const params = new URLSearchParams({ limit: "50" });
    if (q) params.set("q", q);
    if (state.cursor) params.set("cursor", state.cursor);
    const res = await api("GET", "/api/v1/units?" + params.toString());
    if (!res.ok) return;
    state.units = state.units.concat(res.data.items);
    state.cursor = res.data.next_cursor;
    renderUnits();
  }

  async function enter(me) {
    state.me = me;
    state.csrf = me.csrf || state.csrf;
    renderMe();
    show("home");
    if (me.kind !== "citizen") await loadUnits(true);
  }

  async function start() {
    applyLang();
    const res = await api("GET", "/api/v1/me");
    if (res.ok) await enter(res.data); else show("signin");
  }

  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const err = $("signin-error");
    err.hidden = true;
    const res = await api("POST", "/api/v1/session", { username: $("username").value, password: $("password").value });
    $("password").value = "";
    if (res.ok) { await enter(res.data); return; }
    err.textContent = (res.data && res.data.detail) || t("signin.failed");
    err.hidden = false;
  });
  $("signout").addEventListener("click", async () => {
    await api("DELETE", "/api/v1/session");
    state.me = null; state.csrf = null;
    show("signin");
  });
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "vi" ? "en" : "vi";
    localStorage.setItem("motcua.lang", state.lang);
    applyLang();
  });
  $("units-search").addEventListener("submit", (ev) => { ev.preventDefault(); loadUnits(true); });
  $("units-more").addEventListener("click", () => loadUnits(false));
  start();
})();
