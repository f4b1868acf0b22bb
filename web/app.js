/* app.js — the motcua web UI: sign-in, who am I, the units in my scope, holidays and working days (administrators
 * edit each year's decisions), and the deadline calculator of the legal clock.
 *
 * The session lives in an HttpOnly cookie the script cannot read; the CSRF token comes back in the sign-in and
 * /api/v1/me bodies and is sent as X-CSRF-Token on every state-changing request. Text goes into the page only
 * through textContent (never innerHTML), so data from the server cannot become markup. */
"use strict";
(function () {
  const state = { lang: localStorage.getItem("motcua.lang") || "vi", csrf: null, me: null, cursor: null, units: [],
                  entries: [] };
  const $ = (id) => document.getElementById(id);
  const t = (key) => (window.MOTCUA_I18N[state.lang] || {})[key] || key;

  function applyLang() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
    if (state.me) { renderMe(); renderUnits(); }
    if (!$("calendar-view").hidden) loadCalendar();
  }

  async function api(method, path, body, extra) {
    const headers = Object.assign({ "Accept": "application/json", "Accept-Language": state.lang }, extra || {});
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
    $("calendar-view").hidden = view !== "calendar";
    const signedIn = view !== "signin";
    $("signout").hidden = !signedIn;
    $("nav-home").hidden = !signedIn;
    $("nav-calendar").hidden = !signedIn;
  }

  /* ---- holidays and working days ---- */

  const isAdmin = () => !!(state.me && state.me.roles.some((r) => r.role === "admin"));

  function cell(tr, text) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function dayName(d) { return state.lang === "en" ? (d.name_en || d.name_vi) : d.name_vi; }

  function calMessage(id, text) {
    for (const k of ["cal-error", "cal-ok"]) $(k).hidden = true;
    if (!text) return;
    $(id).textContent = text;
    $(id).hidden = false;
  }

  async function loadScopes() {
    const sel = $("cal-scope");
    if (sel.options.length > 1 || !state.me || state.me.kind === "citizen") return;
    const res = await api("GET", "/api/v1/units?kind=province&limit=200");
    if (!res.ok) return;
    for (const u of res.data.items) {
      const o = document.createElement("option");
      o.value = u.id;
      o.textContent = u.name;
      sel.appendChild(o);
    }
  }

  async function loadCalendar() {
    const year = $("cal-year").value, scope = $("cal-scope").value;
    const q = new URLSearchParams({ year });
    if (scope) q.set("province", scope);
    const res = await api("GET", "/api/v1/calendar/holidays?" + q.toString());
    const tbody = $("cal-days").tBodies[0];
    tbody.replaceChildren();
    if (res.ok) {
      for (const d of res.data.days) {
        const tr = document.createElement("tr");
        cell(tr, d.date); cell(tr, t("kindday." + d.kind)); cell(tr, dayName(d)); cell(tr, d.source || "");
        tbody.appendChild(tr);
      }
      if (!res.data.days.length) { const tr = document.createElement("tr"); cell(tr, t("cal.none")).colSpan = 4; tbody.appendChild(tr); }
    } else {
      const tr = document.createElement("tr");
      cell(tr, (res.data && res.data.detail) || t("error.network")).colSpan = 4;
      tbody.appendChild(tr);
    }
    $("cal-admin").hidden = !isAdmin();
    if (isAdmin()) await loadEntries();
    /* Both lists are drawn: count it, so that a test (or an assistive tool) can tell when a reload is complete. */
    document.body.dataset.calendarLoads = String((Number(document.body.dataset.calendarLoads) || 0) + 1);
  }

  async function loadEntries() {
    const q = new URLSearchParams({ year: $("cal-year").value });
    if ($("cal-scope").value) q.set("scope", $("cal-scope").value);
    const res = await api("GET", "/api/v1/calendar/entries?" + q.toString());
    const tbody = $("cal-entries").tBodies[0];
    tbody.replaceChildren();
    state.entries = res.ok ? res.data.items : [];
    for (const e of state.entries) {
      const tr = document.createElement("tr");
      cell(tr, e.date); cell(tr, t("kindday." + e.kind)); cell(tr, dayName(e)); cell(tr, e.source || "");
      const td = cell(tr, "");
      const edit = document.createElement("button");
      edit.type = "button"; edit.textContent = t("cal.editrow");
      edit.addEventListener("click", () => {
        $("cal-f-date").value = e.date; $("cal-f-kind").value = e.kind; $("cal-f-name-vi").value = e.name_vi || "";
        $("cal-f-name-en").value = e.name_en || ""; $("cal-f-source").value = e.source || "";
      });
      const del = document.createElement("button");
      del.type = "button"; del.textContent = t("cal.delete");
      del.addEventListener("click", async () => {
        const q2 = new URLSearchParams();
        if ($("cal-scope").value) q2.set("scope", $("cal-scope").value);
        const r = await api("DELETE", "/api/v1/calendar/entries/" + e.date + (q2.toString() ? "?" + q2 : ""), undefined,
                            { "If-Match": '"' + e.version + '"' });
        if (r.ok) { calMessage("cal-ok", t("cal.deleted")); await loadCalendar(); }
        else calMessage("cal-error", (r.data && r.data.detail) || t("error.network"));
      });
      td.append(edit, " ", del);
      tbody.appendChild(tr);
    }
    if (!state.entries.length) { const tr = document.createElement("tr"); cell(tr, t("cal.none")).colSpan = 5; tbody.appendChild(tr); }
  }

  async function saveEntry(ev) {
    ev.preventDefault();
    const date = $("cal-f-date").value;
    const body = { kind: $("cal-f-kind").value, name_vi: $("cal-f-name-vi").value.trim() };
    if ($("cal-f-name-en").value.trim()) body.name_en = $("cal-f-name-en").value.trim();
    if ($("cal-f-source").value.trim()) body.source = $("cal-f-source").value.trim();
    const q = new URLSearchParams();
    if ($("cal-scope").value) q.set("scope", $("cal-scope").value);
    const existing = (state.entries || []).find((e) => e.date === date);
    const headers = existing ? { "If-Match": '"' + existing.version + '"' } : {};
    const res = await api("PUT", "/api/v1/calendar/entries/" + date + (q.toString() ? "?" + q : ""), body, headers);
    if (res.ok) {
      calMessage("cal-ok", t("cal.saved"));
      if (date.slice(0, 4) !== $("cal-year").value) $("cal-year").value = date.slice(0, 4);
      await loadCalendar();
    } else {
      calMessage("cal-error", (res.data && res.data.detail) || t("error.network"));
    }
  }

  async function computeDue(ev) {
    ev.preventDefault();
    const q = new URLSearchParams({ from: $("due-from").value.slice(0, 16), rule: $("due-rule").value });
    if ($("due-rule").value !== "same_day") q.set("amount", $("due-amount").value);
    const res = await api("GET", "/api/v1/calendar/due?" + q.toString());
    $("due-result").textContent = res.ok ? t("due.result") + " " + res.data.due.replace("T", " ")
                                         : (res.data && res.data.detail) || t("error.network");
  }

  async function openCalendar() {
    show("calendar");
    if (!$("cal-year").value) $("cal-year").value = String(new Date().getFullYear());
    await loadScopes();
    await loadCalendar();
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
  $("nav-home").addEventListener("click", () => show("home"));
  $("nav-calendar").addEventListener("click", openCalendar);
  $("cal-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadCalendar(); });
  $("cal-form").addEventListener("submit", saveEntry);
  $("due-form").addEventListener("submit", computeDue);
  start();
})();
