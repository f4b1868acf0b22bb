// test_citizen.mjs — the citizen portal (web/citizen.html) on a 360 × 740 phone screen, in Debian's chromium.
//
// A visitor signs up (an invalid phone first: the server's message shows next to the phone field), signs in with
// the keyboard, finds a procedure without diacritics, picks Xã Cư Jút from the public list of communes, sees the
// missing mandatory papers named, uploads PDFs (a file that is not a PDF is refused next to its field), submits
// and gets the code; sees the dossier in "my dossiers" with its status and steps, in English too. Then the officers
// of Cư Jút walk it to "result returned" through the API; signed out, the visitor looks it up by code + phone,
// rates it and files a complaint, which a leader answers through the API: the answer shows at the next lookup.
// A third dossier waits for a supplement the desk requested: its screen shows what was asked, the visitor uploads
// the paper there (and reuses one of the data store for another item) and resubmits with the keyboard, and the
// status changes.
// Every screen: no horizontal scroll at 360 px, axe serious/critical = 0, no missing catalog key. Any console
// error or unexpected failed response fails the run. Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage, screen, checkScreen, screenshotPath } from "./lib.mjs";

const c = counter();
const server = await startServer();
const browser = await launch();

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const phone = "09" + String(Date.now()).slice(-8);
const fullName = "Trần Thị Mai";

