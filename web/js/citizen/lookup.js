// lookup.js — look a dossier up by its code and the applicant's phone (GET /api/v1/public/lookup, no sign-in), as
// web/lookup.html does, then rate it and file a complaint through the public endpoints with the same phone.
import { el, api, field, showProblem, clearProblems } from "../core.js";
import { publicPanel } from "./public.js";

export async function render(root, args, ctx) {
  const code = field("lk-code", "citizen.code", { name: "code", required: true, maxlength: 47, autocomplete: "off",
                                                  autocapitalize: "characters", value: args[0] || "" });
  const phone = field("lk-phone", "citizen.phone", { name: "phone", type: "tel", inputmode: "tel", required: true,
                                                     maxlength: 20, autocomplete: "tel" });
  const form = el("form", { id: "lookup-form", role: "search", novalidate: true }, [code, phone,
    el("button", { type: "submit", id: "lk-submit", class: "big", t: "citizen.lookup.submit" }),
    el("p", { class: "form-error error", role: "alert", hidden: true })]);
  const out = el("div", { id: "lookup-out", "aria-live": "polite" });
  root.append(el("h2", { id: "lookup-title", t: "citizen.lookup.title" }), el("p", { t: "citizen.lookup.intro" }),
              form, out);
  let panel = null;
  ctx.onLang = () => { if (panel) panel.redraw(); };

  async function lookup() {
    clearProblems(form);
    const c = code.control.value.trim(), p = phone.control.value.trim();
    const res = await api("GET", "/api/v1/public/lookup?" + new URLSearchParams({ code: c, phone: p }));
    if (!res.ok) { out.replaceChildren(); panel = null; showProblem(form, res); return; }
    const path = "/api/v1/public/dossiers/" + encodeURIComponent(c);
    panel = publicPanel(res.data, {
      id: "lk",
      rate: (body) => api("POST", path + "/rating", Object.assign({ phone: p }, body)),
      complain: (text) => api("POST", path + "/complaints", { phone: p, text }),
    });
    out.replaceChildren(el("h2", { id: "lookup-result-title", tabindex: -1, t: "citizen.lookup.result" }), panel);
    out.querySelector("h2").focus();
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); lookup(); });
}
