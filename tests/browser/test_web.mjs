// test_web.mjs — the web UI in a real browser: Debian's chromium driven by playwright-core.
//
// Signs in as a person would: wrong password first (the Vietnamese message from the server is shown), then
// cujut.desk / demo, checks who is signed in and the units of the commune, searches without diacritics, switches
// to English, signs out. Any console error (a CSP violation, a script error) or unexpected failed response fails
// the run. Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, screenshotPath, checkScreen } from "./lib.mjs";

const c = counter();
const server = await startServer();
const browser = await launch();
try {
  const page = await newPage(browser, server);
  await page.goto(server.url + "/");
  await page.waitForSelector("#signin-view:not([hidden])", { timeout: 10000 });
  c.check("the sign-in form is shown to a visitor", await page.isVisible("#signin-form"));
  c.check("the page is in Vietnamese by default", (await page.textContent("#signin-submit")).trim() === "Đăng nhập");

  await page.fill("#username", "cujut.desk");
  await page.fill("#password", "wrong-password");
  await page.click("#signin-submit");
  await page.waitForSelector("#signin-error:not([hidden])");
  const err = await page.textContent("#signin-error");
  c.check("a wrong password shows the server's Vietnamese message", err.includes("không đúng"), `got "${err}"`);

  await page.fill("#password", "demo");
  await page.click("#signin-submit");
  await page.waitForSelector("#home-view:not([hidden])", { timeout: 10000 });
  c.check("cujut.desk / demo signs in", (await page.textContent("#me-username")) === "cujut.desk");
  const roles = await page.textContent("#me-roles");
  c.check("the desk officer role at Xã Cư Jút is listed", roles.includes("Tiếp nhận hồ sơ") && roles.includes("Xã Cư Jút"),
          `got "${roles}"`);
  await page.waitForSelector("#units-table tbody tr");
  const units = await page.textContent("#units-table tbody");
  c.check("the commune's units are listed", units.includes("Xã Cư Jút") && units.includes("Trung tâm Phục vụ hành chính công"));
  c.check("another commune's units are not", !units.includes("Lộc Bình") && !units.includes("Ia Ly"));

  await page.fill("#units-q", "trung tam phuc vu");
  await page.click("form:has(#units-q) button");
  await page.waitForFunction(() => document.querySelectorAll("#units-table tbody tr").length === 1);
  c.check("search without diacritics finds the service center",
          (await page.textContent("#units-table tbody")).includes("Trung tâm Phục vụ hành chính công"));

  await checkScreen(page, c, "the home screen");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the language switch turns the page to English", (await page.textContent("#signout")).trim() === "Sign out");
  c.check("... including the rows already shown", (await page.textContent("#units-table tbody")).includes("Department"));
  await page.screenshot({ path: screenshotPath(server, "web-home.png"), fullPage: true });
  await page.click("#lang");

  await page.click("#signout");
  await page.waitForSelector("#signin-view:not([hidden])");
  await page.reload();
  await page.waitForSelector("#signin-view:not([hidden])");
  c.check("after signing out a reload asks to sign in again", await page.isVisible("#signin-form"));

  const cookies = await page.context().cookies();
  c.check("no session cookie is readable by scripts", cookies.every((k) => k.name !== "motcua_session" || k.httpOnly));
  c.check("no console errors (CSP violations, script errors) or unexpected failed responses",
          page.problems.length === 0, page.problems.join(" | "));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
