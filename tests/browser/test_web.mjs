// test_web.mjs — the web UI in a real browser: Debian's chromium driven by playwright-core.
//
// Starts its own `motcua serve` (MOTCUA_BIN, default build/san/motcua) on a fresh demo database and a free port,
// then signs in as a person would: wrong password first (the Vietnamese message from the server is shown), then
// cujut.desk / demo, checks who is signed in and the units of the commune, searches without diacritics, switches
// to English, signs out. Any console error (a CSP violation, a script error) fails the run. Prints
// "N passed, N failed" and exits 1 on any failure.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const bin = process.env.MOTCUA_BIN || "build/san/motcua";
const dir = mkdtempSync(path.join(tmpdir(), "motcua-web-"));
const db = path.join(dir, "web.db");
let passed = 0, failed = 0;

function check(name, ok, detail = "") {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

async function startServer() {
  execFileSync(bin, ["demo", "--db", db], { stdio: "ignore" });
  const proc = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", "2", "--web", "web"],
                     { stdio: ["ignore", "pipe", "pipe"] });
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
  return { proc, url, stderr: () => stderr };
}

const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  // Console errors fail the test, except the browser's own note on the answers the UI expects: 401 from
  // /api/v1/me before signing in and from a wrong password. Every other failed response is recorded too.
  const consoleErrors = [];
  const expected401 = new Set(["/api/v1/me", "/api/v1/session"]);
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/status of 401/.test(m.text()) && expected401.has(new URL(m.location().url || server.url).pathname)) return;
    consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("response", (r) => {
    const p = new URL(r.url()).pathname;
    if (r.status() >= 400 && !(r.status() === 401 && expected401.has(p))) consoleErrors.push(`${r.status()} ${p}`);
  });

  await page.goto(server.url + "/");
  await page.waitForSelector("#signin-view:not([hidden])", { timeout: 10000 });
  check("the sign-in form is shown to a visitor", await page.isVisible("#signin-form"));
  check("the page is in Vietnamese by default", (await page.textContent("#signin-submit")).trim() === "Đăng nhập");

  await page.fill("#username", "cujut.desk");
  await page.fill("#password", "wrong-password");
  await page.click("#signin-submit");
  await page.waitForSelector("#signin-error:not([hidden])");
  const err = await page.textContent("#signin-error");
  check("a wrong password shows the server's Vietnamese message", err.includes("không đúng"), `got "${err}"`);

  await page.fill("#password", "demo");
  await page.click("#signin-submit");
  await page.waitForSelector("#home-view:not([hidden])", { timeout: 10000 });
  check("cujut.desk / demo signs in", (await page.textContent("#me-username")) === "cujut.desk");
  const roles = await page.textContent("#me-roles");
  check("the desk officer role at Xã Cư Jút is listed", roles.includes("Tiếp nhận hồ sơ") && roles.includes("Xã Cư Jút"),
        `got "${roles}"`);
  await page.waitForSelector("#units-table tbody tr");
  const units = await page.textContent("#units-table tbody");
  check("the commune's units are listed", units.includes("Xã Cư Jút") && units.includes("Trung tâm Phục vụ hành chính công"));
  check("another commune's units are not", !units.includes("Lộc Bình") && !units.includes("Ia Ly"));

  await page.fill("#units-q", "trung tam phuc vu");
  await page.click("#units-search button");
  await page.waitForFunction(() => document.querySelectorAll("#units-table tbody tr").length === 1);
  check("search without diacritics finds the service center",
        (await page.textContent("#units-table tbody")).includes("Trung tâm Phục vụ hành chính công"));

  await page.click("#lang");
  check("the language switch turns the page to English", (await page.textContent("#signout")).trim() === "Sign out");
  check("... including the rows already shown", (await page.textContent("#units-table tbody")).includes("Department"));
  await page.screenshot({ path: path.join(process.env.MOTCUA_SCREENSHOT_DIR || dir, "web-home.png"), fullPage: true });

  await page.click("#signout");
  await page.waitForSelector("#signin-view:not([hidden])");
  await page.reload();
  await page.waitForSelector("#signin-view:not([hidden])");
  check("after signing out a reload asks to sign in again", await page.isVisible("#signin-form"));

  const cookies = await page.context().cookies();
  check("no session cookie is readable by scripts", cookies.every((c) => c.name !== "motcua_session" || c.httpOnly));
  check("no console errors (CSP violations, script errors)", consoleErrors.length === 0, consoleErrors.join(" | "));
} catch (e) {
  check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  server.proc.kill("SIGTERM");
  const code = await new Promise((r) => server.proc.on("exit", (c) => r(c)));
  check("the server stops cleanly on SIGTERM", code === 0, `exit ${code}`);
  check("no sanitizer report", !/AddressSanitizer|runtime error:/.test(server.stderr()));
  if (!process.env.MOTCUA_SCREENSHOT_DIR) rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
