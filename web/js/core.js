// core.js — what every screen of the motcua web UI shares: the message catalogs, the JSON API client, DOM
// building, dates in Vietnam time, problem+json messages next to their fields, and paginated tables.
//
// Rules every screen follows:
// - Text goes into the page only through textContent or attributes (never innerHTML): data from the server can
//   never become markup, and the CSP (script-src 'self') stays strict.
// - Every visible text is a key of web/i18n/vi.json and en.json: el(..., {t: "key"}) sets data-t, and a language
//   switch re-translates every data-t / data-tp (placeholder) / data-ta (aria-label) in the page, then tells the
//   screen (onLang) so that it can redraw what it formatted itself.
// - The session is an HttpOnly cookie; the CSRF token comes in the sign-in and /api/v1/me bodies and goes out as
//   X-CSRF-Token on every state-changing request.

export const state = { lang: localStorage.getItem("motcua.lang") === "en" ? "en" : "vi", csrf: null, me: null };
const catalogs = {};

export async function loadCatalog(lang) {
  if (!catalogs[lang]) {
    const res = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
    catalogs[lang] = res.ok ? await res.json() : {};
  }
  return catalogs[lang];
}

// The text of a key in the current language; {name} placeholders are filled from args.
// A key missing from the current catalog is recorded in window.motcuaMissing (the browser tests fail on any).
export function t(key, args) {
  let s = (catalogs[state.lang] || {})[key];
  if (s === undefined && catalogs[state.lang]) (window.motcuaMissing = window.motcuaMissing || new Set()).add(state.lang + ":" + key);
  if (s === undefined) s = (catalogs.vi || {})[key];
  if (s === undefined) return key;
  if (args) s = s.replace(/\{(\w+)\}/g, (m, k) => (args[k] === undefined ? m : String(args[k])));
  return s;
}

// Whether the current catalog has a text for key (for keys built from the server's data, which may be new).
export const hasText = (key) => key in (catalogs[state.lang] || {});

// A value the server gives in both languages ({vi, en}).
export const bi = (v) => (v ? v[state.lang] || v.vi || "" : "");

export function translate(root = document) {
  document.documentElement.lang = state.lang;
  root.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t(e.dataset.t, e._targs); });
  root.querySelectorAll("[data-tp]").forEach((e) => { e.placeholder = t(e.dataset.tp); });
  root.querySelectorAll("[data-ta]").forEach((e) => { e.setAttribute("aria-label", t(e.dataset.ta)); });
  root.querySelectorAll("[data-tt]").forEach((e) => { e.title = t(e.dataset.tt); });
}

export async function setLang(lang) {
  state.lang = lang === "en" ? "en" : "vi";
  localStorage.setItem("motcua.lang", state.lang);
  await loadCatalog(state.lang);
  translate();
}

// ---- the API ----

// fetch a JSON endpoint: {ok, status, data, headers}. A network failure is status 0 with a translated detail.
export async function api(method, path, body, extra) {
  const headers = Object.assign({ "Accept": "application/json", "Accept-Language": state.lang }, extra || {});
  let payload;
  if (body instanceof Blob || body instanceof ArrayBuffer) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  if (method !== "GET" && method !== "HEAD" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: payload });
  } catch (e) {
    return { ok: false, status: 0, data: { detail: t("error.network") }, headers: new Headers() };
  }
  let data = null;
  if (res.status !== 204 && res.status !== 304) { try { data = await res.json(); } catch (e) { data = null; } }
  if (res.status === 401 && state.me && path !== "/api/v1/session") {
    window.dispatchEvent(new CustomEvent("motcua:signedout"));
  }
  return { ok: res.ok, status: res.status, data, headers: res.headers };
}

// The text of a problem answer in the current language.
export function problemText(res) {
  const d = res && res.data;
  if (d && d.messages && d.messages[state.lang]) return d.messages[state.lang];
  if (d && d.detail) return d.detail;
  return t(res && res.status === 0 ? "error.network" : "error.generic");
}

