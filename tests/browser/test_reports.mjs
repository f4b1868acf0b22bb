// test_reports.mjs — the report screens (dashboard, units side by side, workload, trends, the dossiers of a figure)
// over the reports API, in Debian's chromium.
//
// The server's clock is pinned (MOTCUA_CLOCK_OFFSET_MS): on Monday 2027-03-01 08:00 the desk of Cư Jút receives
// three dossiers and one of them is walked to its approval the same day; the server starts again on the same
// database on Tuesday 2027-03-09 09:00, where the other two are overdue, and there the desk receives one by post
// and one at the desk (assigned to the specialist and left open), accepts one a citizen submitted online, and the
// desk of Thuận An receives one. So March 2027 at Cư Jút is known: 6 received (4 desk, 1 post, 1 online),
// 1 resolved, 2 overdue in progress. The browser's clock is the server's. Then: the dashboard shows exactly those
// numbers (and exactly the API's for every figure), each figure links to exactly the dossiers it counts, a row opens
// the dossier page; a refused range shows the API's message; the export links (&format=csv|xlsx|pdf); the province
// official's overview ranks the two communes and sorts with the keyboard, its chart's aria text says the table's
// numbers; the workload
// shows the assignee; the trend's table and charts agree; the English switch; the dashboard used with the keyboard
// only; axe and the catalogs on each screen; no console error. Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, screen, checkScreen, screenshotPath, restartServerAt, apiSession,
         cookiePage, tabTo, dossierApi } from "./lib.mjs";

const MONDAY = Date.parse("2027-03-01T01:00:00Z");    // 08:00 in Vietnam
const TUESDAY = Date.parse("2027-03-09T02:00:00Z");   // 09:00 in Vietnam, a week later

const c = counter();
process.env.MOTCUA_CLOCK_OFFSET_MS = String(MONDAY - Date.now());
const server = await startServer();
delete process.env.MOTCUA_CLOCK_OFFSET_MS;
const browser = await launch();

const session = (username, password) => apiSession(server, username, password);
const staffPage = (as) => cookiePage(browser, server, as, TUESDAY + 60000);

const { applicant, receive, act } = dossierApi();

const rowsOf = (page, table) => page.$$eval(`#${table} > tbody > tr`, (trs) => trs.map((tr) => tr.textContent));
const loadsOf = (page, sel) => page.$eval(sel, (t) => Number(t.dataset.loads || 0));
const waitMore = (page, sel, n) => page.waitForFunction(([s, k]) => Number(document.querySelector(s)?.dataset.loads || 0) > k, [sel, n]);
const codesOf = (page, table) => page.$$eval(`#${table} tbody a.code`, (as) => as.map((a) => a.textContent).sort());
// A report drawn at least once (its output may be empty, so not "visible").
const loaded = (page, sel) => page.waitForSelector(sel + "[data-loads]", { state: "attached" });
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
// The numbers of a table cell as the screen shows them (1.234 in Vietnamese).
const digits = (s) => (s || "").replace(/[^\d]/g, "");

async function reach(page, selector, what, opts) {
  const ok = await tabTo(page, selector, opts);
  c.check(`Tab reaches ${what}`, ok, await page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName)));
  if (!ok) throw new Error(`the keyboard cannot reach ${selector}`);
}

// The dashboard's figure cell of a measure (a link when not zero).
const figure = (page, m) => page.textContent(`#dash-out .figure[data-measure="${m}"]`);

