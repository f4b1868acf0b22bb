// lib.mjs — what the browser tests share: a motcua server of their own on a fresh demo database, Debian's
// chromium through playwright-core, a page that records console errors and failed responses, and the counting.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const bin = process.env.MOTCUA_BIN || "build/san/motcua";

export function counter() {
  const c = { passed: 0, failed: 0 };
  c.check = (name, ok, detail = "") => {
    if (ok) { c.passed++; console.log(`ok   ${name}`); }
    else { c.failed++; console.log(`FAIL ${name} ${detail}`); }
  };
  return c;
}

// The server's environment: a page may open a dossier form (a PDF rendered with cairo + pango), and fontconfig
// never frees its process-wide caches (docs/forms.md): suppress exactly those allocations, as tests/api/harness.py
// does, nothing of motcua's.
function serverEnv(extra = {}) {
  const supp = "suppressions=" + path.resolve("tests/cli/lsan-fontconfig.supp") + ":print_suppressions=0";
  const lsan = process.env.LSAN_OPTIONS ? process.env.LSAN_OPTIONS + ":" + supp : supp;
  return Object.assign({}, process.env, { LSAN_OPTIONS: lsan }, extra);
}

// extra: more `motcua serve` arguments (test_documents: --exchange-trust FILE).
export async function startServer(extra = []) {
  const dir = mkdtempSync(path.join(tmpdir(), "motcua-web-"));
  const db = path.join(dir, "web.db");
  execFileSync(bin, ["demo", "--db", db], { stdio: "ignore" });
  const proc = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", "2", "--web", "web", ...extra],
                     { stdio: ["ignore", "pipe", "pipe"], env: serverEnv() });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start: " + stderr)), 15000);
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { proc, url, dir, stderr: () => stderr };
}

// Stop the server and check it went cleanly; remove its files (screenshots kept only under MOTCUA_SCREENSHOT_DIR).
export async function stopServer(server, c) {
  server.proc.kill("SIGTERM");
  const code = await new Promise((r) => server.proc.on("exit", (x) => r(x)));
  c.check("the server stops cleanly on SIGTERM", code === 0, `exit ${code}`);
  c.check("no sanitizer report", !/AddressSanitizer|runtime error:/.test(server.stderr()));
  rmSync(server.dir, { recursive: true, force: true });
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A page whose console errors and failed responses are collected in page.problems. The UI expects 401 from
// /api/v1/me before signing in and from a wrong password; any other failure is a problem.
export async function newPage(browser, server) {
  const page = await browser.newPage();
  page.problems = [];
  const expected401 = new Set(["/api/v1/me", "/api/v1/session"]);
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/status of 4[0-9][0-9]/.test(m.text())) return;   // the browser's note on a response, judged below
    page.problems.push(m.text());
  });
  page.on("pageerror", (e) => page.problems.push(String(e)));
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    if (r.status() >= 400 && !(r.status() === 401 && expected401.has(p)) && !page.allowed?.(r)) {
      page.problems.push(`${r.status()} ${p}`);
    }
  });
  page.base = server.url;
  return page;
}