// Upload bytes with progress (fetch has no upload progress): resolves like api().
export function upload(path, file, onProgress) {
  return new Promise((resolve) => {
    const x = new XMLHttpRequest();
    x.open("POST", path);
    x.setRequestHeader("Accept", "application/json");
    x.setRequestHeader("Accept-Language", state.lang);
    x.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    if (state.csrf) x.setRequestHeader("X-CSRF-Token", state.csrf);
    x.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { data = null; }
      resolve({ ok: x.status >= 200 && x.status < 300, status: x.status, data });
    };
    x.onerror = () => resolve({ ok: false, status: 0, data: { detail: t("error.network") } });
    x.send(file);
  });
}

// ---- DOM ----

// el("input", {id: "x", t: "key", tp: "placeholder key", ta: "aria key", on: {click: f}, ...attrs}, children)
export function el(tag, props, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "t") { e.dataset.t = v; e.textContent = t(v, props.targs); }
    else if (k === "targs") e._targs = v;
    else if (k === "tp") { e.dataset.tp = v; e.placeholder = t(v); }
    else if (k === "ta") { e.dataset.ta = v; e.setAttribute("aria-label", t(v)); }
    else if (k === "tt") { e.dataset.tt = v; e.title = t(v); }
    else if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "value" || k === "checked" || k === "hidden" || k === "disabled" || k === "selected") e[k] = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of [].concat(children === undefined ? [] : children)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export const $ = (id) => document.getElementById(id);

// A labelled field: <label for=id>text</label><input id=id name=name>, and a slot for its error message (linked by
// aria-describedby). kind: "input" (default), "select", "textarea"; opts.options for a select: [[value, key]].
export function field(id, labelKey, attrs = {}, kind = "input") {
  const errId = id + "-err";
  const { options, ...rest } = attrs;
  const ctl = el(kind, Object.assign({ id, name: attrs.name || id, "aria-describedby": errId }, rest));
  for (const [v, k, raw] of options || []) ctl.append(el("option", raw ? { value: v, text: k } : { value: v, t: k }));
  const wrap = el("div", { class: "field" }, [
    el("label", { for: id, t: labelKey }),
    ctl,
    el("p", { class: "field-error", id: errId, role: "alert", hidden: true }),
  ]);
  wrap.control = ctl;
  return wrap;
}

// Show a problem answer next to the field it names (data-field on a control, or its name), or in the form's
// message slot; returns the element that shows it. Clears earlier messages first.
export function showProblem(form, res, fieldMap) {
  clearProblems(form);
  const name = res.data && res.data.field;
  const text = problemText(res);
  let ctl = null;
  if (name) {
    const target = (fieldMap && fieldMap[name]) || name;
    ctl = form.querySelector(`[data-field="${CSS.escape(target)}"]`) || form.querySelector(`[name="${CSS.escape(target)}"]`);
  }
  if (ctl) {
    ctl.setAttribute("aria-invalid", "true");
    const slot = document.getElementById(ctl.getAttribute("aria-describedby") || "");
    if (slot) { slot.textContent = text; slot.hidden = false; ctl.focus(); return slot; }
  }
  const msg = form.querySelector(".form-error") || form.appendChild(el("p", { class: "form-error error", role: "alert" }));
  msg.textContent = text;
  msg.hidden = false;
  return msg;
}

export function clearProblems(form) {
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  form.querySelectorAll(".field-error, .form-error").forEach((e) => { e.hidden = true; e.textContent = ""; });
}

// A status line (role=status) that says what just happened.
export function notice(parent, key, args, kind = "ok") {
  let p = parent.querySelector(":scope > .notice");
  if (!p) { p = el("p", { class: "notice", role: "status" }); parent.prepend(p); }
  p.className = "notice " + kind;
  p.dataset.t = key;
  p._targs = args;
  p.textContent = t(key, args);
  p.hidden = false;
  return p;
}

// ---- dates and times: dd/mm/yyyy and HH:mm in Vietnam time, whatever the browser's zone ----