// An officer's session through the API (cookie + CSRF token).
async function session(username, password = "demo") {
  const r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password }),
  });
  const cookie = (r.headers.get("set-cookie") || "").split(";")[0];
  const csrf = (await r.json()).csrf;
  return async (method, path, body) => {
    const raw = body instanceof Buffer;
    const res = await fetch(server.url + path, {
      method,
      headers: { "Content-Type": raw ? "application/pdf" : "application/json", Cookie: cookie, "X-CSRF-Token": csrf },
      body: body === undefined || raw ? body : JSON.stringify(body),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
}

// Walk a dossier through the officers of Cư Jút to "result returned" (accepting it first when it came online).
async function walk(code, online) {
  const desk = await session("cujut.desk"), lead = await session("cujut.leader");
  const spec = await session("cujut.specialist");
  if (online) await act(desk, code, "accept");
  await act(desk, code, "forward");
  await act(lead, code, "assign", { to: "cujut.specialist" });
  await act(spec, code, "forward");
  await act(lead, code, "approve");
  await act(spec, code, "attach_result", { result: "Giấy khai sinh bản chính" });
  return act(desk, code, "deliver", { received_by: fullName, how: "online" });
}

async function act(who, code, action, extra = {}) {
  const d = await who("GET", "/api/v1/dossiers/" + encodeURIComponent(code));
  return who("POST", "/api/v1/dossiers/" + encodeURIComponent(code) + "/actions",
             Object.assign({ action, version: d.version }, extra));
}

async function fits(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  c.check(`no horizontal scroll on ${name} at 360 px`, w <= 360, `scrollWidth ${w}`);
}

async function check(page, name) {
  await fits(page, name);
  await checkScreen(page, c, name);
}

try {
  const page = await newPage(browser, server);
  await page.setViewportSize({ width: 360, height: 740 });
  page.allowed = (r) => {
    const p = new URL(r.url()).pathname;
    return (r.status() === 400 && p === "/api/v1/citizens") || (r.status() === 422 && p === "/api/v1/dossiers") ||
           (r.status() === 415 && p === "/api/v1/papers") || (r.status() === 404 && p === "/api/v1/public/lookup");
  };
  await page.goto(server.url + "/citizen.html");
  await screen(page, "signin");
  c.check("a visitor gets the sign-in screen in Vietnamese",
          (await page.textContent("#si-submit")).trim() === "Đăng nhập");
  await check(page, "the sign-in screen");

  // Sign up: the server's message next to the field it names.
  await page.click("#to-signup");
  await screen(page, "signup");
  await page.fill("#su-phone", "09ab");
  await page.fill("#su-name", fullName);
  await page.fill("#su-password", "mai-pass-123");
  await page.fill("#su-password2", "mai-pass-123");
  await page.click("#su-submit");
  await page.waitForSelector("#su-phone-err:not([hidden])");
  const perr = await page.textContent("#su-phone-err");
  c.check("an invalid phone shows the server's message next to the phone field",
          perr.includes("phone") && (await page.getAttribute("#su-phone", "aria-invalid")) === "true", perr);
  c.check("... and the focus goes to that field", await page.evaluate(() => document.activeElement.id === "su-phone"));
  await check(page, "the sign-up screen");
  await page.fill("#su-phone", phone);
  await page.fill("#su-nid", "068195001234");
  await page.click("#su-submit");
  await screen(page, "signin");
  c.check("after signing up, the sign-in screen has the phone filled in",
          (await page.inputValue("#si-phone")) === phone);

  // Sign in with the keyboard only.
  await page.focus("#si-password");
  await page.keyboard.type("mai-pass-123");
  await page.keyboard.press("Enter");
  await screen(page, "mine");
  c.check("signed in, the focus is on the screen's heading",
          await page.evaluate(() => document.activeElement.id === "mine-title"));
  await page.waitForSelector("#mine-table[data-loads]");
  await check(page, "my dossiers (empty)");

  // Submit online.
  await page.click("#nav-submit");
  await screen(page, "submit");
  await page.fill("#proc-q", "dang ky khai sinh");
  await page.press("#proc-q", "Enter");
  await page.waitForSelector('button.choice[data-code="1.001193"]');
  const codes = await page.$$eval("button.choice", (bs) => bs.map((b) => b.dataset.code));
  c.check("a search without diacritics finds the birth registration", codes.includes("1.001193"), codes.join(","));
  await page.fill("#proc-q", "");
  await page.press("#proc-q", "Enter");
  await page.waitForFunction(() => document.querySelectorAll("button.choice").length > 3);
  const offered = await page.$$eval("button.choice", (bs) => bs.map((b) => b.dataset.code));
  c.check("only procedures that can be submitted online are offered", !offered.includes("2.000806"), offered.join(","));
  await page.fill("#proc-q", "khai sinh");
  await page.press("#proc-q", "Enter");
  await page.click('button.choice[data-code="1.001193"]');
  await page.waitForSelector("#submit-form");
  c.check("the applicant is prefilled from the account",
          (await page.inputValue("#sub-name")) === fullName && (await page.inputValue("#sub-phone")) === phone);
  await page.fill("#sub-unitq", "cu jut");
  await page.click("#sub-unitfind");
  await page.waitForFunction(() => {
    const s = document.querySelector("#sub-unit");
    return s.options.length === 1 && s.options[0].text.includes("Cư Jút");
  });
  c.check("the commune is found without diacritics in the public list", true);
  await page.fill("#sub-idn", "068195001234");
  await page.fill("#sub-addr", "Thôn 3, xã Cư Jút");
  await page.click("#sub-submit");
  await page.waitForSelector("#sub-papers-err:not([hidden])");
  c.check("a missing mandatory paper is named next to the papers",
          (await page.textContent("#sub-papers-err")).includes("bắt buộc"));
  const files = await page.$$eval("#sub-papers input[type=file]", (xs) => xs.map((x) => x.id));
  const notPdf = { name: "to-khai.pdf", mimeType: "application/pdf", buffer: Buffer.from("not a pdf at all") };
  await page.setInputFiles("#" + files[0], notPdf);
  await page.waitForSelector(`#${files[0]}-err:not([hidden])`);
  c.check("a file that is not a PDF is refused next to its field",
          (await page.textContent(`#${files[0]}-err`)).trim().length > 5);
  for (const id of files) {
    await page.setInputFiles("#" + id,
                             { name: id.replace("sub-paper-", "") + ".pdf", mimeType: "application/pdf", buffer: PDF });
    await page.waitForSelector(`#${id}-state[data-uploaded]`);
  }
  c.check("each paper is uploaded with its progress bar full",
          await page.$$eval("#sub-papers progress",
                            (ps) => ps.length > 0 && ps.every((p) => p.value === 1 && !p.hidden)));
  await check(page, "the submission form");
  await page.screenshot({ path: screenshotPath(server, "citizen-submit.png"), fullPage: true });
  await page.click("#sub-submit");
  await page.waitForSelector("#submit-code");
  const code = (await page.textContent("#submit-code")).trim();
  c.check("submitting shows the dossier's code", /^[0-9A-Z.]+-\d{6}-\d{4}$/.test(code), code);
  await check(page, "the submitted screen");

  // My dossiers, one dossier's steps, English.
  await page.click("#nav-mine");
  await screen(page, "mine");
  await page.waitForSelector("#mine-table[data-loads]");
  const rows = await page.textContent("#mine-table tbody");
  c.check("my dossiers list it with its status", rows.includes(code) && rows.includes("Mới tiếp nhận trực tuyến"),
          rows);
  await check(page, "my dossiers");
  await page.click(`#mine-table a.code`);
  await screen(page, "dossier");
  await page.waitForSelector("#ds-steps li");
  c.check("the dossier shows its steps", (await page.$$("#ds-steps li")).length === 1);
  c.check("... and the papers filed", (await page.$$("#dossier-papers li")).length === files.length);
  await check(page, "the dossier screen");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the English switch turns the status and the menu to English",
          (await page.textContent("#ds-status")) === "New (online, not yet accepted)" &&
          (await page.textContent("#nav-mine")).trim() === "My dossiers");
  await check(page, "the dossier screen in English");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");

  // The officers of Cư Jút walk it to "result returned".
  const delivered = await walk(code, true);
  c.check("the officers walked it to result returned", delivered.status === 10, String(delivered.status));

  // Signed out: the lookup by code + phone, the rating, a complaint.
  await page.click("#signout");
  await screen(page, "signin");
  await page.click("#nav-lookup");
  await screen(page, "lookup");
  await page.fill("#lk-code", code);
  await page.fill("#lk-phone", "0900000000");
  await page.click("#lk-submit");
  await page.waitForSelector("#lookup-form .form-error:not([hidden])");
  c.check("a wrong phone finds nothing", !(await page.$("#lk-status")));
  await page.fill("#lk-phone", phone);
  await page.click("#lk-submit");
  await page.waitForSelector("#lk-status");
  c.check("the lookup shows the result returned", (await page.textContent("#lk-status")) === "Đã trả kết quả");
  c.check("... with the steps done", (await page.$$("#lk-steps li")).length >= 7);
  await check(page, "the lookup screen");
  await page.check("#lk-yes");
  await page.fill("#lk-comment", "Cán bộ hướng dẫn tận tình.");
  await page.click("#lk-rateform button[type=submit]");
  await page.waitForSelector("#lk-rated");
  c.check("the rating is recorded", (await page.textContent("#lk-rated")).includes("Hài lòng"));
  await page.fill("#lk-ctext", "Đề nghị gửi thêm bản sao giấy khai sinh qua bưu điện.");
  await page.click("#lk-complainform button[type=submit]");
  await page.waitForSelector('#lk-complaints li[data-status="open"]');
  c.check("the complaint is filed and waits for an answer", true);
  await page.screenshot({ path: screenshotPath(server, "citizen-lookup.png"), fullPage: true });

  const lead = await session("cujut.leader");
  const open = await lead("GET", "/api/v1/complaints?status=open");
  const mine = open.items.find((x) => x.dossier === code);
  await lead("POST", `/api/v1/complaints/${mine.id}/answer`,
             { answer: "Bộ phận Một cửa sẽ gửi bản sao trong tuần này." });
  await page.click("#lk-submit");
  await page.waitForSelector('#lk-complaints li[data-status="answered"] .answer');
  c.check("the leader's answer shows at the next lookup",
          (await page.textContent("#lk-complaints .answer")).includes("gửi bản sao trong tuần"));
  await check(page, "the lookup screen with the answer");

  // A second dossier, submitted through the API by the same citizen and returned: signed in, the owner rates it
  // on its screen (no proof needed) and files a complaint there.
  const me = await session(phone, "mai-pass-123");
  const paper = await me("POST", "/api/v1/papers?name=to-khai.pdf", PDF);
  const units = await (await fetch(server.url + "/api/v1/public/units?q=cu+jut")).json();
  const second = await me("POST", "/api/v1/dossiers", {
    procedure: "1.001193", channel: "online", unit: units.items[0].id,
    applicant: { kind: "person", name: fullName, id_number: "068195001234", phone, address: "Thôn 3" },
    papers: [{ paper: "to-khai", form: "electronic", upload: paper.id },
             { paper: "giay-chung-sinh", form: "electronic", upload: paper.id }],
  });
  await walk(second.code, true);
  await page.click("#nav-signin");
  await screen(page, "signin");
  await page.fill("#si-phone", phone);
  await page.fill("#si-password", "mai-pass-123");
  await page.click("#si-submit");
  await screen(page, "mine");
  await page.waitForSelector("#mine-table[data-loads]");
  c.check("my dossiers list both", (await page.$$("#mine-table tbody a.code")).length === 2);
  await page.click(`#mine-table a.code:text("${second.code}")`);
  await screen(page, "dossier");
  await page.waitForSelector("#ds-rateform");
  c.check("the returned dossier offers the rating to its owner",
          (await page.textContent("#ds-status")) === "Đã trả kết quả");
  await check(page, "the returned dossier's screen");
  await page.check("#ds-no");
  await page.click("#ds-rateform button[type=submit]");
  await page.waitForSelector("#ds-rated");
  c.check("the owner's rating is recorded without a proof",
          (await page.textContent("#ds-rated")).includes("Không hài lòng"));
  await page.fill("#ds-ctext", "Kết quả trả chậm so với giấy hẹn.");
  await page.click("#ds-complainform button[type=submit]");
  await page.waitForSelector('#ds-complaints li[data-status="open"]');
  c.check("the owner files a complaint from the dossier's screen", true);
  await fits(page, "the returned dossier's screen after rating");

  // A third dossier: the desk accepts it and requests a supplement (through the API); the citizen sees what was
  // asked on its screen, uploads the missing paper there and resubmits with the keyboard; the status changes.
  const third = await me("POST", "/api/v1/dossiers", {
    procedure: "1.001193", channel: "online", unit: units.items[0].id,
    applicant: { kind: "person", name: fullName, id_number: "068195001234", phone, address: "Thôn 3" },
    papers: [{ paper: "to-khai", form: "electronic", upload: paper.id },
             { paper: "giay-chung-sinh", form: "electronic", upload: paper.id }],
  });
  const deskS = await session("cujut.desk");
  await act(deskS, third.code, "accept");
  const asked = "Giấy chứng sinh không đọc được, đề nghị tải lên bản rõ nét";
  await act(deskS, third.code, "request_supplement", { reason: asked, items: ["Giấy chứng sinh (bản rõ nét)"] });
  await page.click("#nav-mine");
  await screen(page, "mine");
  await page.waitForSelector("#mine-table[data-loads]");
  await page.click(`#mine-table a.code:text("${third.code}")`);
  await screen(page, "dossier");
  await page.waitForSelector("#supp-form");
  const reason = await page.textContent("#supp-reason");
  c.check("a dossier waiting for a supplement shows what was asked",
          reason.includes(asked) && reason.includes("Giấy chứng sinh (bản rõ nét)") &&
          (await page.textContent("#ds-status")) === "Yêu cầu bổ sung hồ sơ", reason);
  c.check("... with the supplement slip's PDF", (await page.getAttribute("#supp-slip", "href")).endsWith("/forms/supplement.pdf"));
  const slip = await fetch(server.url + (await page.getAttribute("#supp-slip", "href")),
                           { headers: { Cookie: (await page.context().cookies()).map((k) => k.name + "=" + k.value).join("; ") } });
  c.check("... which the applicant may open", slip.status === 200 && slip.headers.get("content-type") === "application/pdf",
          String(slip.status));
  await check(page, "the supplement form");
  await page.focus("#supp-send");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#supp-papers-err:not([hidden])");
  c.check("sending nothing names the missing papers", (await page.textContent("#supp-papers-err")).includes("ít nhất một"));
  // The data store's papers are offered beside each file field: reuse the first dossier's "to-khai" upload.
  const first = await me("GET", "/api/v1/dossiers/" + encodeURIComponent(code));
  const reused = first.papers.find((x) => x.paper === "to-khai").upload;
  const offers = await page.$$eval("#supp-reuse-to-khai option", (os) => os.map((o) => o.value));
  c.check("the supplement form offers the papers of the data store", offers.includes(reused) && offers.includes(paper.id),
          offers.join(","));
  await page.selectOption("#supp-reuse-to-khai", reused);
  await page.setInputFiles("#supp-paper-giay-chung-sinh",
                           { name: "giay-chung-sinh-ro.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.waitForSelector("#supp-paper-giay-chung-sinh-state[data-uploaded]");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the supplement form in English", (await page.textContent("#supp-title")) === "Supplement requested" &&
          (await page.textContent("#supp-send")).trim() === "Send the supplement");
  await check(page, "the supplement form in English");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");
  await page.focus("#supp-send");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#supp-sent");
  await page.waitForSelector("#ds-status");
  c.check("after resubmitting, the status changes and the form is gone",
          (await page.textContent("#ds-status")) === "Đã tiếp nhận" && !(await page.$("#supp-form")),
          await page.textContent("#ds-status"));
  await check(page, "the dossier after the supplement");
  const after = await deskS("GET", "/api/v1/dossiers/" + encodeURIComponent(third.code));
  const up = after.papers.find((x) => x.paper === "giay-chung-sinh").upload;
  c.check("the resubmission carries the new upload for its item (not the first one)", up && up !== paper.id, up);
  c.check("... and the reused paper for the other item, without uploading it again",
          after.papers.find((x) => x.paper === "to-khai").upload === reused);
  c.check("... and the last step is the citizen's resubmit", after.steps[after.steps.length - 1].action === "resubmit");

  // lib.mjs leaves the browser's console note on a 40x response to the response check (page.allowed); the notes
  // on the 415 and 422 this test provokes are judged there too.
  const note = /^Failed to load resource: the server responded with a status of 4(15|22) /;
  const problems = page.problems.filter((p) => !note.test(p));
  c.check("no console errors (CSP violations, script errors) or unexpected failed responses",
          problems.length === 0, problems.join(" | "));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
