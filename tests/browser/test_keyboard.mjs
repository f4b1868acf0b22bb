// test_keyboard.mjs — issue 10's "a new user can do the whole flow with the keyboard only", for the dossier's life
// after the intake (test_desk.mjs does the intake itself keyboard-only). Only page.keyboard acts on the pages:
// Tab, Shift+Tab, Enter, Space, arrows, End and typing; no click, no fill, no selectOption.
//
// cujut.desk receives a marriage registration (2.000806) through the API (setup, as in test_lookup.mjs). Then with
// the keyboard: the desk signs in, opens the work lists, reaches the "whole unit" tab with the arrow keys, Tabs to
// the dossier's link and opens it, and forwards it through the action dialog; the desk switches the language to
// English and back; the leader assigns it on the leader's screen (the suggested specialist preselected); the
// specialist opens it from "mine" and forwards it; the leader opens it from the approval list and approves it in
// the dialog; the desk attaches the result and records it delivered; each signs out. On the citizen portal at
// 360x740, without an account, the citizen looks it up by code + phone and rates it. tabTo() proves that focus can
// reach each control; the API is only read for the assertions. Prints "N passed, N failed", exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, screen, checkScreen, screenshotPath,
         dossierLoads as loads, tabTo } from "./lib.mjs";

const c = counter();
const server = await startServer();
const browser = await launch();
const APPLICANT = "Trần Văn Bình";
const PHONE = "0914567890";