const TZ = "Asia/Ho_Chi_Minh";
const dfmt = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric" });
const tfmt = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

// A date or date-time without a zone is already Vietnam wall time (the calendar's answers): shown as written.
const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$/;

export function fmtDate(v) {
  if (!v) return "—";
  const m = WALL.exec(v);
  if (m) return m[3] + "/" + m[2] + "/" + m[1];
  const d = new Date(v);
  return isNaN(d) ? String(v) : dfmt.format(d);
}

export function fmtTime(v) {
  if (!v) return "—";
  const m = WALL.exec(v);
  if (m) return m[4] ? m[4] + ":" + m[5] : "";
  const d = new Date(v);
  return isNaN(d) ? String(v) : tfmt.format(d);
}

// A number in the current language's digits grouping (1.234 / 1,234).
export const fmtNum = (n) => Number(n).toLocaleString(state.lang === "en" ? "en-GB" : "vi-VN");

// Today's date in Vietnam (YYYY-MM-DD), whatever the browser's zone.
export const todayVn = (now = Date.now()) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(now);

export const fmtDateTime = (v) => (v ? fmtDate(v) + " " + fmtTime(v) : "—");

// How a due instant stands now: "overdue", "soon" (within a day), "ok"; null without one.
export function dueState(due, now = Date.now()) {
  if (!due) return null;
  const ms = new Date(due).getTime() - now;
  return ms < 0 ? "overdue" : ms < 24 * 3600 * 1000 ? "soon" : "ok";
}

export function dueBadge(due) {
  const s = dueState(due);
  if (!s) return el("span", { text: "—" });
  return el("span", { class: "badge due-" + s, dataset: { due: s } }, [
    el("span", { class: "sr-only", t: "due." + s }), fmtDateTime(due),
  ]);
}

// ---- paginated, searchable, sortable tables over a list endpoint ({items, total, next_cursor}) ----
//
// listTable({id, path, params(), columns: [{key, head, cell(item) -> Node|string, sort?: (a, b) => n}],
//            empty, limit, onRow?(item), keep?(item)}) returns {root, reload()}. "More" fetches the next page with
// the cursor; sorting orders the rows loaded so far (the API gives them newest first). keep() narrows the rows to a
// part of what the API filters (the leader's approvals: processing dossiers at a leader step); the total is then
// the count of the rows kept so far, not the API's.
export function listTable(o) {
  const limit = o.limit || 50;
  let items = [], cursor = null, sortBy = null, sortDir = 1, loads = 0;
  const tbody = el("tbody");
  const total = el("p", { class: "list-total", role: "status" });
  const more = el("button", { type: "button", class: "more", t: "list.more", hidden: true, on: { click: () => load(false) } });
  const heads = o.columns.map((c) => {
    const th = el("th", { scope: "col" });
    if (c.sort) {
      const b = el("button", { type: "button", class: "sort", t: c.head, on: { click: () => {
        sortDir = sortBy === c ? -sortDir : 1; sortBy = c; draw();
      } } });
      th.append(b);
    } else th.append(el("span", { t: c.head }));
    c.th = th;
    return th;
  });
  const table = el("table", { id: o.id, class: "list" }, [el("thead", {}, el("tr", {}, heads)), tbody]);
  const root = el("div", { class: "list-wrap" }, [total, el("div", { class: "table-scroll" }, table), more]);

  function draw() {
    const rows = items.slice();
    if (sortBy) rows.sort((a, b) => sortDir * sortBy.sort(a, b));
    for (const c of o.columns) {
      if (c.sort) c.th.setAttribute("aria-sort", sortBy === c ? (sortDir > 0 ? "ascending" : "descending") : "none");
    }
    tbody.replaceChildren();
    for (const it of rows) {
      const tr = el("tr", {}, o.columns.map((c) => el("td", { dataset: { col: c.key } }, c.cell(it))));
      tbody.append(tr);
    }
    if (!rows.length) tbody.append(el("tr", {}, el("td", { colspan: o.columns.length, t: o.empty || "list.none" })));
    more.hidden = !cursor;
  }

  async function load(reset) {
    if (reset) { items = []; cursor = null; }
    const q = new URLSearchParams(Object.assign({ limit: String(limit) }, o.params ? o.params() : {}));
    for (const [k, v] of [...q.entries()]) if (v === "" || v === undefined) q.delete(k);
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", o.path + "?" + q.toString());
    if (!res.ok) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: o.columns.length, class: "error", text: problemText(res) })));
      more.hidden = true;
      return res;
    }
    items = items.concat(o.keep ? res.data.items.filter(o.keep) : res.data.items);
    cursor = res.data.next_cursor || null;
    const n = o.keep ? items.length : res.data.total;
    if (typeof n === "number") {
      // Dossier lists count up to 1,000 only (total_capped): then the line says "more than 1,000".
      const key = !o.keep && res.data.total_capped ? "list.total_capped" : "list.total";
      total.dataset.t = key;
      total._targs = { n: fmtNum(n) };
      total.textContent = t(key, total._targs);
    }
    draw();
    table.dataset.loads = String(++loads);   // tests and assistive tools can tell a reload finished
    return res;
  }

  return { root, table, reload: () => load(true), redraw: draw, items: () => items };
}

