// test_desk.mjs — the desk officer's intake screen (web/js/screens/desk.js) in Debian's chromium.
//
// The whole desk flow with the keyboard only (Tab, typing, arrows, Space, Enter; no click): sign in as cujut.desk,
// open "Tiếp nhận hồ sơ" from the menu, find the birth registration by typing "khai sinh" without diacritics, enter
// the applicant. A bad identity number, then a bad phone, show the server's Vietnamese message next to the field
// and create nothing; a missing mandatory paper gives the supplement guidance and creates nothing; with every
// paper the dossier is received, its code and due date are shown and the receipt (form 01) opens in a new tab as a
// PDF. A double submit and a retry after a lost answer make one dossier (Idempotency-Key). The English switch
// turns the screen and the server's messages to English. The first screen weighs under 200 KB, and with the CPU
// slowed four times the desk screen is drawn and its procedure search answers within 1 s.
// Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, screenshotPath, checkScreen, throttleCpu, screen, signIn } from "./lib.mjs";

// The receipt is drawn by fontconfig, whose process-wide caches the sanitizer build reports at exit: suppressed as
// in the API and CLI tests (tests/cli/lsan-fontconfig.supp), so that "no sanitizer report" still judges our code.
const supp = "suppressions=tests/cli/lsan-fontconfig.supp:print_suppressions=0";
process.env.LSAN_OPTIONS = process.env.LSAN_OPTIONS ? process.env.LSAN_OPTIONS + ":" + supp : supp;

const c = counter();
const server = await startServer();
const browser = await launch();

const focused = (page) => page.evaluate(() => (document.activeElement ? document.activeElement.id : ""));

// Press Tab until the element with this id has the focus (the keyboard user's way there).
async function tabTo(page, id, max = 60) {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === id) return true;
    await page.keyboard.press("Tab");
  }
  return (await focused(page)) === id;
}

// Replace the text of the focused field, as a person would: select all, type over it.
async function retype(page, text) {
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
}

const countDossiers = (page) => page.evaluate(async () => {
  const r = await fetch("/api/v1/dossiers?limit=1", { headers: { Accept: "application/json" } });
  return (await r.json()).total;
});

