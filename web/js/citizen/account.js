// account.js — the citizen's sign-in (the phone number is the sign-in name) and sign-up (POST /api/v1/citizens).
// The server validates every field; its message is shown next to the field it names (problem+json `field`).
import { state, t, el, api, field, showProblem, clearProblems, notice } from "../core.js";

let justRegistered = null;   // the phone of the account just created: prefilled on the sign-in screen

const formError = () => el("p", { class: "form-error error", role: "alert", hidden: true });

export async function renderSignin(root, args, ctx) {
  const user = field("si-phone", "citizen.phone", { name: "username", type: "tel", autocomplete: "username",
                                                     inputmode: "tel", required: true, maxlength: 64 });
  const pass = field("si-password", "citizen.password", { name: "password", type: "password",
                                                          autocomplete: "current-password", required: true,
                                                          maxlength: 128 });
  const form = el("form", { id: "signin-form", novalidate: true }, [user, pass,
    el("button", { type: "submit", id: "si-submit", class: "big", t: "citizen.signin.submit" }), formError()]);
  root.append(el("h2", { id: "signin-title", t: "citizen.signin.title" }),
              el("p", { t: "citizen.signin.intro" }), form,
              el("p", {}, [el("span", { t: "citizen.signin.new" }), " ",
                           el("a", { href: "#/signup", id: "to-signup", t: "citizen.signin.register" })]),
              el("p", {}, el("a", { href: "#/lookup", t: "citizen.signin.lookup" })),
              el("p", {}, el("a", { href: "/", t: "citizen.signin.staff" })));
  if (justRegistered) {
    user.control.value = justRegistered;
    notice(root, "citizen.signup.done");
    justRegistered = null;
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblems(form);
    const res = await api("POST", "/api/v1/session",
                          { username: user.control.value.trim(), password: pass.control.value });
    pass.control.value = "";
    if (!res.ok) { showProblem(form, res); pass.control.focus(); return; }
    if (res.data.kind !== "citizen") {
      // A staff account signed in here: end that session, staff work in the staff app.
      state.csrf = res.data.csrf;
      await api("DELETE", "/api/v1/session");
      state.csrf = null;
      showProblem(form, { status: 403, data: { detail: t("citizen.signin.notcitizen") } });
      return;
    }
    await ctx.signedIn(res.data);
  });
}

export async function renderSignup(root, args, ctx) {
  const phone = field("su-phone", "citizen.phone", { name: "phone", type: "tel", inputmode: "tel",
                                                      autocomplete: "tel", required: true, maxlength: 15 });
  const name = field("su-name", "citizen.fullname", { name: "full_name", autocomplete: "name", required: true,
                                                      maxlength: 200 });
  const nid = field("su-nid", "citizen.nationalid", { name: "national_id", inputmode: "numeric", maxlength: 12,
                                                      autocomplete: "off" });
  const email = field("su-email", "citizen.email", { name: "email", type: "email", autocomplete: "email",
                                                      maxlength: 254 });
  const pass = field("su-password", "citizen.password", { name: "password", type: "password",
                                                           autocomplete: "new-password", required: true,
                                                           maxlength: 128 });
  const pass2 = field("su-password2", "citizen.password2", { name: "password2", type: "password",
                                                              autocomplete: "new-password", required: true,
                                                              maxlength: 128 });
  const form = el("form", { id: "signup-form", novalidate: true }, [
    phone, el("p", { class: "hint", id: "su-phone-hint", t: "citizen.signup.phonehint" }),
    name, nid, email, pass, pass2,
    el("button", { type: "submit", id: "su-submit", class: "big", t: "citizen.signup.submit" }), formError()]);
  root.append(el("h2", { id: "signup-title", t: "citizen.signup.title" }), el("p", { t: "citizen.signup.intro" }),
              form,
              el("p", {}, [el("span", { t: "citizen.signup.have" }), " ",
                           el("a", { href: "#/signin", t: "citizen.nav.signin" })]));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearProblems(form);
    if (pass.control.value !== pass2.control.value) {
      showProblem(form, { status: 400, data: { field: "password2", detail: t("citizen.signup.mismatch") } });
      return;
    }
    const body = { phone: phone.control.value.trim(), full_name: name.control.value.trim(),
                   password: pass.control.value };
    if (nid.control.value.trim()) body.national_id = nid.control.value.trim();
    if (email.control.value.trim()) body.email = email.control.value.trim();
    const res = await api("POST", "/api/v1/citizens", body);
    if (!res.ok) { showProblem(form, res); return; }
    justRegistered = res.data.username;
    ctx.go("#/signin");
  });
}
