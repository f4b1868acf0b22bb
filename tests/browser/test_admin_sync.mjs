// test_admin_sync.mjs — the hub's screen of commune nodes (#/admin-sync, issue 13 item 5), in Debian's chromium.
//
// A hub (serve --role hub, SQLite here: the screen does not depend on the engine) with the demo data. The national
// administrator opens the screen from the administration menu: no node yet. They issue an enrolment token for Xã Cư
// Jút with the keyboard; the token shows once. A real node enrols with it (`motcua node enroll`, another process);
// after a refresh the node is listed, up to date. The node is then flagged as a refused batch would flag it (set in
// the hub's database by the test); the screen shows the state and the reason, and clearing it (a keyboard press on
// the button) makes it active again, in the hub's database too. The screen switches to English. A desk officer has
// no such menu entry; on a server that is not a hub the screen says so. Every screen passes checkScreen.
// Prints "N passed, N failed" and exits 1 on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, counter, startServer, stopServer, launch, newPage, signIn, screen, checkScreen } from "./lib.mjs";

const c = counter();
const server = await startServer(["--role", "hub"]);
const plain = await startServer();
const browser = await launch();
const work = mkdtempSync(path.join(tmpdir(), "motcua-websync-"));
const hubDb = path.join(server.dir, "web.db");
const sql = (q) => execFileSync("sqlite3", [hubDb, q], { encoding: "utf8" }).trim();
const loadedOnce = (page, before) =>
  page.waitForFunction((b) => (document.querySelector("#admin-sync-view")?.dataset.loaded || "") !== b, before);

try {
  const page = await newPage(browser, server);
  await signIn(page, "admin");
  c.check("the administrator's menu offers the nodes screen", await page.isVisible("#nav-admin-sync"));
  await page.click("#nav-admin-sync");
  await screen(page, "admin-sync");
  await page.waitForSelector("#admin-sync-view[data-loaded]");
  c.check("no node is enrolled yet", (await page.textContent("#sync-nodes tbody")).includes("Chưa có máy trạm"));
  await checkScreen(page, c, "admin-sync (no node)");

  // ---- a token for Xã Cư Jút, with the keyboard ----
  const cujut = await page.$eval("#sync-enrol-unit", (s) => [...s.options].find((o) => o.textContent.startsWith("Xã Cư Jút"))?.value || "");
  c.check("the communes of the scope are offered", cujut.length === 26);
  await page.focus("#sync-enrol-unit");
  await page.selectOption("#sync-enrol-unit", cujut);
  await page.keyboard.press("Tab");
  await page.keyboard.type("2");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#sync-token-out:not([hidden])");
  const token = await page.inputValue("#sync-token");
  c.check("the token is shown once, selected for copying", token.length >= 16 &&
          (await page.evaluate(() => document.activeElement?.id)) === "sync-token");
  c.check("its expiry is said", (await page.textContent("#sync-token-expires")).startsWith("Hiệu lực đến"));
  c.check("only the token's digest is kept at the hub", sql("SELECT COUNT(*) FROM sync_enrolments") === "1" &&
          !sql("SELECT token_hash FROM sync_enrolments").includes(token));

  // ---- a real node enrols with it ----
  const tokenFile = path.join(work, "cujut.token");
  writeFileSync(tokenFile, token + "\n", { mode: 0o600 });
  const nodeDb = path.join(work, "node.db");
  let enrolled = true;
  try {
    execFileSync(bin, ["node", "enroll", "--db", nodeDb, "--hub", server.url, "--token-file", tokenFile, "--name", "UBND xã Cư Jút"],
                 { stdio: "pipe" });
  } catch (e) {
    enrolled = false;
    c.check("motcua node enroll succeeds", false, String(e.stderr || e));
  }
  if (enrolled) c.check("motcua node enroll succeeds", true);
  let before = await page.getAttribute("#admin-sync-view", "data-loaded");
  await page.click("#sync-reload");
  await loadedOnce(page, before);
  const row = "#sync-nodes tbody tr[data-node]";
  c.check("the enrolled node is listed with its commune", (await page.$$(row)).length === 1 &&
          (await page.textContent(row + " th")) === "UBND xã Cư Jút" && (await page.textContent(row)).includes("Xã Cư Jút"));
  c.check("it is not flagged", (await page.getAttribute(row + " .badge", "data-state")) !== "flagged" &&
          (await page.$$(row + " button.sync-clear")).length === 0);
  await checkScreen(page, c, "admin-sync (one node)");

  // ---- flagged (as a refused batch does), then cleared with the keyboard ----
  sql("UPDATE sync_nodes SET state = 'flagged', flagged_reason = 'event 7: the hash does not match the event''s content'");
  before = await page.getAttribute("#admin-sync-view", "data-loaded");
  await page.click("#sync-reload");
  await loadedOnce(page, before);
  c.check("the flagged node shows its state and reason", (await page.getAttribute(row + " .badge", "data-state")) === "flagged" &&
          (await page.textContent(row)).includes("the hash does not match"));
  c.check("the summary counts it", (await page.textContent("#sync-summary")).includes("gắn cờ: 1"));
  await page.focus(row + " button.sync-clear");
  before = await page.getAttribute("#admin-sync-view", "data-loaded");
  await page.keyboard.press("Enter");
  await loadedOnce(page, before);
  await page.waitForSelector("#sync-nodes-box > .notice");
  c.check("clearing confirms and the node is active again", (await page.textContent("#sync-nodes-box > .notice")).includes("UBND xã Cư Jút") &&
          (await page.getAttribute(row + " .badge", "data-state")) !== "flagged");
  c.check("the hub's database has it active", sql("SELECT state FROM sync_nodes") === "active");

  // ---- search narrows the rows ----
  await page.fill("#sync-q", "không có");
  await page.press("#sync-q", "Enter");
  c.check("a search that matches nothing lists nothing", (await page.$$(row)).length === 0);
  await page.fill("#sync-q", "cư jút");
  await page.press("#sync-q", "Enter");
  c.check("a search by the commune finds the node", (await page.$$(row)).length === 1);

  // ---- English ----
  await page.click("#lang");
  await page.waitForFunction(() => document.querySelector("#admin-sync-title").textContent === "Commune nodes and synchronisation");
  c.check("the screen turns to English", (await page.textContent("#sync-summary")).startsWith("Flagged nodes: 0") &&
          (await page.textContent("#sync-enrol button[type=submit]")) === "Issue the token");
  await checkScreen(page, c, "admin-sync (English)");
  await page.click("#lang");

  // ---- who sees it ----
  const desk = await newPage(browser, server);
  await signIn(desk, "cujut.desk");
  c.check("a desk officer has no nodes screen in the menu", !(await desk.isVisible("#nav-admin-sync")));
  const other = await newPage(browser, plain);
  await signIn(other, "admin");
  await other.goto(other.base + "/#/admin-sync");
  await screen(other, "admin-sync");
  await other.waitForSelector("#sync-nodes-box .error");
  c.check("a server that is not a hub says so", (await other.textContent("#sync-nodes-box .error")).includes("không phải máy chủ cấp tỉnh") &&
          await other.isHidden("#sync-enrol"));
  await checkScreen(other, c, "admin-sync (not a hub)");
} catch (e) {
  c.check("the test ran to its end", false, e.stack || String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
  await stopServer(plain, c);
  rmSync(work, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