export async function signIn(page, username, password = "demo") {
  await page.goto(page.base + "/");
  await page.waitForSelector("#signin-view:not([hidden])", { timeout: 10000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("#signin-submit");
  await page.waitForSelector("#home-view:not([hidden])", { timeout: 10000 });
}

export function screenshotPath(server, name) {
  return path.join(process.env.MOTCUA_SCREENSHOT_DIR || server.dir, name);
}

// Run axe-core (npm) on the page as it is now: the serious and critical violations, as "rule: target" strings.
// The script goes in through DevTools (page.evaluate), so the page's CSP stays as strict as in production.
let axeSource = null;
export async function axeViolations(page, options = {}) {
  if (!axeSource) axeSource = readFileSync("node_modules/axe-core/axe.min.js", "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const res = await page.evaluate((opts) => window.axe.run(document, opts), Object.assign({ resultTypes: ["violations"] }, options));
  return res.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
}

// Check a screen: no serious or critical axe violation and no text key missing from the catalogs.
export async function checkScreen(page, c, name) {
  const v = await axeViolations(page);
  c.check(`axe: no serious or critical violation on ${name}`, v.length === 0, v.slice(0, 8).join(" | "));
  const missing = await page.evaluate(() => [...(window.motcuaMissing || [])]);
  c.check(`every text of ${name} is in the catalogs`, missing.length === 0, missing.join(", "));
}

// Slow the page's CPU down as an old PC would (Chromium DevTools emulation): rate 4 = four times slower.
export async function throttleCpu(page, rate = 4) {
  const s = await page.context().newCDPSession(page);
  await s.send("Emulation.setCPUThrottlingRate", { rate });
  return s;
}

// Wait until the router has drawn the named screen (main.js sets body[data-screen] once render() returned).
export async function screen(page, name, timeout = 10000) {
  await page.waitForSelector(`body[data-screen="${name}"] #${name}-view`, { timeout });
}

// ---- work lists (web-work) ----
// Start the test's server again on the same database with its wall clock at atMs (MOTCUA_CLOCK_OFFSET_MS), so
// that dossiers received "a week ago" are overdue now. server.url changes (a new port); stopServer still applies.
export async function restartServerAt(server, atMs) {
  server.proc.kill("SIGTERM");
  await new Promise((r) => (server.proc.exitCode !== null ? r() : server.proc.on("exit", r)));
  const before = server.stderr();
  const env = serverEnv({ MOTCUA_CLOCK_OFFSET_MS: String(Math.round(atMs - Date.now())) });
  const proc = spawn(bin, ["serve", "--db", path.join(server.dir, "web.db"), "--listen", "127.0.0.1:0", "--threads", "2",
                           "--web", "web"], { stdio: ["ignore", "pipe", "pipe"], env });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  server.url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start: " + stderr)), 15000);
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  server.proc = proc;
  server.stderr = () => before + stderr;
  return server;
}

// ---- the dossier page (web/js/screens/dossier.js), shared by the tests that walk a dossier through it ----

// How many times the dossier page has drawn the dossier (it counts in #dossier-view[data-loads]).
export const dossierLoads = (page) => page.evaluate(() => Number(document.querySelector("#dossier-view")?.dataset.loads || "0"));
// The actions the page offers (its buttons, from the API's allowed_actions).
export const dossierActions = (page) => page.$$eval("#dossier-actions button", (bs) => bs.map((b) => b.dataset.action));
// Open an action's dialog, let fill() fill it, confirm, and wait for the page's reload and its notice (returned).
export async function dossierAct(page, action, fill) {
  const before = await dossierLoads(page);
  await page.click("#act-" + action);
  await page.waitForSelector("#dossier-dialog[open] #dossier-act-form");
  if (fill) await fill(page);
  await page.click("#dossier-act-submit");
  await page.waitForFunction((n) => Number(document.querySelector("#dossier-view")?.dataset.loads || "0") > n, before);
  await page.waitForSelector("#dossier-view .notice");
  return (await page.textContent("#dossier-view .notice")).trim();
}

// ---- API sessions and signed-in pages (test_work, test_reports) ----
// A staff or citizen session through the API (cookie + CSRF token), as the browser's would be: as(method, path,
// body) → {status, data, headers}; as.cookie, as.me (the sign-in's answer).
export async function apiSession(server, username, password = "demo") {
  const r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`sign-in of ${username}: ${r.status}`);
  const cookie = (r.headers.get("set-cookie") || "").split(";")[0];
  const me = await r.json();
  const as = async (method, p, body) => {
    const res = await fetch(server.url + p, {
      method, headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": me.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, data: await res.json().catch(() => null), headers: res.headers };
  };
  as.cookie = cookie;
  as.me = me;
  return as;
}

// A browser page signed in with an API session's cookie (a sign-in hashes the password: slow under ASan, and the
// sign-in form has its own test in test_web.mjs), its clock fixed at atMs when given; on the home screen.
export async function cookiePage(browser, server, as, atMs) {
  const page = await newPage(browser, server);
  if (atMs !== undefined) await page.clock.setFixedTime(new Date(atMs));
  const eq = as.cookie.indexOf("=");
  await page.context().addCookies([{ name: as.cookie.slice(0, eq), value: as.cookie.slice(eq + 1), url: server.url,
                                     httpOnly: true, sameSite: "Strict" }]);
  await page.goto(server.url + "/");
  await screen(page, "home");
  return page;
}

// Press Tab (or Shift+Tab with back) until document.activeElement matches the selector; false if it never does.
// The check comes first: a control that already has the focus is reached with no key.
export async function tabTo(page, selector, { max = 80, back = false } = {}) {
  for (let i = 0; i <= max; i++) {
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return true;
    if (i < max) await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  return false;
}

// Dossiers through the API for a test's setup: applicant(name) (a person with an identity number and a phone of
// their own), receive(as, name, procedure, extra) (a desk intake unless extra says otherwise; the papers
// 2.000815 / the others ask for), act(as, code, action, extra) (at the dossier's current version).
export function dossierApi() {
  let nid = 0;
  function applicant(name) {
    nid++;
    return { kind: "person", name, id_number: "0680950" + String(10000 + nid).slice(-5), phone: "09123" + String(10000 + nid).slice(-5),
             address: "Thôn 3, xã Cư Jút" };
  }
  async function receive(as, name, procedure = "2.000806", extra = {}) {
    const papers = procedure === "2.000815" ? [{ paper: "ban-chinh", copies: 1, form: "original" }]
                                            : [{ paper: "don-de-nghi", copies: 1, form: "original" }];
    const r = await as("POST", "/api/v1/dossiers", Object.assign({ procedure, channel: "desk", applicant: applicant(name), papers }, extra));
    if (r.status !== 201) throw new Error("intake failed: " + JSON.stringify(r.data));
    return r.data;
  }
  async function act(as, code, action, extra = {}) {
    const d = (await as("GET", "/api/v1/dossiers/" + code)).data;
    const r = await as("POST", `/api/v1/dossiers/${code}/actions`, Object.assign({ action, version: d.version }, extra));
    if (r.status !== 200) throw new Error(`${action} ${code}: ` + JSON.stringify(r.data));
    return r.data;
  }
  return { applicant, receive, act };
}