// A search box over a list: <form role=search><label>..</label><input type=search><button></form>.
export function searchBox(id, labelKey, onSearch) {
  const input = el("input", { id, type: "search", maxlength: 100, tp: "search.hint" });
  const form = el("form", { role: "search", class: "search", on: { submit: (ev) => { ev.preventDefault(); onSearch(input.value.trim()); } } }, [
    el("label", { for: id, t: labelKey }), input, el("button", { type: "submit", t: "search.find" }),
  ]);
  form.input = input;
  return form;
}

// ---- who may do what (from /api/v1/me's roles) ----

export const roles = () => (state.me && state.me.roles ? state.me.roles.map((r) => r.role) : []);
export const hasRole = (...want) => roles().some((r) => want.includes(r));
export const isCitizen = () => !!(state.me && state.me.kind === "citizen");

// Move the focus to a screen's heading after navigation, so keyboard and screen-reader users start there.
export function focusHeading(root) {
  const h = root.querySelector("h2");
  if (h) { h.tabIndex = -1; h.focus({ preventScroll: false }); }
}

// A modal form dialog (<dialog> + <form>): a title followed by a slot for what it is about (a dossier's code), an
// optional hint, the fields, a submit and a cancel button. openFor(label, opener, init) clears earlier messages,
// resets the form, lets init(form) set defaults, shows it modally and focuses its first control; when it closes,
// the focus goes back to the control that opened it. onSubmit(form, dialog) runs on submit (the caller closes the
// dialog when the API accepted).
export function formDialog({ id, title, hint, fields, submit, cancel, onSubmit }) {
  let opener = null;
  const about = el("span", { id: id + "-code" });
  const form = el("form", { method: "dialog", on: { submit: (ev) => { ev.preventDefault(); clearProblems(form); onSubmit(form, dlg); } } }, [
    el("h3", { id: id + "-title" }, [el("span", { t: title }), " ", about]),
    hint ? el("p", { t: hint }) : null,
    ...fields,
    el("div", { class: "actions" }, [
      el("button", { type: "submit", id: id + "-submit", t: submit }),
      el("button", { type: "button", t: cancel, on: { click: () => dlg.close() } }),
    ]),
  ]);
  const dlg = el("dialog", { id, "aria-labelledby": id + "-title",
                             on: { close: () => { if (opener && opener.isConnected) opener.focus(); } } }, form);
  dlg.openFor = (label, from, init) => {
    opener = from;
    clearProblems(form);
    form.reset();
    if (init) init(form);
    about.textContent = label;
    dlg.showModal();
    const first = form.querySelector("input, textarea, select");
    if (first) first.focus();
  };
  return dlg;
}
