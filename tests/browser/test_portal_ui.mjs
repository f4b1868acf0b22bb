// test_portal_ui.mjs — the National Public Service Portal page of the administration (#/admin-portal), in Debian's
// chromium (playwright-core), against the portal simulator (tests/integration/portal_sim.py).
//
// A dossier received at the desk reaches the simulator; the simulator's copy is then given another status behind
// the connector's back. The administrator opens the page: the connector status is shown (enabled, nothing
// waiting); with the keyboard only, runs the day's reconciliation, which lists the status difference, and re-pushes
// that dossier with its button; a second reconciliation shows 0 differences. The page switches to English; axe
// finds no serious violation and every text is in the catalogs. Prints "N passed, N failed"; exits 1 on failure.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { counter, startServer, stopServer, launch, apiSession, cookiePage, screen, checkScreen, tabTo, dossierApi } from "./lib.mjs";

const c = counter();
const TOKEN = "web-sim-token-0123456789";
const dir = mkdtempSync(path.join(tmpdir(), "motcua-portal-web-"));
writeFileSync(path.join(dir, "token"), TOKEN + "\n");
const port = await new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
const sim = spawn("python3", ["tests/integration/portal_sim.py", String(port), path.join(dir, "sim.json"), TOKEN],
                  { stdio: ["ignore", "pipe", "ignore"] });
await new Promise((r) => sim.stdout.once("data", r));
const simUrl = `http://127.0.0.1:${port}/`;
const simCall = async (p, body) => (await fetch(simUrl + p, { method: body ? "POST" : "GET", body: body && JSON.stringify(body),
                                                               headers: { "Content-Type": "application/json" } })).json();

const server = await startServer(["--portal-url", simUrl, "--portal-token-file", path.join(dir, "token"),
                                  "--portal-retry-ms", "100", "--portal-poll-ms", "100"]);
const browser = await launch();
try {
  const desk = await apiSession(server, "cujut.desk");
  const d = await dossierApi().receive(desk, "Ngô Thị Web");
  const until = async (fn, ms = 15000) => { const end = Date.now() + ms; while (Date.now() < end) { if (await fn()) return true; await new Promise((r) => setTimeout(r, 100)); } return false; };
  c.check("the dossier reaches the portal simulator", await until(async () => !!(await simCall("_state")).dossiers[d.code]));
  const admin = await apiSession(server, "admin");
  c.check("... and is acknowledged", await until(async () => (await admin("GET", "/api/v1/portal/status")).data.outbox_depth === 0));
  await simCall("_plant", { op: "status", code: d.code, status: 10 });

  const page = await cookiePage(browser, server, admin);
  await page.goto(server.url + "/#/admin-portal");
  await screen(page, "admin-portal");
  await page.waitForSelector("#admin-portal-view[data-loaded]");
  c.check("the status says the connector is on and nothing waits",
          (await page.textContent("#portal-enabled")) === "Có" && (await page.textContent("#portal-depth")) === "0");
  c.check("no reconciliation yet", (await page.textContent("#portal-run")).includes("Chưa có lần đối soát"));

  // the keyboard only: Tab to the reconcile button, Enter
  await page.focus("#portal-date");
  c.check("Tab reaches the reconcile button", await tabTo(page, "#portal-recon button[type=submit]"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#portal-diffs");
  const diffs = await page.textContent("#portal-diffs tbody");
  c.check("the difference is listed (status)", diffs.includes(d.code) && diffs.includes("Khác trạng thái"));
  c.check("Tab reaches its re-push button", await tabTo(page, ".portal-repush"));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector(".portal-repush")?.disabled);
  c.check("the re-push is announced", (await page.textContent("#portal-recon-section .notice")).includes(d.code));
  c.check("the simulator has the status back",
          await until(async () => (await simCall("_state")).dossiers[d.code].TrangThaiHoSo === "2"));
  await until(async () => (await admin("GET", "/api/v1/portal/status")).data.outbox_depth === 0);
  await page.click("#portal-recon button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#admin-portal-view").dataset.differences === "0");
  c.check("a second reconciliation shows 0 differences", (await page.textContent("#portal-run-diffs")) === "0");
  await checkScreen(page, c, "the portal page");

  await page.click("#lang");
  await page.waitForFunction(() => document.querySelector("#admin-portal-title").textContent.includes("National"));
  c.check("the page switches to English", (await page.textContent("#portal-enabled")) === "Yes");
  await checkScreen(page, c, "the portal page in English");
} catch (e) {
  c.check("the test ran to its end", false, e.stack || String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
  sim.kill();
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