// A staff session through the API: cookie + CSRF token (the setup and the read-only assertions).
async function session(username) {
  const r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password: "demo" }),
  });
  const cookie = (r.headers.get("set-cookie") || "").split(";")[0];
  const csrf = (await r.json()).csrf;
  const call = async (method, p, body) => {
    const res = await fetch(server.url + p, {
      method, headers: { "Content-Type": "application/json", Accept: "application/json", Cookie: cookie, "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, data: await res.json() };
  };
  return call;
}

// Describe the focused element (for the failure messages).
const focusedDesc = (page) => page.evaluate(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return "(body)";
  return a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") + (a.className ? "." + String(a.className).split(" ").join(".") : "");
});

// tabTo as a check: fail with where the focus was, and stop the story (the next steps would act elsewhere).
async function reach(page, selector, what, opts) {
  const ok = await tabTo(page, selector, opts);
  c.check(`Tab reaches ${what}`, ok, `focus on ${await focusedDesc(page)}`);
  if (!ok) throw new Error(`the keyboard cannot reach ${selector}`);
}

// Sign in with the keyboard: Tab to the user name, type, Tab, type the password, Enter.
async function signInKbd(page, username) {
  await page.goto(page.base + "/");
  await page.waitForSelector("body[data-ready] #signin-view:not([hidden])", { timeout: 10000 });
  await reach(page, "#username", `the user name (${username})`);
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type("demo");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#home-view:not([hidden])", { timeout: 10000 });
}

// The menu item of a screen: from the main area, Shift+Tab goes back up to the header's menu.
async function openMenu(page, name) {
  await reach(page, "#nav-" + name, `the menu item "${name}"`, { back: true });
  await page.keyboard.press("Enter");
  await screen(page, name);
}

const rowLink = (table, code) => `#${table} tbody tr a.code[href="#/dossier/${encodeURIComponent(code)}"]`;

// Open a dossier from a list: Tab to its code's link, Enter.
async function openFrom(page, table, code, what) {
  await page.waitForSelector(rowLink(table, code));
  await reach(page, rowLink(table, code), `the dossier's link in ${what}`);
  await page.keyboard.press("Enter");
  await screen(page, "dossier");
  await page.waitForSelector("#dossier-actions");
}

// An action of the dossier page by keyboard: Tab to its button, Enter opens the dialog (the focus inside it),
// fill() types into the fields, Tab to the confirm button, Enter; then the page reloads and its notice has the focus.
async function act(page, action, fill) {
  await reach(page, "#act-" + action, `the "${action}" button`);
  const before = await loads(page);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#dossier-dialog[open] #dossier-act-form");
  c.check(`... Enter opens the "${action}" dialog with the focus inside it`,
          await page.evaluate(() => !!document.activeElement?.closest("#dossier-dialog[open]")), await focusedDesc(page));
  if (fill) await fill(page);
  await reach(page, "#dossier-act-submit", `the dialog's confirm button (${action})`);
  await page.keyboard.press("Enter");
  await page.waitForFunction((n) => Number(document.querySelector("#dossier-view")?.dataset.loads || "0") > n, before);
  await page.waitForSelector("#dossier-view .notice");
  c.check(`... after "${action}" the focus is on the notice`,
          await page.evaluate(() => !!document.activeElement?.matches("#dossier-view .notice")), await focusedDesc(page));
  return (await page.textContent("#dossier-view .notice")).trim();
}

async function signOutKbd(page, who) {
  await reach(page, "#signout", `the sign-out button (${who})`, { back: true });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#signin-view:not([hidden])");
  await page.reload();
  await page.waitForSelector("#signin-view:not([hidden])");
  c.check(`${who} signs out by keyboard (a reload asks to sign in again)`, await page.isVisible("#signin-form"));
}

let pass = false;
try {
  // ---- setup through the API: cujut.desk receives the dossier ----
  const api = await session("cujut.desk");
  const r = await api("POST", "/api/v1/dossiers", {
    procedure: "2.000806", channel: "desk",
    applicant: { kind: "person", name: APPLICANT, id_number: "068095007654", phone: PHONE, address: "Thôn 5, xã Cư Jút" },
    papers: [{ paper: "don-de-nghi", copies: 1, form: "original" }],
  });
  if (r.status !== 201) throw new Error("intake failed: " + JSON.stringify(r.data));
  const code = r.data.code;
  const read = async (p) => (await api("GET", p)).data;

  // ---- the desk forwards it: work lists → "whole unit" by arrows → the row's link → the dialog ----
  const desk = await newPage(browser, server);
  await signInKbd(desk, "cujut.desk");
  await openMenu(desk, "work");
  await desk.waitForSelector("#work-table[data-loads]");
  await reach(desk, "#work-tab-mine", "the work lists' selected tab");
  await desk.keyboard.press("End");
  await desk.waitForFunction(() => document.querySelector("#work-tab-unit")?.getAttribute("aria-selected") === "true" &&
                             document.activeElement?.id === "work-tab-unit");
  await desk.keyboard.press("ArrowLeft");
  await desk.waitForFunction(() => document.activeElement?.id === "work-tab-waiting");
  await desk.keyboard.press("ArrowRight");
  await desk.waitForFunction(() => document.activeElement?.id === "work-tab-unit");
  c.check("the arrow keys and End move between the work lists' tabs", true);
  await checkScreen(desk, c, "the work lists (whole unit)");
  await openFrom(desk, "work-table", code, "the unit's work list");
  await checkScreen(desk, c, "the dossier page");
  let msg = await act(desk, "forward", async (p) => {
    await reach(p, "#f-reason", "the dialog's reason");
    await p.keyboard.type("Hồ sơ đầy đủ, chuyển thẩm định");
  });
  c.check("the desk forwards it by keyboard", (await read("/api/v1/dossiers/" + code)).steps.length === 2, msg);

  // ---- the language switch by keyboard, and back ----
  await reach(desk, "#lang", "the language switch", { back: true });
  await desk.keyboard.press("Enter");
  await desk.waitForFunction(() => document.documentElement.lang === "en");
  c.check("Enter on the language switch turns the page to English",
          (await desk.textContent("#dossier-title")).startsWith("Dossier") && (await desk.textContent("#signout")).trim() === "Sign out");
  await checkScreen(desk, c, "the dossier page in English");
  c.check("... the focus stays on the switch", await desk.evaluate(() => document.activeElement?.id === "lang"));
  await desk.keyboard.press("Space");
  await desk.waitForFunction(() => document.documentElement.lang === "vi");
  c.check("... and Space turns it back to Vietnamese", (await desk.textContent("#signout")).trim() === "Đăng xuất");

  // ---- the leader assigns it on the leader's screen ----
  const lead = await newPage(browser, server);
  await signInKbd(lead, "cujut.leader");
  await openMenu(lead, "leader");
  const assignRow = `#leader-assigns tbody tr:has(a.code[href="#/dossier/${encodeURIComponent(code)}"])`;
  await lead.waitForSelector(assignRow + " button.assign:not([disabled])");
  await reach(lead, assignRow + " select", "the assignee's choice");
  c.check("... the suggested specialist is preselected", (await lead.inputValue(assignRow + " select")) === "cujut.specialist");
  await lead.keyboard.press("Tab");
  c.check("... the next Tab is the assign button", await lead.evaluate((s) => document.activeElement?.matches(s), assignRow + " button.assign"));
  await lead.keyboard.press("Enter");
  await lead.waitForSelector("#leader-view .notice");
  c.check("the leader assigns it by keyboard", !!(await read("/api/v1/dossiers/" + code)).assignee &&
          (await lead.textContent("#leader-view .notice")).includes(code));
  await checkScreen(lead, c, "the leader's screen");

  // ---- the specialist forwards it from "mine" ----
  const spec = await newPage(browser, server);
  await signInKbd(spec, "cujut.specialist");
  await openMenu(spec, "work");
  await spec.waitForSelector("#work-table[data-loads]");
  await openFrom(spec, "work-table", code, "the specialist's list (mine)");
  await act(spec, "forward", async (p) => {
    await reach(p, "#f-reason", "the dialog's reason (specialist)");
    await p.keyboard.type("Đề xuất cấp giấy chứng nhận kết hôn");
  });
  c.check("the specialist forwards it to the leader's step", (await spec.textContent("#dossier-step")).includes("Phê duyệt"));

  // ---- the leader approves it: leader screen → dossier page → approve → the dialog → confirm ----
  await openMenu(lead, "work");
  await openMenu(lead, "leader");
  await openFrom(lead, "leader-approvals", code, "the approval list");
  msg = await act(lead, "approve");
  c.check("the leader approves it by keyboard", msg.includes("Đã giải quyết") &&
          !(await lead.$$eval("#dossier-actions button", (bs) => bs.map((b) => b.dataset.action))).includes("approve"), msg);

  // ---- the desk attaches the result and records it delivered ----
  await desk.reload();
  await screen(desk, "dossier");
  await desk.waitForSelector("#act-attach_result");
  await act(desk, "attach_result", async (p) => {
    c.check("... the result field has the focus", await p.evaluate(() => document.activeElement?.id === "f-result"));
    await p.keyboard.type("Giấy chứng nhận kết hôn số 22/2026");
  });
  msg = await act(desk, "deliver", async (p) => {
    c.check("the receiver is prefilled with the applicant", (await p.inputValue("#f-received-by")) === APPLICANT);
    // The way back through the dialog with Shift+Tab: the confirm button, then back to the receiver.
    await reach(p, "#dossier-act-submit", "the confirm button (deliver)");
    await reach(p, "#f-received-by", "the receiver again with Shift+Tab", { back: true, max: 10 });
  });
  const done = await read("/api/v1/dossiers/" + code);
  c.check("the desk records it delivered by keyboard", done.status === 10, `${done.status} ${msg}`);
  await desk.screenshot({ path: screenshotPath(server, "keyboard-delivered.png"), fullPage: true });

  await signOutKbd(desk, "cujut.desk");
  await signOutKbd(lead, "cujut.leader");
  await signOutKbd(spec, "cujut.specialist");

  // ---- the citizen on the portal, phone-sized: look it up by code + phone, rate it ----
  const cit = await newPage(browser, server);
  await cit.setViewportSize({ width: 360, height: 740 });
  await cit.goto(server.url + "/citizen.html#/lookup");
  await screen(cit, "lookup");
  await reach(cit, "#lk-code", "the lookup's code (portal)");
  await cit.keyboard.type(code);
  await cit.keyboard.press("Tab");
  c.check("... the next Tab is the phone", await cit.evaluate(() => document.activeElement?.id === "lk-phone"));
  await cit.keyboard.type(PHONE);
  await cit.keyboard.press("Enter");
  await cit.waitForSelector("#lk-rateform");
  c.check("Enter looks it up; the focus goes to the result's heading",
          await cit.evaluate(() => document.activeElement?.id === "lookup-result-title"), await focusedDesc(cit));
  await reach(cit, "#lk-rateform input[type=radio]", "the rating's choice");
  // A radio group is one Tab stop: the arrows choose within it.
  if (!(await cit.evaluate(() => document.activeElement?.id === "lk-yes"))) await cit.keyboard.press("ArrowUp");
  await cit.keyboard.press("Space");
  c.check("... Space chooses 'satisfied'", await cit.isChecked("#lk-yes"));
  await reach(cit, "#lk-comment", "the rating's comment", { max: 5 });
  await cit.keyboard.type("Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn.");
  await reach(cit, "#lk-rateform button[type=submit]", "the rating's send button", { max: 5 });
  await cit.keyboard.press("Enter");
  await cit.waitForSelector("#lk-rated");
  c.check("the citizen rates it by keyboard", (await cit.textContent("#lk-rated")).includes("Hài lòng"));
  const rated = await read("/api/v1/public/lookup?" + new URLSearchParams({ code, phone: PHONE }));
  c.check("... the rating is recorded as satisfied", rated.rating?.satisfied === true && rated.can_rate === false,
          JSON.stringify(rated.rating));
  await checkScreen(cit, c, "the portal's lookup after rating (360x740)");
  await cit.screenshot({ path: screenshotPath(server, "keyboard-rated.png"), fullPage: true });

  for (const [name, p] of [["desk", desk], ["leader", lead], ["specialist", spec], ["citizen", cit]]) {
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
