/* lookup.js — the public lookup page (no sign-in): the code comes from the receipt's QR (?code=), the phone from
 * the applicant; GET /api/v1/public/lookup answers the status, the appointment and the steps done. */
"use strict";
(function () {
  const T = window.MOTCUA_I18N;
  let lang = localStorage.getItem("motcua.lang") === "en" ? "en" : "vi";
  let last = null;
  const $ = (id) => document.getElementById(id);
  const t = (k) => (T[lang] && T[lang][k]) || T.vi[k] || k;

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    document.title = t("lookup.title") + " — motcua";
    if (last) render(last);
  }

  function when(iso) { return iso ? iso.replace("T", " ").slice(0, 16) : "—"; }

  function render(d) {
    $("lookup-status").textContent = d.status_name[lang];
    $("lookup-text").textContent = d.status_text[lang];
    $("lookup-procedure").textContent = d.procedure.code + " — " + d.procedure.name;
    $("lookup-unit").textContent = d.unit || "—";
    $("lookup-received").textContent = when(d.received_at);
    $("lookup-due").textContent = when(d.due_at);
    const ol = $("lookup-steps");
    ol.replaceChildren();
    for (const s of d.steps || []) {
      const li = document.createElement("li");
      li.textContent = when(s.at) + " — " + (s.step_name || s.action);
      ol.appendChild(li);
    }
    $("lookup-result").hidden = false;
  }

  async function lookup(ev) {
    ev.preventDefault();
    const err = $("lookup-error");
    err.hidden = true;
    const q = new URLSearchParams({ code: $("lookup-code").value.trim(), phone: $("lookup-phone").value.trim() });
    let res;
    try {
      res = await fetch("/api/v1/public/lookup?" + q, { headers: { "Accept-Language": lang } });
    } catch (e) {
      err.textContent = t("error.network");
      err.hidden = false;
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      last = null;
      $("lookup-result").hidden = true;
      err.textContent = (body.messages && body.messages[lang]) || body.detail || t("lookup.notfound");
      err.hidden = false;
      return;
    }
    last = body;
    render(body);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const code = new URLSearchParams(location.search).get("code");
    if (code) $("lookup-code").value = code.slice(0, 47);
    $("lookup-form").addEventListener("submit", lookup);
    $("lang").addEventListener("click", () => {
      lang = lang === "vi" ? "en" : "vi";
      localStorage.setItem("motcua.lang", lang);
      applyLang();
    });
    applyLang();
    (code ? $("lookup-phone") : $("lookup-code")).focus();
  });
})();
