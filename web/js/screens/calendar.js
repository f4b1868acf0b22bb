// calendar.js — public holidays and working days of a year (national or a province's), the decisions an
// administrator has entered (add, change, delete), and the deadline calculator of the legal clock.
import { state, t, el, api, problemText, hasRole, field, fmtDate, fmtDateTime, notice, showProblem, clearProblems } from "../core.js";

let root, entries = [], loads = 0;
const $q = (sel) => root.querySelector(sel);
const isAdmin = () => hasRole("admin");
const dayName = (d) => (state.lang === "en" ? d.name_en || d.name_vi : d.name_vi);
const scope = () => $q("#cal-scope").value;

function row(cells) { return el("tr", {}, cells.map((c) => el("td", {}, c))); }
function noneRow(n) { return el("tr", {}, el("td", { colspan: n, t: "cal.none" })); }

async function loadScopes() {
  const res = await api("GET", "/api/v1/units?kind=province&limit=200");
  if (!res.ok) return;
  for (const u of res.data.items) $q("#cal-scope").append(el("option", { value: u.id, text: u.name }));
}

async function loadCalendar() {
  const q = new URLSearchParams({ year: $q("#cal-year").value });
  if (scope()) q.set("province", scope());
  const res = await api("GET", "/api/v1/calendar/holidays?" + q);
  const tbody = $q("#cal-days tbody");
  tbody.replaceChildren();
  if (res.ok) {
    for (const d of res.data.days) {
      tbody.append(row([fmtDate(d.date), el("span", { t: "kindday." + d.kind }), dayName(d), d.source || ""]));
    }
    if (!res.data.days.length) tbody.append(noneRow(4));
  } else {
    tbody.append(el("tr", {}, el("td", { colspan: 4, class: "error", text: problemText(res) })));
  }
  $q("#cal-admin").hidden = !isAdmin();
  if (isAdmin()) await loadEntries();
  /* Both lists are drawn: count it, so that a test (or an assistive tool) can tell when a reload is complete. */
  document.body.dataset.calendarLoads = String(++loads);
}

async function loadEntries() {
  const q = new URLSearchParams({ year: $q("#cal-year").value });
  if (scope()) q.set("scope", scope());
  const res = await api("GET", "/api/v1/calendar/entries?" + q);
  const tbody = $q("#cal-entries tbody");
  tbody.replaceChildren();
  entries = res.ok ? res.data.items : [];
  for (const e of entries) {
    const edit = el("button", { type: "button", t: "cal.editrow", on: { click: () => {
      $q("#cal-f-date").value = e.date; $q("#cal-f-kind").value = e.kind; $q("#cal-f-name-vi").value = e.name_vi || "";
      $q("#cal-f-name-en").value = e.name_en || ""; $q("#cal-f-source").value = e.source || "";
      $q("#cal-f-date").focus();
    } } });
    const del = el("button", { type: "button", t: "cal.delete", on: { click: async () => {
      const q2 = scope() ? "?" + new URLSearchParams({ scope: scope() }) : "";
      const r = await api("DELETE", "/api/v1/calendar/entries/" + e.date + q2, undefined, { "If-Match": '"' + e.version + '"' });
      if (r.ok) { message("ok", "cal.deleted"); await loadCalendar(); }
      else message("error", null, problemText(r));
    } } });
    tbody.append(row([fmtDate(e.date), el("span", { t: "kindday." + e.kind }), dayName(e), e.source || "",
                      el("span", {}, [edit, " ", del])]));
  }
  if (!entries.length) tbody.append(noneRow(5));
}

function message(kind, key, text) {
  const ok = $q("#cal-ok"), err = $q("#cal-error");
  ok.hidden = err.hidden = true;
  const p = kind === "ok" ? ok : err;
  if (key) { p.dataset.t = key; p.textContent = t(key); } else { delete p.dataset.t; p.textContent = text; }
  p.hidden = false;
}

