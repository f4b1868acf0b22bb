// admin_portal.js — the National Public Service Portal connector for administrators (docs/portal.md): the outbox
// and the Decree 63/2024 art. 7 deadlines, the dead letters with a replay button each, and the daily
// reconciliation: pick a day, run it, and re-push any dossier it lists with one button. Every action is a real
// <button>, so the screen works from the keyboard; what happened is announced in a role=status line.
import { t, el, api, field, notice, showProblem, clearProblems, fmtDateTime, fmtNum, todayVn } from "../core.js";
import { adminNav } from "./admin_common.js";

let root;
const $q = (sel) => root.querySelector(sel);

function dl(rows) {
  return el("dl", { class: "facts" }, rows.flatMap(([key, value, id]) => [el("dt", { t: key }), el("dd", { id, text: value })]));
}

async function drawStatus() {
  const box = $q("#portal-status");
  box.replaceChildren();
  const res = await api("GET", "/api/v1/portal/status");
  if (!res.ok) { showProblem(box, res); return; }
  const s = res.data;
  box.append(dl([
    ["portal.enabled", t(s.enabled ? "portal.yes" : "portal.no"), "portal-enabled"],
    ["portal.depth", fmtNum(s.outbox_depth), "portal-depth"],
    ["portal.oldest", fmtNum(s.oldest_unacked_seconds), "portal-oldest"],
    ["portal.deadline", t(s.deadline_status === "ok" ? "portal.deadline_ok" : "portal.deadline_missed", {
      push: s.deadline_missed_push, ack: s.deadline_missed_ack }), "portal-deadline"],
    ["portal.dead", fmtNum(s.dead_letters), "portal-dead-count"],
  ]));
  root.dataset.depth = String(s.outbox_depth);
}

async function drawDead() {
  const box = $q("#portal-dead");
  box.replaceChildren();
  const res = await api("GET", "/api/v1/portal/dead-letters");
  if (!res.ok) { showProblem(box, res); return; }
  if (!res.data.items.length) { box.append(el("p", { t: "portal.dead_none" })); return; }
  box.append(el("table", {}, [
    el("thead", {}, el("tr", {}, ["portal.col.code", "portal.col.reason", "portal.col.attempts", "portal.col.dead_at", "portal.col.action"]
      .map((k) => el("th", { scope: "col", t: k })))),
    el("tbody", {}, res.data.items.map((d) => el("tr", {}, [
      el("td", { text: d.dossier_code }),
      el("td", { text: d.reason }),
      el("td", { text: fmtNum(d.attempts) }),
      el("td", { text: fmtDateTime(d.dead_at) }),
      el("td", {}, el("button", { type: "button", class: "portal-replay", t: "portal.replay", targs: { code: d.dossier_code },
        "aria-label": t("portal.replay_label", { code: d.dossier_code }), on: { click: () => replay(d) } })),
    ]))),
  ]));
}

async function replay(d) {
  const box = $q("#portal-dead");
  const res = await api("POST", "/api/v1/portal/dead-letters/" + encodeURIComponent(d.id) + "/replay");
  if (!res.ok) { showProblem(box, res); return; }
  await drawDead();
  await drawStatus();
  notice($q("#portal-dead-section"), "portal.replayed", { code: d.dossier_code });
}

function drawRun(run) {
  const box = $q("#portal-run");
  box.replaceChildren();
  if (!run) { box.append(el("p", { t: "portal.run_none" })); return; }
  box.append(dl([
    ["portal.run_date", run.date, "portal-run-date"],
    ["portal.run_counts", t("portal.run_counts_text", { local: run.local_count, portal: run.portal_count, synced: run.synced_count }), "portal-run-counts"],
    ["portal.run_ratio", run.sync_ratio === null ? "—" : (run.sync_ratio * 100).toFixed(1) + " %", "portal-run-ratio"],
    ["portal.run_diffs", fmtNum(run.differences), "portal-run-diffs"],
  ]));
  root.dataset.differences = String(run.differences);
  if (!run.items.length) return;
  box.append(el("table", { id: "portal-diffs" }, [
    el("thead", {}, el("tr", {}, ["portal.col.code", "portal.col.kind", "portal.col.field", "portal.col.local", "portal.col.portal", "portal.col.action"]
      .map((k) => el("th", { scope: "col", t: k })))),
    el("tbody", {}, run.items.map((x) => el("tr", {}, [
      el("td", { text: x.dossier_code }),
      el("td", { t: "portal.kind." + x.kind }),
      el("td", { text: x.field }),
      el("td", { text: x.local_value || "—" }),
      el("td", { text: x.portal_value || "—" }),
      el("td", {}, x.dossier_id
        ? el("button", { type: "button", class: "portal-repush", t: x.repushed_at ? "portal.repushed" : "portal.repush",
          "aria-label": t("portal.repush_label", { code: x.dossier_code }), disabled: !!x.repushed_at,
          on: { click: (ev) => repush(x, ev.target) } })
        : el("span", { t: "portal.extra_hint" })),
    ]))),
  ]));
}

async function repush(x, button) {
  const res = await api("POST", "/api/v1/portal/repush", { dossier_id: x.dossier_id });
  if (!res.ok) { showProblem($q("#portal-recon"), res); return; }
  button.disabled = true;
  button.dataset.t = "portal.repushed";
  button.textContent = t("portal.repushed");
  notice($q("#portal-recon-section"), "portal.repush_done", { code: x.dossier_code });
  await drawStatus();
}

async function reconcile(ev) {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form);
  const res = await api("POST", "/api/v1/portal/reconciliations", { date: $q("#portal-date").value });
  if (!res.ok) { showProblem(form, res); return; }
  drawRun(res.data);
  notice($q("#portal-recon-section"), "portal.reconciled", { n: res.data.differences });
}

export async function render(section) {
  root = section;
  root.append(
    el("h2", { id: "admin-portal-title", t: "portal.title" }),
    adminNav("admin-portal") || "",
    el("p", { t: "portal.intro" }),
    el("section", { "aria-labelledby": "portal-status-h" }, [
      el("h3", { id: "portal-status-h", t: "portal.status" }),
      el("div", { id: "portal-status" }),
    ]),
    el("section", { id: "portal-dead-section", "aria-labelledby": "portal-dead-h" }, [
      el("h3", { id: "portal-dead-h", t: "portal.dead_title" }),
      el("div", { id: "portal-dead" }),
    ]),
    el("section", { id: "portal-recon-section", "aria-labelledby": "portal-recon-h" }, [
      el("h3", { id: "portal-recon-h", t: "portal.recon_title" }),
      el("form", { id: "portal-recon", class: "row", on: { submit: reconcile } }, [
        field("portal-date", "portal.date", { type: "date", required: true, value: todayVn(), "data-field": "date", name: "date" }),
        el("button", { type: "submit", t: "portal.reconcile" }),
      ]),
      el("div", { id: "portal-run" }),
    ]));
  await drawStatus();
  await drawDead();
  const latest = await api("GET", "/api/v1/portal/reconciliations/latest");
  drawRun(latest.ok ? latest.data : null);
  root.dataset.loaded = "1";
}

export async function onLang() {
  await drawStatus();
  await drawDead();
  const latest = await api("GET", "/api/v1/portal/reconciliations/latest");
  drawRun(latest.ok ? latest.data : null);
}
