// test_flow.mjs — issue 10 end to end: one dossier's whole life done in the browser, each person in a browser
// context of their own (browser.newPage() opens a new context: own cookies, own storage).
//
// cujut.desk signs in with the form, receives a marriage registration (2.000806) at the desk screen for an applicant
// with a phone, and the receipt opens as a PDF in a new tab; the desk forwards it from the dossier page. The leader
// assigns it from the leader's screen (the suggested specialist preselected); the specialist finds it in the work
// lists ("mine") and forwards it from the dossier page; the leader finds it in the approval list, opens the dossier
// page and approves; the desk attaches the result and records it delivered. The English switch is used mid-flow (on
// the dossier page, then back). Then the citizen, without an account, looks it up on /lookup.html by code + phone and
// rates it on the portal's public lookup (where rating is offered). Besides: a citizen signs up and submits online
// in the portal, and cujut.desk accepts it in the online queue. Every user signs out at the end of their part.
// The API is only read, for counts and states to assert on. Prints "N passed, N failed", exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, screen, checkScreen, signIn, screenshotPath,
         dossierLoads as loads, dossierActions as actions, dossierAct as act } from "./lib.mjs";

// The receipt is drawn by fontconfig, whose process-wide caches the sanitizer build reports at exit: suppressed as in
// test_desk.mjs, so that "no sanitizer report" still judges our code.
const supp = "suppressions=tests/cli/lsan-fontconfig.supp:print_suppressions=0";
process.env.LSAN_OPTIONS = process.env.LSAN_OPTIONS ? process.env.LSAN_OPTIONS + ":" + supp : supp;

const c = counter();
const server = await startServer();
const browser = await launch();
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const APPLICANT = "Nguyễn Thị Hạnh";
const PHONE = "0913456789";

// Read-only API look-ups for the assertions: a staff session of its own (never used to change anything).
async function reader(username) {
  const r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password: "demo" }),
  });
  const cookie = (r.headers.get("set-cookie") || "").split(";")[0];
  return async (p) => (await fetch(server.url + p, { headers: { Cookie: cookie, Accept: "application/json" } })).json();
}


async function signOutStaff(page, who) {
  await page.click("#signout");
  await page.waitForSelector("#signin-view:not([hidden])");
  await page.reload();
  await page.waitForSelector("#signin-view:not([hidden])");
  c.check(`${who} signs out (a reload asks to sign in again)`, await page.isVisible("#signin-form"));
}

// A list's row of one dossier, as a plain CSS selector (usable inside the page too): its code links to its page.
const rowOf = (table, code) => `#${table} tbody tr:has(a.code[href="#/dossier/${encodeURIComponent(code)}"])`;