async function saveEntry(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const date = $q("#cal-f-date").value;
  const body = { kind: $q("#cal-f-kind").value, name_vi: $q("#cal-f-name-vi").value.trim() };
  if ($q("#cal-f-name-en").value.trim()) body.name_en = $q("#cal-f-name-en").value.trim();
  if ($q("#cal-f-source").value.trim()) body.source = $q("#cal-f-source").value.trim();
  const q = scope() ? "?" + new URLSearchParams({ scope: scope() }) : "";
  const existing = entries.find((e) => e.date === date);
  const headers = existing ? { "If-Match": '"' + existing.version + '"' } : {};
  const res = await api("PUT", "/api/v1/calendar/entries/" + date + q, body, headers);
  if (res.ok) {
    message("ok", "cal.saved");
    if (date.slice(0, 4) !== $q("#cal-year").value) $q("#cal-year").value = date.slice(0, 4);
    await loadCalendar();
  } else {
    $q("#cal-ok").hidden = true;
    showProblem(form, res);
  }
}

async function computeDue(ev) {
  ev.preventDefault();
  const q = new URLSearchParams({ from: $q("#due-from").value.slice(0, 16), rule: $q("#due-rule").value });
  if ($q("#due-rule").value !== "same_day") q.set("amount", $q("#due-amount").value);
  const res = await api("GET", "/api/v1/calendar/due?" + q);
  const out = $q("#due-result");
  if (res.ok) { out.dataset.due = res.data.due; out.textContent = t("due.result") + " " + fmtDateTime(res.data.due); }
  else out.textContent = problemText(res);
}

export async function render(section) {
  root = section;
  const year = String(new Date().getFullYear());
  const table = (id, heads) => el("table", { id }, [el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col", t: h })))), el("tbody")]);
  root.append(
    el("h2", { id: "calendar-title", t: "cal.title" }),
    el("form", { id: "cal-filter", class: "row", on: { submit: (ev) => { ev.preventDefault(); loadCalendar(); } } }, [
      field("cal-year", "cal.year", { type: "number", min: 1900, max: 2199, required: true, value: year }),
      field("cal-scope", "cal.scope", { options: [["", "cal.national"]] }, "select"),
      el("button", { type: "submit", t: "cal.show" }),
    ]),
    el("h3", { t: "cal.effective" }),
    table("cal-days", ["cal.date", "cal.kind", "cal.name", "cal.source"]),
    el("div", { id: "cal-admin", hidden: true }, [
      el("h3", { t: "cal.stored" }),
      table("cal-entries", ["cal.date", "cal.kind", "cal.name", "cal.source", "cal.actions"]),
      el("h3", { t: "cal.edit" }),
      el("form", { id: "cal-form", on: { submit: saveEntry } }, [
        field("cal-f-date", "cal.date", { type: "date", required: true, "data-field": "date" }),
        field("cal-f-kind", "cal.kind", { "data-field": "kind", options: [["day_off", "kindday.day_off"],
          ["extra_day_off", "kindday.extra_day_off"], ["working_day", "kindday.working_day"]] }, "select"),
        field("cal-f-name-vi", "cal.name_vi", { maxlength: 120, required: true, "data-field": "name_vi" }),
        field("cal-f-name-en", "cal.name_en", { maxlength: 120, "data-field": "name_en" }),
        field("cal-f-source", "cal.source", { maxlength: 120, "data-field": "source" }),
        el("button", { type: "submit", t: "cal.save" }),
        el("p", { class: "error", id: "cal-error", role: "alert", hidden: true }),
        el("p", { class: "ok", id: "cal-ok", role: "status", hidden: true }),
      ]),
    ]),
    el("h3", { t: "due.title" }),
    el("form", { id: "due-form", class: "row", on: { submit: computeDue } }, [
      field("due-from", "due.from", { type: "datetime-local", required: true }),
      field("due-rule", "due.rule", { options: [["days", "due.days"], ["hours", "due.hours"], ["same_day", "due.same_day"]] }, "select"),
      field("due-amount", "due.amount", { type: "number", min: 0.25, step: 0.25, value: 1 }),
      el("button", { type: "submit", t: "due.compute" }),
      el("p", { id: "due-result", role: "status" }),
    ]));
  await loadScopes();
  await loadCalendar();
}

export async function onLang() { await loadCalendar(); }
