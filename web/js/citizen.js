// citizen.js — the citizen portal (web/citizen.html), laid out for a phone: sign up, sign in, submit a dossier
// online, my dossiers and their steps, the public lookup by code + phone, rating and complaints.
//
// It shares core.js with the staff app (catalogs, api(), upload(), fields with problem messages, lists, dates) but
// has its own small router: the staff shell (main.js) shows nothing before sign-in, while here the lookup and the
// sign-up are open to anyone. #/name/arg... → a function of a module of web/js/citizen/ (render(root, args, ctx)
// by default); body[data-screen] is set once a screen is drawn (the browser tests wait for it).
import { state, t, el, $, api, loadCatalog, setLang, translate, focusHeading } from "./core.js";

// public: shown without an account; auth: needs a signed-in citizen (else the sign-in screen).
const screens = {
  signin: { nav: "citizen.nav.signin", when: "out", load: () => import("./citizen/account.js"), fn: "renderSignin" },
  signup: { nav: "citizen.nav.signup", when: "out", load: () => import("./citizen/account.js"), fn: "renderSignup" },
  submit: { nav: "citizen.nav.submit", when: "in", load: () => import("./citizen/submit.js") },
  mine: { nav: "citizen.nav.mine", when: "in", load: () => import("./citizen/mine.js") },
  dossier: { when: "in", load: () => import("./citizen/mine.js"), fn: "renderDossier" },
  lookup: { nav: "citizen.nav.lookup", when: "any", load: () => import("./citizen/lookup.js") },
};

let current = null;      // {name, mod}
let generation = 0;      // a newer navigation wins over a slower older one

const signedIn = () => !!(state.me && state.me.kind === "citizen");
const allowed = (s) => s.when === "any" || (s.when === "in") === signedIn();

function buildMenu() {
  const ul = $("nav-menu");
  ul.replaceChildren();
  for (const [name, s] of Object.entries(screens)) {
    if (!s.nav || !allowed(s)) continue;
    ul.append(el("li", {}, el("a", { id: "nav-" + name, href: "#/" + name, t: s.nav })));
  }
  $("signout").hidden = !signedIn();
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  let name = parts[0];
  if (!screens[name] || !allowed(screens[name])) name = signedIn() ? "mine" : "signin";
  const s = screens[name];
  const gen = ++generation;
  const mod = await s.load();
  if (gen !== generation) return;
  const section = el("section", { id: name + "-view", class: "screen", "aria-labelledby": name + "-title" });
  $("view").replaceChildren(section);
  current = { name, mod, s };
  document.querySelectorAll("#nav-menu a").forEach((a) => {
    if (a.id === "nav-" + name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  setTitle();
  delete document.body.dataset.screen;
  ctx.onLang = null;
  await mod[s.fn || "render"](section, parts.slice(1), ctx);
  if (gen === generation) {
    document.body.dataset.screen = name;
    focusHeading(section);
  }
}

function setTitle() {
  if (current) document.title = t(current.s.nav || "citizen.dossier.title") + " — " + t("citizen.app");
}

// Go to a screen (the same address is drawn again).
function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}
window.motcuaGo = go;

// What the screens may do to the shell; a screen sets ctx.onLang to redraw what it formatted itself.
const ctx = {
  go,
  onLang: null,
  async signedIn(me) {
    state.me = me;
    state.csrf = me.csrf || state.csrf;
    buildMenu();
    go("#/mine");
  },
};

async function signedOut(hash) {
  state.me = null;
  state.csrf = null;
  buildMenu();
  go(hash || "#/signin");
}

$("signout").addEventListener("click", async () => {
  await api("DELETE", "/api/v1/session");
  await signedOut("#/signin");
});
window.addEventListener("motcua:signedout", () => signedOut("#/signin"));

$("lang").addEventListener("click", async () => {
  await setLang(state.lang === "vi" ? "en" : "vi");
  setTitle();
  if (ctx.onLang) await ctx.onLang();
});

window.addEventListener("hashchange", route);

await loadCatalog("vi");
await setLang(state.lang);
translate();
const res = await api("GET", "/api/v1/me");
// Staff signed in to the staff app are not citizens: the portal treats them as visitors.
if (res.ok && res.data.kind === "citizen") { state.me = res.data; state.csrf = res.data.csrf; }
buildMenu();
await route();
document.body.dataset.ready = "1";
loadCatalog(state.lang === "vi" ? "en" : "vi");