let pass = false;
try {
  const read = await reader("cujut.desk");
  const before = (await read("/api/v1/dossiers?limit=1")).total;

  // ---- the desk receives it ----
  const desk = await newPage(browser, server);
  await signIn(desk, "cujut.desk");
  await desk.click("#nav-desk");
  await screen(desk, "desk");
  await desk.fill("#desk-proc", "ket hon");
  await desk.waitForSelector('#desk-proc-list [role=option][data-code="2.000806"]');
  await desk.click('#desk-proc-list [role=option][data-code="2.000806"]');
  await desk.waitForSelector("#desk-papers tbody tr");
  await desk.fill("#desk-a-name", APPLICANT);
  await desk.fill("#desk-a-id", "068095004321");
  await desk.fill("#desk-a-phone", PHONE);
  await desk.fill("#desk-a-address", "Thôn 4, xã Cư Jút");
  for (const box of await desk.$$("#desk-papers input[type=checkbox]")) await box.check();
  const pdf = new Promise((resolve) => {
    desk.context().on("response", (r) => { if (/\/forms\/receipt\.pdf$/.test(new URL(r.url()).pathname)) resolve(r); });
  });
  const popup = desk.context().waitForEvent("page", { timeout: 10000 });
  await desk.click("#desk-submit");
  await desk.waitForSelector("#desk-result:not([hidden]) #desk-code");
  const code = (await desk.textContent("#desk-code")).trim();
  c.check("the desk receives the dossier and shows its code", /^[0-9A-Z.]+-\d{6}-\d{4,}$/.test(code), code);
  c.check("... one dossier more in the unit", (await read("/api/v1/dossiers?limit=1")).total === before + 1);
  const tab = await popup;
  const r = await pdf;
  const head = (await (await tab.request.get(r.url())).body()).subarray(0, 5).toString("latin1");
  c.check("the receipt opens in a new tab as a PDF", r.status() === 200 && head === "%PDF-" &&
          (r.headers()["content-type"] || "").startsWith("application/pdf"), `${r.status()} ${head}`);
  await tab.close();

  await desk.click("#desk-dossier");
  await screen(desk, "dossier");
  c.check("the dossier page shows the applicant", (await desk.textContent("#dossier-applicant")).includes(APPLICANT));
  let msg = await act(desk, "forward", (p) => p.fill("#f-reason", "Hồ sơ đầy đủ, chuyển thẩm định"));
  c.check("the desk forwards it from the dossier page", (await read("/api/v1/dossiers/" + code)).steps.length === 2, msg);
  // The English switch mid-flow: the page and the server's names turn to English, then back to Vietnamese.
  await desk.click("#lang");
  await desk.waitForFunction(() => document.documentElement.lang === "en");
  const st = (await read("/api/v1/dossiers/" + code)).status_name;
  c.check("mid-flow, the English switch turns the dossier page to English",
          (await desk.textContent("#dossier-title")).startsWith("Dossier") && (await desk.textContent("#dossier-status")) === st.en &&
          (await desk.textContent("#signout")).trim() === "Sign out");
  await checkScreen(desk, c, "the dossier page in English (mid-flow)");
  await desk.click("#lang");
  await desk.waitForFunction(() => document.documentElement.lang === "vi");
  c.check("... and back to Vietnamese", (await desk.textContent("#dossier-status")) === st.vi);

  // ---- the leader assigns it ----
  const lead = await newPage(browser, server);
  await signIn(lead, "cujut.leader");
  await lead.click("#nav-leader");
  await screen(lead, "leader");
  await lead.waitForSelector(rowOf("leader-assigns", code));
  const sel = rowOf("leader-assigns", code) + " select";
  await lead.waitForFunction((s) => document.querySelector(s)?.value, sel);
  c.check("the leader's screen offers it to assign, the suggested specialist preselected",
          (await lead.inputValue(sel)) === "cujut.specialist");
  await lead.click(rowOf("leader-assigns", code) + " button.assign");
  await lead.waitForSelector("#leader-view .notice");
  c.check("... and assigns it", !!(await read("/api/v1/dossiers/" + code)).assignee &&
          (await lead.textContent("#leader-view .notice")).includes(code));

  // ---- the specialist finds it and forwards it ----
  const spec = await newPage(browser, server);
  await signIn(spec, "cujut.specialist");
  await spec.click("#nav-work");
  await screen(spec, "work");
  await spec.waitForSelector("#work-table[data-loads]");
  c.check("the specialist's work list ('mine') holds it", (await spec.getAttribute("#work-tab-mine", "aria-selected")) === "true" &&
          !!(await spec.$(rowOf("work-table", code))));
  await spec.click(rowOf("work-table", code) + " a.code");
  await screen(spec, "dossier");
  c.check("the specialist is not offered approve", !(await actions(spec)).includes("approve"));
  await act(spec, "forward", (p) => p.fill("#f-reason", "Đề xuất cấp giấy chứng nhận kết hôn"));
  c.check("... forwards it to the leader's step", (await spec.textContent("#dossier-step")).includes("Phê duyệt"));

  // ---- the leader approves it: leader screen → dossier page ----
  await lead.click("#nav-work");
  await screen(lead, "work");
  await lead.click("#nav-leader");
  await screen(lead, "leader");
  await lead.waitForSelector(rowOf("leader-approvals", code));
  c.check("the approval list holds it", true);
  await lead.click(rowOf("leader-approvals", code) + " a.code");
  await screen(lead, "dossier");
  msg = await act(lead, "approve");
  c.check("the leader approves it on the dossier page", msg.includes("Đã giải quyết") &&
          !(await actions(lead)).includes("approve"), msg);

  // ---- the desk records the result delivered ----
  await desk.reload();
  await screen(desk, "dossier");
  await act(desk, "attach_result", (p) => p.fill("#f-result", "Giấy chứng nhận kết hôn số 21/2026"));
  msg = await act(desk, "deliver", async (p) => {
    c.check("the receiver is prefilled with the applicant", (await p.inputValue("#f-received-by")) === APPLICANT);
  });
  const done = await read("/api/v1/dossiers/" + code);
  c.check("the desk records the result delivered", done.status === 10 && (await actions(desk)).length === 0, `${done.status} ${msg}`);
  await desk.screenshot({ path: screenshotPath(server, "flow-delivered.png"), fullPage: true });

  // ---- the citizen, no sign-in: the lookup page (the receipt's QR), then rating on the portal's lookup ----
  const cit = await newPage(browser, server);
  await cit.goto(server.url + "/lookup.html?code=" + encodeURIComponent(code));
  await cit.fill("#lookup-phone", PHONE);
  await cit.press("#lookup-phone", "Enter");
  await cit.waitForSelector("#lookup-result:not([hidden])");
  c.check("the citizen looks it up by code + phone on /lookup.html: result returned",
          (await cit.textContent("#lookup-status")).includes("Đã trả kết quả"), await cit.textContent("#lookup-status"));
  await cit.goto(server.url + "/citizen.html#/lookup");
  await screen(cit, "lookup");
  await cit.fill("#lk-code", code);
  await cit.fill("#lk-phone", PHONE);
  await cit.click("#lk-submit");
  await cit.waitForSelector("#lk-rateform");
  await cit.check("#lk-yes");
  await cit.fill("#lk-comment", "Cán bộ tiếp nhận hướng dẫn rõ ràng.");
  await cit.click("#lk-rateform button[type=submit]");
  await cit.waitForSelector("#lk-rated");
  c.check("... and rates it on the portal's public lookup", (await cit.textContent("#lk-rated")).includes("Hài lòng"));
  await checkScreen(cit, c, "the portal's lookup after rating");
  await cit.screenshot({ path: screenshotPath(server, "flow-rated.png"), fullPage: true });

  // ---- a citizen submits online; the desk accepts it in the online queue ----
  const on = await newPage(browser, server);
  on.allowed = (x) => x.status() === 404 && new URL(x.url()).pathname === "/api/v1/public/lookup";
  await on.setViewportSize({ width: 360, height: 740 });
  const phone = "09" + String(Date.now()).slice(-8);
  await on.goto(server.url + "/citizen.html");
  await screen(on, "signin");
  await on.click("#to-signup");
  await screen(on, "signup");
  await on.fill("#su-phone", phone);
  await on.fill("#su-name", "Lê Thị Thu");
  await on.fill("#su-nid", "068195004321");
  await on.fill("#su-password", "thu-pass-123");
  await on.fill("#su-password2", "thu-pass-123");
  await on.click("#su-submit");
  await screen(on, "signin");
  await on.fill("#si-password", "thu-pass-123");
  await on.click("#si-submit");
  await screen(on, "mine");
  await on.click("#nav-submit");
  await screen(on, "submit");
  await on.fill("#proc-q", "khai sinh");
  await on.press("#proc-q", "Enter");
  await on.click('button.choice[data-code="1.001193"]');
  await on.waitForSelector("#submit-form");
  await on.fill("#sub-unitq", "cu jut");
  await on.click("#sub-unitfind");
  await on.waitForFunction(() => { const s = document.querySelector("#sub-unit"); return s.options.length === 1 && s.options[0].text.includes("Cư Jút"); });
  await on.fill("#sub-idn", "068195004321");
  await on.fill("#sub-addr", "Thôn 6, xã Cư Jút");
  for (const id of await on.$$eval("#sub-papers input[type=file]", (xs) => xs.map((x) => x.id))) {
    await on.setInputFiles("#" + id, { name: id.replace("sub-paper-", "") + ".pdf", mimeType: "application/pdf", buffer: PDF });
    await on.waitForSelector(`#${id}-state[data-uploaded]`);
  }
  await on.click("#sub-submit");
  await on.waitForSelector("#submit-code");
  const online = (await on.textContent("#submit-code")).trim();
  c.check("a citizen submits online in the portal", /^[0-9A-Z.]+-\d{6}-\d{4}$/.test(online), online);
  await on.click("#signout");
  await screen(on, "signin");
  c.check("the citizen signs out", !(await on.isVisible("#signout")));

  await desk.click("#nav-queue");
  await screen(desk, "queue");
  await desk.waitForSelector(rowOf("queue-table", online));
  await desk.click(`#queue-table button.accept[data-code="${online}"]`);
  await desk.waitForSelector("#queue-view .notice");
  const accepted = await read("/api/v1/dossiers/" + online);
  c.check("cujut.desk accepts it in the online queue", (await desk.textContent("#queue-view .notice")).includes(online) &&
          accepted.steps.length === 2, JSON.stringify(accepted.status_name));
  await desk.waitForFunction((s) => !document.querySelector(s), rowOf("queue-table", online));
  c.check("... and it leaves the queue", true);

  await signOutStaff(desk, "cujut.desk");
  await signOutStaff(lead, "cujut.leader");
  await signOutStaff(spec, "cujut.specialist");
  for (const [name, p] of [["desk", desk], ["leader", lead], ["specialist", spec], ["citizen lookup", cit], ["online citizen", on]]) {
    c.check(`no console errors or unexpected failed responses (${name})`, p.problems.length === 0, p.problems.join(" | "));
  }
  pass = true;
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed || !pass ? 1 : 0);
