// test_ministry_ui.mjs — the inter-agency section of the dossier page (web/js/screens/dossier_ministry.js) in
// Debian's chromium: the server hands dossiers off to the land-registry simulator (tests/integration/land_sim.py).
// The specialist of Cư Jút opens a dossier being processed, reaches the system's list and the send button with
// the keyboard only, sends it; the hand-off shows with its receipt and then the result; a dossier not being
// processed offers no send form; the section turns to English. Prints "N passed, N failed"; exit 1 on failure.
import path from "node:path";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { counter, startServer, stopServer, launch, apiSession, cookiePage, tabTo, dossierApi } from "./lib.mjs";

const c = counter();
const dir = mkdtempSync(path.join(tmpdir(), "motcua-ministry-web-"));
writeFileSync(path.join(dir, "token"), "land-registry-token-0123456789\n");
const port = 20000 + Math.floor(Math.random() * 20000);
const sim = spawn("python3", ["tests/integration/land_sim.py", "--port", String(port), "--token-file", path.join(dir, "token")],
                  { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve) => sim.stdout.once("data", resolve));
writeFileSync(path.join(dir, "systems"), `land rest http://127.0.0.1:${port} ${path.join(dir, "token")}\n`);
const server = await startServer(["--ministry-systems", path.join(dir, "systems"), "--ministry-poll-ms", "50",
                                  "--ministry-result-poll-ms", "200"]);
const browser = await launch();
let pass = false;
try {
  const desk = await apiSession(server, "cujut.desk"), lead = await apiSession(server, "cujut.leader");
  const spec = await apiSession(server, "cujut.specialist");
  const { receive, act } = dossierApi();
  const d1 = await receive(desk, "Lê Văn Đất");
  await act(desk, d1.code, "forward");
  await act(lead, d1.code, "assign", { to: "cujut.specialist" });
  const d2 = await receive(desk, "Trần Thị Mới");

  const page = await cookiePage(browser, server, spec);
  await page.goto(server.url + "/#/dossier/" + encodeURIComponent(d1.code));
  await page.waitForSelector("#ministry-form");
  c.check("the section says the dossier was not handed off yet", !!(await page.$("#ministry-none")));
  await page.focus("#dossier-title").catch(() => {});
  c.check("the system list is reached with Tab", await tabTo(page, "#ministry-system", { max: 120 }));
  c.check("the send button is reached with Tab", await tabTo(page, "#ministry-send"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#ministry-handoffs tbody tr");
  c.check("the hand-off shows after sending", (await page.$$("#ministry-handoffs tbody tr")).length === 1);
  c.check("no send form while the hand-off is open", !(await page.$("#ministry-form")));
  // The adapter acknowledges and polls the result: reopen the page until it shows.
  let state = "";
  for (let i = 0; i < 50 && state !== "accepted"; i++) {
    await page.reload();
    await page.waitForSelector("#ministry-handoffs tbody tr");
    state = await page.getAttribute("#ministry-handoffs tbody tr", "data-state");
    if (state !== "accepted") await new Promise((r) => setTimeout(r, 200));
  }
  c.check("the result comes back (state accepted)", state === "accepted", state);
  const text = await page.textContent("#ministry-handoffs tbody tr");
  c.check("the receipt number and the result show", /VPDK-\d+/.test(text) && /Giấy chứng nhận/.test(text), text);
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  await page.waitForSelector("#ministry-handoffs");
  c.check("the section turns to English", (await page.textContent("#dossier-h-ministry")).includes("Inter-agency"));

  await page.goto(server.url + "/#/dossier/" + encodeURIComponent(d2.code));
  await page.waitForSelector("#dossier-ministry #ministry-none");
  c.check("a dossier not being processed offers no send form", !(await page.$("#ministry-form")));
  c.check("no console errors or unexpected failed responses", page.problems.length === 0, page.problems.join(" | "));
  pass = true;
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
  sim.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed || !pass ? 1 : 0);
