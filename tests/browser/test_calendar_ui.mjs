// test_calendar_ui.mjs — the holidays page and the deadline calculator, in Debian's chromium (playwright-core).
//
// An administrator opens "holidays and working days" for 2026: the shipped decision's days are listed (Tết from
// 16 February); adds Lâm Đồng's own day off on 24 March 2026, sees it in that province's calendar and not in the
// national one, then deletes it. The deadline calculator answers 1 working day from Friday 13 February 2026 14:59
// as Monday 23 February 14:59 (Tết in between). A desk officer sees the calendar but not the editing panel.
// Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, signIn, screenshotPath, screen, checkScreen } from "./lib.mjs";

const c = counter();

// Do something that reloads the calendar and wait until the page says both lists are drawn again (it counts its
// completed calendar loads in body[data-calendar-loads]).
async function reloaded(page, action) {
  const before = Number(await page.evaluate(() => document.body.dataset.calendarLoads || "0"));
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.calendarLoads || "0") > n, before);
}
const server = await startServer();
const browser = await launch();
try {
  const page = await newPage(browser, server);
  await signIn(page, "admin");
  await page.click("#nav-calendar");
  await screen(page, "calendar");
  await page.fill("#cal-year", "2026");
  await page.click("#cal-filter button");
  await page.waitForFunction(() => document.querySelector("#cal-days tbody").textContent.includes("16/02/2026"));
  const days = await page.textContent("#cal-days tbody");
  c.check("2026: Tết (16 February) is a day off", days.includes("16/02/2026") && days.includes("20/02/2026"));
  c.check("2026: the make-up Saturday 22 August is listed", days.includes("22/08/2026"));
  c.check("the editing panel is shown to an administrator", await page.isVisible("#cal-admin"));

  const lamdong = await page.$eval("#cal-scope", (sel) =>
    [...sel.options].find((o) => o.textContent.includes("Lâm Đồng"))?.value || "");
  c.check("the provinces are offered as scopes", lamdong.length === 26);
  await page.selectOption("#cal-scope", lamdong);
  await page.click("#cal-filter button");
  await page.waitForFunction(() => !document.querySelector("#cal-days tbody").textContent.includes("24/03/2026"));
  await page.fill("#cal-f-date", "2026-03-24");
  await page.selectOption("#cal-f-kind", "extra_day_off");
  await page.fill("#cal-f-name-vi", "Ngày giải phóng tỉnh");
  await page.fill("#cal-f-source", "Quyết định của UBND tỉnh");
  await reloaded(page, () => page.click("#cal-form button[type=submit]"));   /* the save reloads both lists */
  c.check("the save is confirmed", await page.isVisible("#cal-ok"));
  c.check("a province's own day off appears in its calendar",
          (await page.textContent("#cal-days tbody")).includes("24/03/2026") &&
          (await page.textContent("#cal-entries tbody")).includes("Ngày giải phóng tỉnh"));
  await page.screenshot({ path: screenshotPath(server, "web-calendar.png"), fullPage: true });

  await page.selectOption("#cal-scope", "");
  await reloaded(page, () => page.click("#cal-filter button"));
  const national = await page.textContent("#cal-days tbody");
  c.check("... and not in the national one", national.includes("16/02/2026") && !national.includes("24/03/2026"));

  await page.selectOption("#cal-scope", lamdong);
  await reloaded(page, () => page.click("#cal-filter button"));
  c.check("the entry is listed in the province's stored decisions",
          (await page.textContent("#cal-entries tbody")).includes("24/03/2026"));
  await reloaded(page, () => page.click("#cal-entries tbody tr:has-text('24/03/2026') button:has-text('Xoá')"));
  c.check("deleting the entry removes the day off",
          !(await page.textContent("#cal-entries tbody")).includes("24/03/2026") &&
          !(await page.textContent("#cal-days tbody")).includes("24/03/2026"));

  await page.fill("#cal-f-date", "2026-03-25");
  await page.selectOption("#cal-f-kind", "day_off");
  await page.fill("#cal-f-name-vi", "Không hợp lệ");
  page.allowed = (r) => r.status() === 422 || r.status() === 400;   // the refusal below is expected
  await page.click("#cal-form button[type=submit]");
  await page.waitForSelector("#cal-form [role=alert]:not([hidden])");
  c.check("a province cannot store a national day off: the server's message is shown",
          (await page.textContent("#cal-form [role=alert]:not([hidden])")).length > 10);
  page.allowed = null;

  await page.fill("#due-from", "2026-02-13T14:59");
  await page.selectOption("#due-rule", "days");
  await page.fill("#due-amount", "1");
  await page.click("#due-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#due-result").textContent.includes("2026"));
  const due = await page.textContent("#due-result");
  c.check("1 working day from Fri 13/02/2026 14:59 is due Mon 23/02/2026 14:59", due.includes("23/02/2026 14:59"),
          `got "${due}"`);
  await checkScreen(page, c, "the calendar (admin)");
  c.check("no console errors or unexpected failed responses (admin)", page.problems.length === 0,
          page.problems.join(" | "));

  const desk = await newPage(browser, server);   /* a page of its own context: its own cookies */
  await signIn(desk, "cujut.desk");
  await desk.click("#nav-calendar");
  await screen(desk, "calendar");
  await desk.waitForFunction(() => document.querySelector("#cal-days tbody").textContent.includes("01/01/"));
  c.check("a desk officer sees the calendar", (await desk.textContent("#cal-days tbody")).length > 0);
  c.check("... but not the editing panel", !(await desk.isVisible("#cal-admin")));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