try {
  const page = await newPage(browser, server);
  // The refusals this test provokes on purpose (bad identity number and phone: 400, a missing paper: 422).
  page.allowed = (r) => new URL(r.url()).pathname === "/api/v1/dossiers" && [400, 422].includes(r.status());

  // ---- the first screen's weight: every byte received until the sign-in form is usable ----
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  const files = [];
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; files.push(e.encodedDataLength); });
  await page.goto(server.url + "/");
  await page.waitForSelector("body[data-ready] #signin-view:not([hidden])", { timeout: 10000 });
  await page.waitForLoadState("networkidle");
  c.check(`the first screen is under 200 KB (${(bytes / 1024).toFixed(1)} KB in ${files.length} responses)`,
          bytes > 0 && bytes < 200 * 1024);
  await cdp.detach();

  // ---- sign in and open the desk screen with the keyboard ----
  c.check("Tab reaches the user name", await tabTo(page, "username"));
  await page.keyboard.type("cujut.desk");
  await page.keyboard.press("Tab");
  await page.keyboard.type("demo");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#home-view:not([hidden])", { timeout: 10000 });
  c.check("the menu offers the desk screen to a desk officer", await tabTo(page, "nav-desk"),
          await page.textContent("#nav-menu"));
  await page.keyboard.press("Enter");
  await screen(page, "desk");
  c.check("the desk screen opens with the focus on its heading", (await focused(page)) === "desk-title");
  c.check("its heading is Vietnamese", (await page.textContent("#desk-title")).trim() === "Tiếp nhận hồ sơ");
  await checkScreen(page, c, "the desk screen");
  const before = await countDossiers(page);

  // ---- the procedure, found without diacritics, chosen with the arrows and Enter ----
  await page.keyboard.press("Tab");
  c.check("the next Tab is the procedure search", (await focused(page)) === "desk-proc");
  await page.keyboard.type("khai sinh");
  await page.waitForSelector('#desk-proc-list:not([hidden]) [role=option][data-code="1.001193"]');
  c.check("the combobox says its list is open", (await page.getAttribute("#desk-proc", "aria-expanded")) === "true");
  c.check("the number of matches is announced", /\d/.test(await page.textContent("#desk-proc-count")));
  await page.keyboard.press("ArrowDown");
  c.check("ArrowDown marks the first option active", (await page.getAttribute("#desk-proc", "aria-activedescendant")) === "desk-opt-0" &&
          (await page.getAttribute("#desk-opt-0", "aria-selected")) === "true");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-proc-card:not([hidden]) #desk-card-time");
  await page.waitForSelector("#desk-papers-box:not([hidden]) #desk-papers tbody tr");
  c.check("Enter chooses the birth registration", (await page.textContent("#desk-card-code")) === "1.001193" &&
          (await page.inputValue("#desk-proc")).includes("khai sinh"));
  c.check("its time rule is shown", (await page.textContent("#desk-card-time")).includes("Trong ngày"));
  c.check("its fee is shown", (await page.textContent("#desk-card-fee")).includes("Lệ phí"));
  const paperRows = await page.$$eval("#desk-papers tbody tr", (rows) => rows.map((r) => r.dataset.paper));
  c.check("its papers are listed to tick", paperRows.join() === "to-khai,giay-chung-sinh", paperRows.join());
  c.check("the focus stays on the search after choosing", (await focused(page)) === "desk-proc");

  // ---- the applicant, with a bad identity number first ----
  c.check("Tab reaches the applicant's name", await tabTo(page, "desk-a-name"));
  await page.keyboard.type("Nguyễn Thị Hoa");
  await page.keyboard.press("Tab");
  await page.keyboard.type("123");
  await page.keyboard.press("Tab");
  await page.keyboard.type("0912345678");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Thôn 2, xã Cư Jút");
  c.check("Tab reaches the first paper", await tabTo(page, "desk-p-0"));
  await page.keyboard.press("Space");
  c.check("Space ticks it", await page.isChecked("#desk-p-0"));
  c.check("Tab reaches the receive button", await tabTo(page, "desk-submit"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-a-id-err:not([hidden])");
  const idErr = await page.textContent("#desk-a-id-err");
  c.check("a bad identity number shows the server's Vietnamese message next to the field",
          idErr.includes("Số định danh cá nhân phải gồm 12 chữ số"), idErr);
  c.check("... marks the field invalid and gives it the focus",
          (await page.getAttribute("#desk-a-id", "aria-invalid")) === "true" && (await focused(page)) === "desk-a-id");
  c.check("... and creates nothing", (await countDossiers(page)) === before);

  await retype(page, "068095001234");
  await page.keyboard.press("Tab");
  await retype(page, "12345");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-a-phone-err:not([hidden])");
  const phoneErr = await page.textContent("#desk-a-phone-err");
  c.check("a bad phone shows the server's message next to the phone", phoneErr.includes("Số điện thoại không hợp lệ"), phoneErr);
  c.check("... the identity number's message is gone", await page.isHidden("#desk-a-id-err"));
  c.check("... and nothing is created", (await countDossiers(page)) === before);

  // ---- a mandatory paper missing: the supplement guidance, nothing received ----
  await retype(page, "+84 912 345 678");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-guide:not([hidden]) #desk-guide-papers li");
  const guide = await page.textContent("#desk-guide");
  c.check("a missing mandatory paper gives the supplement guidance with the server's message",
          guide.includes("Hướng dẫn bổ sung, hoàn thiện hồ sơ") && guide.includes("thiếu giấy tờ bắt buộc"), guide.slice(0, 200));
  const missing = await page.$$eval("#desk-guide-papers li", (li) => li.map((x) => x.dataset.paper));
  c.check("... naming the missing paper", missing.join() === "giay-chung-sinh", missing.join());
  c.check("... with the focus on the guidance", (await focused(page)) === "desk-guide-title");
  c.check("... and no dossier is created", (await countDossiers(page)) === before);
  await checkScreen(page, c, "the supplement guidance");
  await page.screenshot({ path: screenshotPath(server, "desk-guide.png"), fullPage: true });
  c.check("Tab reaches 'back to the papers'", await tabTo(page, "desk-guide-back"));
  await page.keyboard.press("Enter");
  c.check("... which puts the focus on the missing paper", (await focused(page)) === "desk-p-1");
  await page.keyboard.press("Space");

  // ---- received: code, due date, the receipt in a new tab ----
  const posts = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/dossiers") posts.push(r.headers()["idempotency-key"] || "");
  });
  const pdf = new Promise((resolve) => {
    page.context().on("response", (r) => { if (/\/forms\/receipt\.pdf$/.test(new URL(r.url()).pathname)) resolve(r); });
  });
  const popup = page.context().waitForEvent("page", { timeout: 10000 });
  await page.screenshot({ path: screenshotPath(server, "desk-form.png"), fullPage: true });
  c.check("Tab reaches the receive button again", await tabTo(page, "desk-submit"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-result:not([hidden]) #desk-code");
  const code = await page.textContent("#desk-code");
  c.check("the dossier code is shown", /^[0-9A-Z.]+-\d{6}-\d{4,}$/.test(code), code);
  c.check("the due date is shown as dd/mm/yyyy HH:mm", /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(await page.textContent("#desk-due")));
  c.check("the focus moves to the result", (await focused(page)) === "desk-result-title");
  c.check("one dossier is created", (await countDossiers(page)) === before + 1);
  c.check("the intake carried an Idempotency-Key", posts.length >= 1 && /^[\x21-\x7e]{1,64}$/.test(posts[0]), posts.join());
  const link = await page.$eval("#desk-receipt", (a) => ({ href: a.getAttribute("href"), target: a.target, rel: a.rel }));
  c.check("the receipt is a link to a new tab", link.href === `/api/v1/dossiers/${encodeURIComponent(code)}/forms/receipt.pdf` &&
          link.target === "_blank" && link.rel === "noopener", JSON.stringify(link));
  c.check("the dossier page is linked", (await page.getAttribute("#desk-dossier", "href")) === "#/dossier/" + encodeURIComponent(code));
  const tab = await popup;
  c.check("the receipt opened in a new tab", new URL(tab.url() === "about:blank" ? (await tab.waitForURL(/receipt/), tab.url()) : tab.url())
          .pathname.endsWith("/forms/receipt.pdf"), tab.url());
  const r = await pdf;
  // The tab's viewer replaces the body it shows, so the bytes are read again with the tab's own cookies.
  const head = (await (await tab.request.get(r.url())).body()).subarray(0, 5).toString("latin1");
  c.check("... as a PDF (application/pdf, %PDF)", r.status() === 200 && (r.headers()["content-type"] || "").startsWith("application/pdf") &&
          head === "%PDF-", `${r.status()} ${r.headers()["content-type"]} ${head}`);
  await tab.close();
  page.context().on("page", (p) => p.close());     // the receipts of the intakes below are not looked at
  await page.screenshot({ path: screenshotPath(server, "desk-receipt.png"), fullPage: true });

  // ---- one intake, one dossier: a double submit, and a retry after the answer was lost ----
  async function fillSimple() {
    await page.fill("#desk-proc", "trich luc");
    await page.waitForSelector('#desk-proc-list [role=option][data-code="2.000635"]');
    await page.click('#desk-proc-list [role=option][data-code="2.000635"]');
    await page.waitForSelector("#desk-papers tbody tr");
    await page.fill("#desk-a-name", "Trần Văn Bình");
    await page.fill("#desk-a-id", "068095001235");
    await page.fill("#desk-a-phone", "0987654321");
    await page.fill("#desk-a-address", "Thôn 5, xã Cư Jút");
    await page.check("#desk-p-0");
  }
  await page.click("#desk-new");
  c.check("'receive another' empties the form and focuses the search",
          (await focused(page)) === "desk-proc" && (await page.inputValue("#desk-a-name")) === "" && await page.isHidden("#desk-result"));
  await fillSimple();
  posts.length = 0;
  await page.evaluate(() => { const f = document.querySelector("#desk-form"); f.requestSubmit(); f.requestSubmit(); });
  await page.waitForSelector("#desk-result:not([hidden]) #desk-code");
  await page.waitForTimeout(300);
  c.check("a double submit makes one dossier", (await countDossiers(page)) === before + 2, `${posts.length} requests`);

  await page.click("#desk-new");
  await fillSimple();
  // The server receives the first request, but its answer never reaches the page (a network cut).
  await page.route("**/api/v1/dossiers", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    await route.fetch();
    await route.abort("connectionreset");
  });
  posts.length = 0;
  await page.click("#desk-submit");
  await page.waitForSelector("#desk-form .form-error:not([hidden])");
  c.check("a lost answer shows the network message", (await page.textContent("#desk-form .form-error")).includes("Không kết nối"));
  await page.unroute("**/api/v1/dossiers");
  const replay = page.waitForResponse((x) => x.request().method() === "POST" && new URL(x.url()).pathname === "/api/v1/dossiers");
  await page.click("#desk-submit");
  const rr = await replay;
  await page.waitForSelector("#desk-result:not([hidden]) #desk-code");
  c.check("the retry carries the same key and gets the first answer replayed",
          posts.length === 2 && posts[0] === posts[1] && rr.headers()["idempotent-replayed"] === "true", posts.join());
  c.check("... so the retry makes no second dossier", (await countDossiers(page)) === before + 3);
  await page.waitForTimeout(100);
  page.problems = page.problems.filter((p) => !/ERR_CONNECTION_RESET|ERR_FAILED/.test(p));   // the cut we made

  // ---- English ----
  await page.click("#desk-new");
  await page.fill("#desk-proc", "khai sinh");
  await page.waitForSelector('#desk-proc-list [role=option][data-code="1.001193"]');
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#desk-card-time");
  await page.fill("#desk-a-name", "Lê Văn Cường");
  await page.fill("#desk-a-id", "068095001236");
  await page.fill("#desk-a-phone", "0912");
  await page.fill("#desk-a-address", "Thôn 1");
  await page.click("#desk-submit");
  await page.waitForSelector("#desk-a-phone-err:not([hidden])");
  c.check("Tab reaches the language switch", await tabTo(page, "lang"));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the language switch turns the desk screen to English",
          (await page.textContent("#desk-title")).trim() === "Receive a dossier" &&
          (await page.textContent("#desk-submit")).trim() === "Receive the dossier" &&
          (await page.textContent("label[for=desk-a-id]")).trim() === "Personal identification number");
  c.check("... the procedure's facts", (await page.textContent("#desk-card-time")).includes("Same day"));
  c.check("... and the server's message shown", (await page.textContent("#desk-a-phone-err")).includes("Invalid phone number"));
  await checkScreen(page, c, "the desk screen in English");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");
  // The browser's own console note on the 422 (lib.mjs passes only 40x notes; the response itself is judged above).
  page.problems = page.problems.filter((p) => !/status of 422 \(Unprocessable Content\)/.test(p));
  c.check("no console errors (CSP violations, script errors) or unexpected failed responses",
          page.problems.length === 0, page.problems.join(" | "));

  // ---- an old PC: the desk screen with the CPU four times slower ----
  const slow = await newPage(browser, server);
  await signIn(slow, "cujut.desk");
  await throttleCpu(slow, 4);
  // From the navigation to the screen drawn (body[data-screen=desk], set once render() returned), timed inside the
  // page so that the test driver's own round trips under the slowed CPU are not counted; desk.js is loaded then.
  const drawn = await slow.evaluate(() => new Promise((resolve) => {
    const t = performance.now();
    new MutationObserver((_, o) => {
      if (document.body.dataset.screen === "desk" && document.querySelector("#desk-view #desk-proc")) { o.disconnect(); resolve(performance.now() - t); }
    }).observe(document.body, { attributes: true, attributeFilter: ["data-screen"] });
    window.motcuaGo("#/desk");
  }));
  await screen(slow, "desk");
  // From the keystroke's input event to the options drawn, timed inside the page (the debounce included).
  const answered = await slow.evaluate(() => new Promise((resolve) => {
    const input = document.querySelector("#desk-proc"), list = document.querySelector("#desk-proc-list");
    const t = performance.now();
    new MutationObserver((_, o) => { if (list.querySelector("[role=option]")) { o.disconnect(); resolve(performance.now() - t); } })
      .observe(list, { childList: true });
    input.value = "chung thuc";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }));
  c.check(`with CPU ×4 the desk screen is drawn in ${drawn.toFixed(0)} ms and the procedure search answers in ` +
          `${answered.toFixed(0)} ms (both under 1 s)`, drawn < 1000 && answered < 1000);
  c.check("no console errors on the slowed page", slow.problems.length === 0, slow.problems.join(" | "));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
  if (c.failed && process.env.DESK_DEBUG) console.log(server.stderr());
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
