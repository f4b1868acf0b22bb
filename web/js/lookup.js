// lookup.js — the public lookup page (no sign-in): the code comes from the receipt's QR (?code=), the phone from
// the applicant; GET /api/v1/public/lookup answers the status, the appointment and the steps done.
import { state, t, bi, $, api, problemText, loadCatalog, setLang, fmtDateTime } from "./core.js";

let last = null;

function render(d) {
  $("lookup-status").textContent = bi(d.status_name);
  $("lookup-text").textContent = bi(d.status_text);
  $("lookup-procedure").textContent = d.procedure.code + " — " + d.procedure.name;
  $("lookup-unit").textContent = d.unit || "—";
  $("lookup-received").textContent = fmtDateTime(d.received_at);
  $("lookup-due").textContent = fmtDateTime(d.due_at);
  $("lookup-steps").replaceChildren(...(d.steps || []).map((s) => {
    const li = document.createElement("li");
    li.textContent = fmtDateTime(s.at) + " — " + (s.step_name || s.action);
    return li;
  }));
  $("lookup-result").hidden = false;
}

async function lookup(ev) {
  ev.preventDefault();
  const err = $("lookup-error");
  err.hidden = true;
  const q = new URLSearchParams({ code: $("lookup-code").value.trim(), phone: $("lookup-phone").value.trim() });
  const res = await api("GET", "/api/v1/public/lookup?" + q);
  if (!res.ok) {
    last = null;
    $("lookup-result").hidden = true;
    err.textContent = res.data && (res.data.messages || res.data.detail) ? problemText(res) : t("lookup.notfound");
    err.hidden = false;
    return;
  }
  last = res.data;
  render(last);
}

// ---- the verification of a signed result's copy (POST /api/v1/lookup/verify, the PDF as the body) ----

let verified = null;

function checkText(s) {
  const mark = (ok) => (ok === null ? t("verify.unchecked") : ok ? t("verify.yes") : t("verify.no"));
  return [t("verify.check.range") + ": " + mark(s.checks.byte_range), t("verify.check.digest") + ": " + mark(s.checks.digest),
          t("verify.check.chain") + ": " + mark(s.checks.chain), t("verify.check.end") + ": " + mark(s.checks.covers_end)].join("; ");
}

function renderVerify(d) {
  const v = $("verify-verdict");
  v.textContent = (d.valid ? t("verify.valid") : t("verify.invalid")) + " — " + bi(d.verdict);
  v.className = d.valid ? "ok" : "error";
  $("verify-issued").textContent = bi(d.issued);
  $("verify-signatures").replaceChildren(...d.signatures.map((s) => {
    const tr = document.createElement("tr");
    for (const text of [s.signer || "—", s.subject || "—", s.signing_time ? fmtDateTime(s.signing_time) : "—",
                        bi(s.status_text), checkText(s)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  $("verify-result").hidden = false;
}

async function verify(ev) {
  ev.preventDefault();
  const err = $("verify-error");
  err.hidden = true;
  const file = $("verify-file").files[0];
  if (!file) return;
  const res = await api("POST", "/api/v1/lookup/verify", file, { "Content-Type": "application/pdf" });
  if (!res.ok) {
    verified = null;
    $("verify-result").hidden = true;
    err.textContent = problemText(res);
    err.hidden = false;
    return;
  }
  verified = res.data;
  renderVerify(verified);
}

await loadCatalog("vi");
await setLang(state.lang);
document.title = t("lookup.title") + " — motcua";
const code = new URLSearchParams(location.search).get("code");
if (code) $("lookup-code").value = code.slice(0, 47);
$("lookup-form").addEventListener("submit", lookup);
$("verify-form").addEventListener("submit", verify);
$("lang").addEventListener("click", async () => {
  await setLang(state.lang === "vi" ? "en" : "vi");
  document.title = t("lookup.title") + " — motcua";
  if (last) render(last);
  if (verified) renderVerify(verified);
});
(code ? $("lookup-phone") : $("lookup-code")).focus();
document.body.dataset.ready = "1";
loadCatalog(state.lang === "vi" ? "en" : "vi");   // the switch then answers at once