try {
  // ---- Monday: two dossiers that will be overdue, one resolved the same day ----
  let desk = await session("cujut.desk");
  let lead = await session("cujut.leader");
  let spec = await session("cujut.specialist");
  const late = [await receive(desk, "Phạm Văn Trễ"), await receive(desk, "Lê Thị Muộn")];
  const done = await receive(desk, "Vũ Thị Xong");
  await act(desk, done.code, "forward");
  await act(lead, done.code, "assign", { to: "cujut.specialist" });
  await act(spec, done.code, "forward");
  await act(lead, done.code, "approve");

  // ---- a week later ----
  await restartServerAt(server, TUESDAY);
  desk = await session("cujut.desk");
  lead = await session("cujut.leader");
  spec = await session("cujut.specialist");
  const byPost = await receive(desk, "Đỗ Văn Thư", "2.000806", { channel: "post" });
  const open = await receive(desk, "Đặng Văn Mở");          // due days later: in progress, on time
  await act(desk, open.code, "forward");
  await act(lead, open.code, "assign", { to: "cujut.specialist" });
  const units = (await desk("GET", "/api/v1/units?q=cujut&limit=50")).data.items;
  const commune = units.find((u) => u.slug === "cujut");
  const phone = "0986" + String(Date.now()).slice(-6);
  let r = await fetch(server.url + "/api/v1/citizens", { method: "POST", headers: { "Content-Type": "application/json" },
                      body: JSON.stringify({ phone, full_name: "Trần Thị Mạng", password: "mang-pass-1" }) });
  if (r.status !== 201) throw new Error("citizen sign-up: " + r.status);
  const citizen = await session(phone, "mang-pass-1");
  const o = await citizen("POST", "/api/v1/dossiers", { procedure: "1.001662", channel: "online", unit: commune.id,
    applicant: applicant("Trần Thị Mạng"), papers: [{ paper: "don-de-nghi", copies: 1, form: "original" }] });
  if (o.status !== 201) throw new Error("online submission: " + JSON.stringify(o.data));
  const online = o.data;
  await act(desk, online.code, "accept");
  const other = await receive(await session("thuanan.desk"), "Ngô Văn Khác");
  const received = [...late, done, byPost, open, online];

  // ---- the leader's dashboard: this month by default ----
  let page = await staffPage(lead);
  c.check("the menu offers the dashboard, the workload and the trends to the leader (not the overview)",
          await page.isVisible("#nav-dashboard") && await page.isVisible("#nav-workload") && await page.isVisible("#nav-trend") &&
          !(await page.isVisible("#nav-overview")));
  await page.click("#nav-dashboard");
  await screen(page, "dashboard");
  await loaded(page, "#dash-out");
  c.check("the period is this month by default", (await page.inputValue("#dash-period")) === "month" &&
          (await page.inputValue("#dash-month")) === "2027-03", await page.inputValue("#dash-month"));
  const about = await page.textContent("#dash-out .report-about");
  c.check("the report says its unit and its dates", about.includes("Xã Cư Jút") && about.includes("01/03/2027") && about.includes("09/03/2027"), about);
  const want = { received: 6, received_desk: 4, received_post: 1, received_online: 1, resolved: 1, in_progress_overdue: 2, carried_over: 0 };
  for (const [m, n] of Object.entries(want)) {
    c.check(`the dashboard shows ${m} = ${n}`, digits(await figure(page, m)) === String(n), await figure(page, m));
  }
  // Every figure the API gives is the number on the screen.
  const api = (await lead("GET", `/api/v1/reports/indicators?unit=${commune.id}&from=2027-03-01&to=2027-03-09`)).data;
  const shown = await page.$$eval("#dash-out .figure", (fs) => Object.fromEntries(fs.map((f) => [f.dataset.measure, f.textContent.replace(/[^\d]/g, "")])));
  const diff = Object.entries(api.figures).filter(([k, v]) => shown[k] !== String(v)).map(([k, v]) => `${k}: api ${v}, shown ${shown[k]}`);
  c.check("every figure of the API is shown as it is", diff.length === 0 && Object.keys(shown).length >= 20, diff.join(", "));
  const rows = await page.$$eval("#dash-index tbody tr", (trs) => trs.length);
  c.check("the Decision 766 index lists its rows", rows === (api.index.rows || []).length && rows > 0, `${rows}`);
  const onTime = api.shares.find((s) => s.key === "on_time");
  const shareRow = await page.$$eval("#dash-shares tbody tr", (trs) => trs.map((tr) => tr.textContent));
  c.check("the on-time share shows its numerator and denominator",
          shareRow.some((t) => t.includes(String(onTime.numerator)) && t.includes(String(onTime.denominator))), shareRow.join(" | "));
  const csv = await page.getAttribute("#dash-exports a[data-format=csv]", "href");
  c.check("the CSV export is the same report with format=csv", csv.startsWith("/api/v1/reports/indicators?") &&
          csv.includes("format=csv") && csv.includes("from=2027-03-01") && csv.includes("unit=" + commune.id), csv);
  const others = [await page.getAttribute("#dash-exports a[data-format=xlsx]", "href"), await page.getAttribute("#dash-exports a[data-format=pdf]", "href")];
  c.check("... and the XLSX and PDF ones likewise", others[0] === csv.replace("format=csv", "format=xlsx") &&
          others[1] === csv.replace("format=csv", "format=pdf"), others.join(" "));
  await checkScreen(page, c, "the dashboard");
  await page.screenshot({ path: screenshotPath(server, "report-dashboard.png"), fullPage: true });

  // ---- a figure's dossiers ----
  await page.click('#dash-out a.figure[data-measure="received"]');
  await screen(page, "report-dossiers");
  await loaded(page, "#rd-table");
  let codes = await codesOf(page, "rd-table");
  c.check("the 'received' figure lists exactly the six dossiers received", same(codes, received.map((d) => d.code)), codes.join(" "));
  c.check("... not the other commune's", !codes.includes(other.code));
  c.check("... under the figure's name", (await page.textContent("#report-dossiers-title")).includes("Tiếp nhận trong kỳ"));
  await checkScreen(page, c, "the dossiers of a figure");
  await page.screenshot({ path: screenshotPath(server, "report-dossiers.png"), fullPage: true });
  await page.click("#rd-back");
  await screen(page, "dashboard");
  await loaded(page, "#dash-out");
  c.check("back opens the dashboard on the same month", (await page.inputValue("#dash-month")) === "2027-03");
  await page.click('#dash-out a.figure[data-measure="in_progress_overdue"]');
  await screen(page, "report-dossiers");
  await loaded(page, "#rd-table");
  codes = await codesOf(page, "rd-table");
  c.check("the overdue figure lists exactly the two dossiers of a week ago", same(codes, late.map((d) => d.code)), codes.join(" "));
  await page.click(`#rd-table a.code[href="#/dossier/${encodeURIComponent(late[0].code)}"]`);
  await screen(page, "dossier");
  c.check("a row opens the dossier page", (await page.evaluate(() => location.hash)) === "#/dossier/" + encodeURIComponent(late[0].code));
  await page.goBack();
  await screen(page, "report-dossiers");
  await page.click("#rd-back");
  await screen(page, "dashboard");
  await loaded(page, "#dash-out");

  // A range the API refuses (from after to): its message, next to the dates.
  page.allowed = (res) => res.status() === 400 && new URL(res.url()).pathname.startsWith("/api/v1/reports/");
  await page.selectOption("#dash-period", "custom");
  await page.fill("#dash-from", "2027-03-09");
  await page.fill("#dash-to", "2027-03-01");
  let n = await loadsOf(page, "#dash-out");
  await page.click("#dash-show");
  await waitMore(page, "#dash-out", n);
  const err = await page.$$eval("#dash-form .field-error:not([hidden]), #dash-form .form-error:not([hidden])", (es) => es.map((e) => e.textContent).join(" "));
  c.check("a range the API refuses shows its message in the form", err.trim().length > 0, err);
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 400/.test(p));

  // One filter: the online dossier's procedure (1.001662) alone; choosing a field clears the procedure.
  await page.selectOption("#dash-period", "month");
  await page.click("#dash-more summary");
  await page.waitForSelector('#dash-procedure option[value="1.001662"]', { state: "attached" });
  await page.selectOption("#dash-procedure", "1.001662");
  n = await loadsOf(page, "#dash-out");
  await page.click("#dash-show");
  await waitMore(page, "#dash-out", n);
  c.check("the procedure filter counts its dossiers only", digits(await figure(page, "received")) === "1" &&
          digits(await figure(page, "received_online")) === "1" && digits(await figure(page, "received_desk")) === "0",
          await page.textContent("#dash-fig-received"));
  c.check("... and its figure's list is that dossier", (await page.getAttribute('#dash-out a.figure[data-measure="received"]', "href"))
          .includes("procedure%3D1.001662"));
  const aField = await page.$eval("#dash-field", (s) => s.options[1].value);
  await page.selectOption("#dash-field", aField);
  c.check("choosing a field clears the procedure (the API filters by one)", (await page.inputValue("#dash-procedure")) === "");
  await page.selectOption("#dash-field", "");

  // The English switch: the texts change, the numbers stay.
  n = await loadsOf(page, "#dash-out");
  await page.click("#dash-show");
  await waitMore(page, "#dash-out", n);
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the English switch turns the dashboard to English", (await page.textContent("#dashboard-title")).startsWith("Dashboard") &&
          (await page.textContent("#dash-fig-received")).includes("Received in the period") && digits(await figure(page, "received")) === "6");
  await checkScreen(page, c, "the dashboard in English");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");

  // ---- the trend ----
  await page.click("#nav-trend");
  await screen(page, "trend");
  await page.fill("#tr-from", "2027-01");
  n = await loadsOf(page, "#tr-out");
  await page.click("#tr-show");
  await waitMore(page, "#tr-out", n);
  const trows = await page.$$eval("#trend-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((x) => x.textContent)));
  c.check("the trend has a row per month", trows.length === 3 && trows[2][0] === "03/2027", JSON.stringify(trows));
  c.check("... March: 6 received, 1 resolved", trows[2] && digits(trows[2][1]) === "6" && digits(trows[2][2]) === "1", JSON.stringify(trows[2]));
  const aria = await page.getAttribute("#trend-chart", "aria-label");
  c.check("the chart's aria text says the table's numbers", trows.every((tr) => aria.includes(`${tr[0]}: Tiếp nhận trong kỳ ${tr[1]}, Đã giải quyết ${tr[2]}`)), aria);
  const aria2 = await page.getAttribute("#trend-chart-ontime", "aria-label");
  c.check("... and the on-time chart's the table's shares", trows.every((tr) => aria2.includes(`${tr[0]}: Tỷ lệ đúng hạn ${tr[3]}`)), aria2);
  await checkScreen(page, c, "the trends");
  await page.screenshot({ path: screenshotPath(server, "report-trend.png"), fullPage: true });

  // ---- the workload ----
  await page.click("#nav-workload");
  await screen(page, "workload");
  await loaded(page, "#workload-table");
  const wl = (await lead("GET", `/api/v1/reports/workload?unit=${commune.id}`)).data;
  const specRow = wl.items.find((it) => it.officer.username === "cujut.specialist");
  const wrows = await rowsOf(page, "workload-table");
  const shownSpec = wrows.find((t) => t.includes("cujut.specialist")) || "";
  c.check("the workload shows the specialist with the dossier assigned", !!specRow && specRow.open >= 1 && shownSpec.includes(String(specRow.open)),
          JSON.stringify(specRow) + " | " + shownSpec);
  c.check("... one row per officer of the API", wrows.length === wl.items.length, `${wrows.length} vs ${wl.items.length}`);
  const waria = await page.getAttribute("#workload-chart", "aria-label");
  c.check("the stacked chart's aria text says each officer's numbers", wl.items.every((it) =>
    waria.includes(`${it.officer.full_name || it.officer.username}: đang giải quyết ${it.open} (sắp đến hạn ${it.due_soon}, quá hạn ${it.overdue})`)), waria);
  await page.click("#workload-table details.wl-fields summary");
  c.check("a row opens its fields", await page.isVisible("#workload-table details.wl-fields[open] table"));
  await checkScreen(page, c, "the workload");
  await page.screenshot({ path: screenshotPath(server, "report-workload.png"), fullPage: true });
  c.check("no console errors or unexpected failed responses (leader)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the leader's dashboard with the keyboard only ----
  page = await staffPage(lead);
  await page.goto(server.url + "/#/dashboard");
  await screen(page, "dashboard");
  await loaded(page, "#dash-out");
  await reach(page, "#dash-period", "the period's kind");
  await page.keyboard.press("ArrowDown");                // month → quarter
  c.check("the arrow key changes the period's kind to a quarter", (await page.inputValue("#dash-period")) === "quarter" &&
          await page.isVisible("#dash-quarter"));
  await reach(page, "#dash-show", "the Show button");
  n = await loadsOf(page, "#dash-out");
  await page.keyboard.press("Enter");
  await waitMore(page, "#dash-out", n);
  c.check("the first quarter holds the same six", (await page.textContent("#dash-out .report-about")).includes("01/01/2027") &&
          digits(await figure(page, "received")) === "6");
  await reach(page, '#dash-out a.figure[data-measure="received"]', "the 'received' figure");
  await page.keyboard.press("Enter");
  await screen(page, "report-dossiers");
  await loaded(page, "#rd-table");
  c.check("Enter on a figure opens its dossiers", (await codesOf(page, "rd-table")).length === 6);
  await reach(page, "#rd-back", "the way back");
  await page.keyboard.press("Enter");
  await screen(page, "dashboard");
  await loaded(page, "#dash-out");
  c.check("... and back on the same quarter", (await page.inputValue("#dash-period")) === "quarter");
  c.check("no console errors (keyboard)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the province official's overview ----
  const official = await session("lamdong.official");
  page = await staffPage(official);
  c.check("the menu offers the overview to the province official", await page.isVisible("#nav-overview"));
  await page.click("#nav-overview");
  await screen(page, "overview");
  await loaded(page, "#overview-table");
  const orows = await page.$$eval("#overview-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((x) => x.textContent)));
  c.check("the overview lists the province's two communes, ranked 1 and 2", orows.length === 2 && orows[0][0] === "1" && orows[1][0] === "2",
          JSON.stringify(orows));
  const cj = orows.find((x) => x[1] === "Xã Cư Jút"), ta = orows.find((x) => x[1] === "Xã Thuận An");
  c.check("... with their received counts", cj && ta && cj[2] === "6" && ta[2] === "1", JSON.stringify(orows));
  const ov = (await official("GET", "/api/v1/reports/overview")).data;
  c.check("... in the API's order", ov.items.map((it) => it.unit.name).join("|") === orows.map((x) => x[1]).join("|"));
  const oaria = await page.getAttribute("#overview-chart", "aria-label");
  c.check("the bar chart's aria text says each unit's on-time share as in the table", orows.every((x) => oaria.includes(`${x[1]} ${x[4]}`)), oaria);
  // Sort by "received" with the keyboard: Tab to the head's button, Enter (ascending: Thuận An first).
  await reach(page, "#overview-table thead th:nth-child(3) button", "the 'received' column head");
  await page.keyboard.press("Enter");
  let first = await page.$eval("#overview-table tbody tr td:nth-child(2)", (td) => td.textContent);
  c.check("Enter on a column head sorts by it", first === "Xã Thuận An" &&
          (await page.getAttribute("#overview-table thead th:nth-child(3)", "aria-sort")) === "ascending", first);
  await page.keyboard.press("Enter");
  first = await page.$eval("#overview-table tbody tr td:nth-child(2)", (td) => td.textContent);
  c.check("... and again the other way", first === "Xã Cư Jút" &&
          (await page.getAttribute("#overview-table thead th:nth-child(3)", "aria-sort")) === "descending", first);
  await checkScreen(page, c, "the overview");
  await page.screenshot({ path: screenshotPath(server, "report-overview.png"), fullPage: true });
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the overview in English", (await page.textContent("#overview-title")).trim() === "The units side by side" &&
          (await page.getAttribute("#overview-chart", "aria-label")).startsWith("Share of dossiers on time by unit"));
  await checkScreen(page, c, "the overview in English");
  await page.click("#lang");
  c.check("no console errors or unexpected failed responses (official)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the specialist is not offered the reports ----
  page = await staffPage(spec);
  c.check("the specialist is not offered the report screens",
          !(await page.isVisible("#nav-dashboard")) && !(await page.isVisible("#nav-overview")) && !(await page.isVisible("#nav-workload")));
  await page.close();
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
