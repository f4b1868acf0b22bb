// test_tasks.mjs — the tasks screens ("giao việc", docs/tasks.md) in Debian's chromium against a motcua of its own
// on a fresh demo database. The province official of Lâm Đồng gives a task to the leader of Cư Jút and one to the
// leader of Thuận An through the new-task form (a Saturday deadline first: the API's message naming the next
// working day shows by the date, nothing is created); each leader finds theirs in "I lead", accepts it (one with
// the keyboard only), reports progress (the bar moves), attaches an evidence PDF and reports it done; the official
// accepts one result and returns the other, which its lead finishes again and the official then accepts. axe and
// the catalogs on every screen, the English switch. Prints "N passed, N failed" and exits 1 on any failure.
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { counter, startServer, stopServer, launch, screen, checkScreen, apiSession, cookiePage, tabTo } from "./lib.mjs";

const c = counter();
const server = await startServer();
const browser = await launch();
const tmp = mkdtempSync(path.join(tmpdir(), "motcua-tasks-"));
const pdf = path.join(tmp, "bao-cao.pdf");
writeFileSync(pdf, "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");

// A working day about a week ahead (Monday to Friday; no public holiday falls in the weeks the test runs in).
function workingDayAhead(days) {
  let d = new Date(Date.now() + days * 86400000);
  while ([0, 6].includes(d.getUTCDay())) d = new Date(d.getTime() + 86400000);
  return d.toISOString().slice(0, 10);
}
function saturdayAhead() {
  let d = new Date(Date.now() + 7 * 86400000);
  while (d.getUTCDay() !== 6) d = new Date(d.getTime() + 86400000);
  return d.toISOString().slice(0, 10);
}
const loadsOf = (page) => page.evaluate(() => Number(document.querySelector("#task-view")?.dataset.loads || "0"));

