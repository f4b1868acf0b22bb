// main.js — the shell of the web UI: language, sign-in and sign-out, the menu for the caller's roles, and the router
// (#/name/arg... → a screen module of routes.js, drawn into <main id="view">).
import { state, t, el, $, api, problemText, loadCatalog, setLang, translate, focusHeading } from "./core.js";
import { routes, defaultRoute } from "./routes.js";

let current = null;        // {route, mod, section}
let generation = 0;        // a newer navigation wins over a slower older one

function showSignin(on) {
  $("signin-view").hidden = !on;
  $("view").hidden = on;
  $("signout").hidden = on;
  $("nav-menu").hidden = on;
  if (on) { $("view").replaceChildren(); current = null; }
}

function buildMenu() {
  const ul = $("nav-menu");
  ul.replaceChildren();
  for (const r of routes) {
    if (!r.nav || !r.show(state.me)) continue;
    ul.append(el("li", {}, el("a", { id: "nav-" + r.name, href: "#/" + r.name, t: r.nav })));
  }
}

function markMenu(name) {
  document.querySelectorAll("#nav-menu a").forEach((a) => {
    if (a.id === "nav-" + name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
}

async function route() {
  if (!state.me) return;
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  let r = routes.find((x) => x.name === parts[0] && (x.open || x.show)(state.me));
  if (!r) r = routes.find((x) => x.name === defaultRoute(state.me));
  const gen = ++generation;
  if (current && current.mod.leave) current.mod.leave();
  const mod = await r.load();
  if (gen !== generation) return;
  const section = el("section", { id: r.name + "-view", class: "screen", "aria-labelledby": r.name + "-title" });
  $("view").replaceChildren(section);
  current = { route: r, mod, section };
  markMenu(r.name);
  document.title = t(r.nav || "app.name") + " — motcua";
  await mod.render(section, parts.slice(1));
  if (gen === generation) {
    section.hidden = false;
    document.body.dataset.screen = r.name;   // tests wait for the screen to be drawn
    focusHeading(section);
  }
}

// Go to a screen (the router draws it on hashchange; the same address is drawn again).
export function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}
window.motcuaGo = go;

async function enter(me) {
  state.me = me;
  state.csrf = me.csrf || state.csrf;
  showSignin(false);
  buildMenu();
  await route();
}

async function start() {
  await loadCatalog("vi");
  await setLang(state.lang);
  const res = await api("GET", "/api/v1/me");
  if (res.ok) await enter(res.data); else showSignin(true);
  document.body.dataset.ready = "1";
  loadCatalog(state.lang === "vi" ? "en" : "vi");   // the switch then answers at once
}

$("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = $("signin-error");
  err.hidden = true;
  const res = await api("POST", "/api/v1/session", { username: $("username").value, password: $("password").value });
  $("password").value = "";
  if (res.ok) { await enter(res.data); return; }
  err.textContent = res.status === 0 ? t("error.network") : problemText(res) || t("signin.failed");
  err.hidden = false;
  $("password").focus();
});

async function signedOut() {
  state.me = null; state.csrf = null;
  showSignin(true);
  $("username").focus();
}

$("signout").addEventListener("click", async () => {
  await api("DELETE", "/api/v1/session");
  await signedOut();
});
window.addEventListener("motcua:signedout", signedOut);

$("lang").addEventListener("click", async () => {
  await setLang(state.lang === "vi" ? "en" : "vi");
  if (current) {
    document.title = t(current.route.nav || "app.name") + " — motcua";
    if (current.mod.onLang) await current.mod.onLang();
  }
});

window.addEventListener("hashchange", route);
translate();
start();