try {
  const off = await apiSession(server, "lamdong.official");
  const leads = { cujut: await apiSession(server, "cujut.leader"), thuanan: await apiSession(server, "thuanan.leader") };

  // ---- the official gives two tasks ----
  let page = await cookiePage(browser, server, off);
  page.allowed = (r) => r.status() === 422 && new URL(r.url()).pathname === "/api/v1/tasks";   // the Saturday
  c.check("the official is offered the tasks menu", await page.isVisible("#nav-tasks"));
  await page.click("#nav-tasks");
  await screen(page, "tasks");
  await checkScreen(page, c, "the tasks list");
  await page.click("#task-new-open");
  c.check("the new-task form opens with the focus on its title", await page.evaluate(() => document.activeElement.id) === "task-title");
  await checkScreen(page, c, "the new-task form");
  async function give(lead, title, deadline) {
    await page.fill("#task-title", title);
    await page.fill("#task-content", "Rà soát hồ sơ quá hạn của xã và báo cáo nguyên nhân.");
    await page.fill("#task-source-ref", "Kết luận giao ban tháng 12");
    await page.selectOption("#task-lead", lead.me.id);
    await page.fill("#task-deadline", deadline);
    await page.fill("#task-expected", "Báo cáo danh sách hồ sơ và nguyên nhân");
    await page.fill("#task-criteria", "Đủ 100% hồ sơ quá hạn");
    await page.click("#task-submit");
  }
  const sat = saturdayAhead();
  await give(leads.cujut, "Rà soát hồ sơ Cư Jút", sat);
  await page.waitForSelector("#task-deadline-err:not([hidden])");
  const err = await page.textContent("#task-deadline-err");
  c.check("a Saturday deadline is refused by the date, naming the next working day", /\d{2}\/|\d{4}-\d{2}-\d{2}/.test(err) && err.includes("-"), err);
  c.check("... and nothing was created", (await off("GET", "/api/v1/tasks?view=assigned")).data.items.length === 0);
  const due = workingDayAhead(7);
  await page.fill("#task-deadline", due);
  await page.click("#task-submit");
  await page.waitForSelector("#task-created-link");
  await page.click("#task-new-open");
  await give(leads.thuanan, "Rà soát hồ sơ Thuận An", due);
  await page.waitForSelector("#task-created-link");
  await page.waitForSelector("#task-table tbody tr:nth-child(2) a");
  const given = (await off("GET", "/api/v1/tasks?view=assigned")).data.items;
  c.check("two tasks given, one to each commune's leader", given.length === 2 &&
          new Set(given.map((x) => x.lead_account_id)).size === 2, JSON.stringify(given.map((x) => x.title)));
  const byLead = Object.fromEntries(Object.entries(leads).map(([k, l]) => [k, given.find((x) => x.lead_account_id === l.me.id)]));
  c.check("no console errors or unexpected failed responses (official)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- each lead accepts, reports progress, attaches evidence and reports done ----
  for (const [name, lead] of Object.entries(leads)) {
    page = await cookiePage(browser, server, lead);
    await page.click("#nav-tasks");
    await screen(page, "tasks");
    await page.selectOption("#task-view", "lead");
    await page.waitForSelector(`#task-table a[href="#/task/${byLead[name].id}"]`);
    await page.click(`#task-table a[href="#/task/${byLead[name].id}"]`);
    await screen(page, "task");
    await page.waitForSelector("#task-facts");
    await checkScreen(page, c, "the task page (" + name + ", assigned)");
    let n = await loadsOf(page);
    if (name === "cujut") {
      c.check("Tab reaches the accept button", await tabTo(page, "#task-accept"));
      await page.keyboard.press("Enter");
    } else await page.click("#task-accept");
    await page.waitForFunction((k) => Number(document.querySelector("#task-view").dataset.loads) > k, n);
    c.check(name + ": accepted, in progress", (await page.getAttribute("#task-state-value .badge", "data-state")) === "in_progress");
    n = await loadsOf(page);
    await page.fill("#task-percent-in", "60");
    await page.fill("#task-progress-note", "Đã rà soát 60% hồ sơ");
    await page.click("#task-progress-submit");
    await page.waitForFunction((k) => Number(document.querySelector("#task-view").dataset.loads) > k, n);
    c.check(name + ": the progress bar shows 60%", (await page.getAttribute("#task-progress", "value")) === "60");
    n = await loadsOf(page);
    await page.setInputFiles("#task-file", pdf);
    await page.click("#task-evidence-submit");
    await page.waitForSelector("#task-files a");
    c.check(name + ": the evidence file is listed", (await page.textContent("#task-files")).includes("bao-cao.pdf"));
    await checkScreen(page, c, "the task page (" + name + ", in progress)");
    n = await loadsOf(page);
    await page.fill("#task-done-note", "Đã gửi báo cáo kết quả rà soát");
    await page.click("#task-done");
    await page.waitForFunction((k) => Number(document.querySelector("#task-view").dataset.loads) > k, n);
    c.check(name + ": done, awaiting judgement at 100%", (await page.getAttribute("#task-state-value .badge", "data-state")) === "done" &&
            (await page.textContent("#task-percent")) === "100%");
    c.check("no console errors or unexpected failed responses (" + name + ")", page.problems.length === 0, page.problems.join(" | "));
    await page.close();
  }

  // ---- the official judges: Cư Jút accepted; Thuận An returned, finished again, accepted ----
  page = await cookiePage(browser, server, off);
  async function judge(task, accept, reason) {
    await page.goto(server.url + "/#/tasks");   // through the list: the same address twice would not redraw
    await screen(page, "tasks");
    await page.goto(server.url + "/#/task/" + task.id);
    await screen(page, "task");
    await page.waitForSelector("#task-f-judge");
    const n = await loadsOf(page);
    if (reason) await page.fill("#task-judge-note", reason);
    await page.click(accept ? "#task-judge-accept" : "#task-judge-return");
    await page.waitForFunction((k) => Number(document.querySelector("#task-view").dataset.loads) > k, n);
    return page.getAttribute("#task-state-value .badge", "data-state");
  }
  c.check("the official accepts Cư Jút's result: closed", (await judge(byLead.cujut, true)) === "closed");
  await checkScreen(page, c, "the task page (closed)");
  c.check("the official returns Thuận An's with a reason: in progress again",
          (await judge(byLead.thuanan, false, "Thiếu nguyên nhân của từng hồ sơ")) === "in_progress");
  const again = await leads.thuanan("GET", "/api/v1/tasks/" + byLead.thuanan.id);
  const done = await fetch(server.url + "/api/v1/tasks/" + byLead.thuanan.id + "/actions", { method: "POST",
    headers: { "Content-Type": "application/json", Cookie: leads.thuanan.cookie, "X-CSRF-Token": leads.thuanan.me.csrf,
               "If-Match": '"' + again.data.version + '"' }, body: JSON.stringify({ action: "done", note: "Đã bổ sung nguyên nhân" }) });
  c.check("Thuận An's lead finishes it again", done.status === 200, String(done.status));
  c.check("... and the official accepts it", (await judge(byLead.thuanan, true)) === "closed");
  // The English switch: the task page and the list in English
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the English switch turns the task page to English",
          (await page.textContent("#task-state-value")).trim() === "Closed" && (await page.textContent("#task-facts")).includes("Expected result"),
          await page.textContent("#task-state-value"));
  await page.goto(server.url + "/#/tasks");
  await screen(page, "tasks");
  await page.waitForSelector("#task-table tbody tr a");
  c.check("... and the list", (await page.textContent("label[for=task-view]")) === "List" &&
          (await page.textContent("#task-table tbody")).includes("Closed"));
  await checkScreen(page, c, "the tasks list (in English)");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");
  c.check("no console errors or unexpected failed responses (judging)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
  if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(server.stderr())) console.log(server.stderr().slice(-6000));
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
