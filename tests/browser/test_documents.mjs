// test_documents.mjs — the official document screens (issue 12 item 7), in Debian's chromium against a motcua of its
// own on a fresh demo database that trusts a test CA for the edXML exchange (serve --exchange-trust).
//
// The clerk of Cư Jút registers an outgoing document (the number and symbol shown) and an incoming one; a công văn
// without its drafting department shows the API's message next to the department and registers nothing; both
// documents are in their registers, one is found by a search without diacritics, the year filter and the register
// files answer; the leader assigns the incoming document to a department; the specialist of that department (who
// has no register of their own) finds it, is told a progress needs a note, records progress and then done; the
// English switch; a desk officer is not offered the documents, keys or exchange menus; the clerk imports a
// PKCS#12 key made by `motcua ca` (a wrong PIN first: the message by the PIN, nothing imported), sees it listed
// and removes it; the administrator imports the commune's seal, which the clerk then sees; a signed edXML package
// and an unsigned one posted to the inbox show in the exchange screen as received (with its document) and
// rejected (with the reason); the clerk registers a document with the keyboard only. axe and the catalogs on every
// screen; the clerk attaches a PDF to the incoming document with the keyboard, the page lists it with its link,
// and a search for a word only in the PDF's text finds the document. Prints "N passed, N failed" and exits 1 on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { counter, bin, startServer, stopServer, launch, screen, checkScreen, screenshotPath, apiSession, cookiePage,
         tabTo } from "./lib.mjs";

// The register's PDF is drawn with fontconfig, whose process-wide caches the sanitizer build reports at exit:
// suppressed as in the other tests (tests/cli/lsan-fontconfig.supp), so that "no sanitizer report" judges our code.
const supp = "suppressions=" + path.resolve("tests/cli/lsan-fontconfig.supp") + ":print_suppressions=0";
process.env.LSAN_OPTIONS = process.env.LSAN_OPTIONS ? process.env.LSAN_OPTIONS + ":" + supp : supp;

const c = counter();
const ca = mkdtempSync(path.join(tmpdir(), "motcua-docweb-ca-"));
const run = (...args) => execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
writeFileSync(path.join(ca, "pass"), "ca-pass-docweb\n");
writeFileSync(path.join(ca, "pin"), "2468\n");
run("ca", "init", "--dir", path.join(ca, "ca"), "--pass-file", path.join(ca, "pass"), "--name", "CA thử nghiệm Cư Jút", "--key", "ec");
const issue = (cn, out, extra = []) => run("ca", "issue", "--dir", path.join(ca, "ca"), "--pass-file", path.join(ca, "pass"),
  "--cn", cn, "--key", "ec", "--out", path.join(ca, out), "--p12-pass-file", path.join(ca, "pin"), ...extra);
issue("Trần Thị Văn Thư", "clerk.p12");
issue("UBND xã Cư Jút", "seal.p12", ["--seal", "--org", "UBND xã Cư Jút"]);
writeFileSync(path.join(ca, "trust.pem"), readFileSync(path.join(ca, "ca", "ca.pem"), "utf8") + readFileSync(path.join(ca, "ca", "crl.pem"), "utf8"));

const server = await startServer(["--exchange-trust", path.join(ca, "trust.pem")]);
const browser = await launch();
const session = (u) => apiSession(server, u);
const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(Date.now());
const year = today.slice(0, 4);
const dayBefore = (iso, n) => new Date(Date.parse(iso + "T00:00:00Z") - n * 86400000).toISOString().slice(0, 10);
const rowsOf = (page, table) => page.$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => tr.textContent));
const loadsOf = (page, table) => page.$eval("#" + table, (x) => Number(x.dataset.loads || 0));
const waitLoads = (page, table, n) => page.waitForSelector(`#${table}[data-loads="${n}"]`);
const docLoads = (page) => page.evaluate(() => Number(document.querySelector("#document-view")?.dataset.loads || "0"));
const shot = (page, name) => page.screenshot({ path: screenshotPath(server, name), fullPage: true });

// Post an edXML package to the inbox with a session (cookie + CSRF), as a clerk's browser would not: a system does.
async function inbox(as, xml) {
  const r = await fetch(server.url + "/api/v1/exchange/inbox", { method: "POST", body: xml,
    headers: { "Content-Type": "application/xml", Cookie: as.cookie, "X-CSRF-Token": as.me.csrf } });
  return { status: r.status, data: await r.json().catch(() => null) };
}
function edxml(name, body, signed) {
  const src = path.join(ca, name + ".json"), out = path.join(ca, name + ".edxml");
  writeFileSync(src, JSON.stringify(body));
  run("edxml", "build", "--json", src, "--out", out, ...(signed ? ["--p12", path.join(ca, "clerk.p12"), "--pass-file", path.join(ca, "pin")] : []));
  return readFileSync(out);
}

try {
  const clerk = await session("cujut.clerk");
  const lead = await session("cujut.leader");
  const spec = await session("cujut.specialist");
  const desk = await session("cujut.desk");
  const admin = await session("admin");
  const commune = clerk.me.roles.find((r) => r.role === "clerk").unit;
  const deps = (await clerk("GET", `/api/v1/units?parent=${commune.id}&kind=department&limit=50`)).data.items;
  const pkt = deps.find((u) => u.abbr === "PKT");

  // ---- the clerk: menus, the registers, an outgoing document ----
  let page = await cookiePage(browser, server, clerk);
  c.check("the clerk is offered the documents, signing keys and exchange menus",
          await page.isVisible("#nav-documents") && await page.isVisible("#nav-keys") && await page.isVisible("#nav-exchange"));
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  c.check("the registers open on the incoming tab", (await page.getAttribute("#doc-tab-in", "aria-selected")) === "true" &&
          (await page.evaluate(() => location.hash)) === "#/documents/in");
  c.check("an empty register says so", (await page.textContent("#doc-table tbody")).includes("Không có văn bản"));
  await page.click("#doc-tab-out");
  await waitLoads(page, "doc-table", 2);
  await page.click("#doc-new");
  await screen(page, "document-new");
  c.check("the outgoing form offers the 29 types of Decree 30/2020", (await page.$$("#docnew-type option")).length === 29);
  c.check("... and the commune's departments", (await page.$$eval("#docnew-department option", (o) => o.map((x) => x.textContent))).some((s) => s.includes("Phòng Kinh tế")));
  await page.selectOption("#docnew-type", "quyet-dinh");
  await page.fill("#docnew-recipients", "Như Điều 3; Lưu: VT");
  await page.fill("#docnew-summary", "Quyết định thành lập Tổ công tác chuyển đổi số cộng đồng");
  await page.fill("#docnew-signer", "Nguyễn Văn Chủ Tịch");
  await checkScreen(page, c, "the outgoing registration form");
  await shot(page, "document-new.png");
  await page.click("#docnew-submit");
  await page.waitForSelector("#docnew-result:not([hidden])");
  c.check("registering shows the number and the symbol given", (await page.textContent("#docnew-number")) === "01" &&
          (await page.textContent("#docnew-symbolout")) === "01/QĐ-UBND", await page.textContent("#docnew-result"));
  c.check("... and the focus is on the result", await page.evaluate(() => document.activeElement.id) === "docnew-result-title");
  await checkScreen(page, c, "the registration result");
  await shot(page, "document-numbered.png");

  // A công văn needs its drafting department: the API's message shows next to that field; nothing is registered.
  page.allowed = (r) => r.status() === 422 && new URL(r.url()).pathname === "/api/v1/documents/outgoing";
  await page.click("#docnew-again");
  await page.selectOption("#docnew-type", "cong-van");
  await page.fill("#docnew-recipients", "Các thôn, buôn");
  await page.fill("#docnew-summary", "Về việc rà soát hộ nghèo năm " + year);
  await page.click("#docnew-submit");
  await page.waitForSelector("#docnew-department-err:not([hidden])");
  c.check("a công văn without its department shows the API's message by the department",
          (await page.textContent("#docnew-department-err")).trim().length > 5 &&
          (await page.getAttribute("#docnew-department", "aria-invalid")) === "true" &&
          await page.evaluate(() => document.activeElement.id) === "docnew-department",
          await page.textContent("#docnew-department-err"));
  c.check("... and nothing is registered", (await clerk("GET", "/api/v1/documents?direction=out")).data.items.length === 1);
  await checkScreen(page, c, "the form with a field message");
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 422/.test(p));
  // With the department, the same form registers a công văn numbered 02/UBND-PKT.
  await page.selectOption("#docnew-department", pkt.id);
  await page.click("#docnew-submit");
  await page.waitForSelector("#docnew-result:not([hidden])");
  c.check("with the department the công văn is numbered with it", (await page.textContent("#docnew-symbolout")) === "02/UBND-PKT",
          await page.textContent("#docnew-symbolout"));

  // ---- an incoming document ----
  await page.goto(server.url + "/#/document-new/in");
  await screen(page, "document-new");
  await page.selectOption("#docnew-type", "cong-van");
  await page.fill("#docnew-agency", "Sở Nội vụ tỉnh Lâm Đồng");
  await page.fill("#docnew-symbol", "125/SNV-TCBC");
  await page.fill("#docnew-dated", dayBefore(today, 2));
  await page.fill("#docnew-summary", "Về việc hướng dẫn sắp xếp thôn, tổ dân phố");
  await page.selectOption("#docnew-urgency", "urgent");
  await checkScreen(page, c, "the incoming registration form");
  await page.click("#docnew-submit");
  await page.waitForSelector("#docnew-result:not([hidden])");
  c.check("the incoming document gets arrival number 01", (await page.textContent("#docnew-number")) === "01" &&
          (await page.textContent("#docnew-symbolout")) === "125/SNV-TCBC");
  const docId = decodeURIComponent((await page.getAttribute("#docnew-open", "href")).split("/").pop());
  // The same document again (the symbol typed in other case, without diacritics in the agency): 409, by the symbol.
  page.allowed = (r) => r.status() === 409 && new URL(r.url()).pathname === "/api/v1/documents/incoming";
  await page.click("#docnew-again");
  await page.selectOption("#docnew-type", "cong-van");
  await page.fill("#docnew-agency", "So Noi vu tinh Lam Dong");
  await page.fill("#docnew-symbol", "125/snv-tcbc");
  await page.fill("#docnew-dated", dayBefore(today, 2));
  await page.fill("#docnew-summary", "Về việc hướng dẫn sắp xếp thôn, tổ dân phố (bản gửi lại)");
  await page.click("#docnew-submit");
  await page.waitForSelector("#docnew-symbol-err:not([hidden])");
  c.check("registering the same incoming document again names its arrival number, by the symbol",
          /01/.test(await page.textContent("#docnew-symbol-err")) && (await page.getAttribute("#docnew-symbol", "aria-invalid")) === "true",
          await page.textContent("#docnew-symbol-err"));
  c.check("... and registers nothing", (await clerk("GET", "/api/v1/documents?direction=in")).data.items.length === 1);
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 409/.test(p));

  // ---- the registers ----
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  let rows = await rowsOf(page, "doc-table");
  c.check("the incoming register lists the document with its agency and status",
          rows.length === 1 && rows[0].includes("125/SNV-TCBC") && rows[0].includes("Sở Nội vụ") && rows[0].includes("Chờ phân công"), rows.join(" | "));
  await page.click("#doc-tab-out");
  await waitLoads(page, "doc-table", 2);
  rows = await rowsOf(page, "doc-table");
  c.check("the outgoing register lists both outgoing documents", rows.length === 2 && rows.some((r) => r.includes("01/QĐ-UBND")) &&
          rows.some((r) => r.includes("02/UBND-PKT")), rows.join(" | "));
  await page.fill("#doc-q", "chuyen doi so");
  await page.press("#doc-q", "Enter");
  await waitLoads(page, "doc-table", 3);
  rows = await rowsOf(page, "doc-table");
  c.check("a search without diacritics finds the outgoing document", rows.length === 1 && rows[0].includes("01/QĐ-UBND"), rows.join(" | "));
  await page.click("#doc-tab-in");
  await waitLoads(page, "doc-table", 4);
  await page.fill("#doc-q", "sap xep thon");
  await page.press("#doc-q", "Enter");
  await waitLoads(page, "doc-table", 5);
  rows = await rowsOf(page, "doc-table");
  c.check("... and the incoming one", rows.length === 1 && rows[0].includes("125/SNV-TCBC"), rows.join(" | "));
  await page.selectOption("#doc-year", String(Number(year) - 1));
  await waitLoads(page, "doc-table", 6);
  c.check("last year's register holds none of them", (await rowsOf(page, "doc-table")).join("").includes("Không có văn bản"));
  c.check("the register files follow the year", (await page.getAttribute("#doc-dl-pdf", "href")).includes("year=" + (Number(year) - 1)) &&
          (await page.getAttribute("#doc-dl-pdf", "href")).includes("direction=in"));
  await page.selectOption("#doc-year", year);
  await waitLoads(page, "doc-table", 7);
  const files = {};
  for (const f of ["csv", "xlsx", "pdf"]) {
    const r = await page.context().request.get(server.url + (await page.getAttribute("#doc-dl-" + f, "href")));
    files[f] = { status: r.status(), type: r.headers()["content-type"] || "", body: await r.body() };
  }
  c.check("the register downloads as CSV with the document", files.csv.status === 200 && /csv/.test(files.csv.type) &&
          files.csv.body.toString("utf8").includes("125/SNV-TCBC"), `${files.csv.status} ${files.csv.type}`);
  c.check("... as XLSX and as PDF", files.xlsx.status === 200 && files.xlsx.body.subarray(0, 2).toString() === "PK" &&
          files.pdf.status === 200 && files.pdf.body.subarray(0, 5).toString() === "%PDF-", `${files.xlsx.status} ${files.pdf.status}`);
  await page.fill("#doc-q", "");
  await page.press("#doc-q", "Enter");
  await waitLoads(page, "doc-table", 8);
  await checkScreen(page, c, "the registers");
  await shot(page, "documents-register.png");
  c.check("no console errors or unexpected failed responses (clerk)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- attachments: the clerk attaches a PDF with the keyboard; a word only in the PDF finds the document ----
  page = await cookiePage(browser, server, clerk);
  await page.goto(server.url + "/#/document/" + docId);
  await screen(page, "document");
  c.check("the document page has no attachment yet and offers the upload",
          (await page.textContent("#document-attachments")).includes("Chưa có tệp") && await page.isVisible("#doc-attach-file"));
  c.check("the upload field is reached with the keyboard", await tabTo(page, "#doc-attach-file"));
  await page.setInputFiles("#doc-attach-file", path.resolve("tests/data/pdf/attach-vi.pdf"));
  c.check("... and so is its button", await tabTo(page, "#doc-attach-submit"));
  let m = await docLoads(page);
  await page.keyboard.press("Enter");
  await page.waitForFunction((x) => Number(document.querySelector("#document-view").dataset.loads) > x, m);
  const attHref = await page.getAttribute("#document-attachments a.attachment-link", "href");
  c.check("attaching says so and lists the file with its download link",
          (await page.textContent("#document-view .notice")).includes("Đã đính kèm") && /\/attachments\//.test(attHref || "") &&
          (await page.textContent("#document-attachments")).includes("attach-vi.pdf"), attHref);
  let att = null;
  for (let i = 0; i < 150; i++) {
    att = (await clerk("GET", "/api/v1/documents/" + docId)).data.attachments[0];
    if (att.text_state !== "pending") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  c.check("the extractor reads the PDF's text", att.text_state === "text", JSON.stringify(att));
  const dl = await page.context().request.get(server.url + attHref);
  c.check("the link downloads the PDF", dl.status() === 200 && (await dl.body()).subarray(0, 5).toString() === "%PDF-", String(dl.status()));
  m = await docLoads(page);
  await page.reload();
  await screen(page, "document");
  c.check("the attachment is shown as searchable", (await page.textContent("#document-attachments")).includes("nội dung tìm kiếm được"));
  await checkScreen(page, c, "the document page with an attachment");
  await shot(page, "document-attachment.png");
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  await page.fill("#doc-q", "thuong luong");
  await page.press("#doc-q", "Enter");
  await waitLoads(page, "doc-table", 2);
  rows = await rowsOf(page, "doc-table");
  c.check("a search for a word only in the PDF, without diacritics, finds the document",
          rows.length === 1 && rows[0].includes("125/SNV-TCBC"), rows.join(" | "));
  c.check("no console errors or unexpected failed responses (attachments)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the leader assigns the incoming document ----
  page = await cookiePage(browser, server, lead);
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  await page.click(`#doc-table a[href="#/document/${docId}"]`);
  await screen(page, "document");
  c.check("the document page shows its register entry", (await page.textContent("#document-symbol")) === "125/SNV-TCBC" &&
          (await page.textContent("#document-agency")) === "Sở Nội vụ tỉnh Lâm Đồng" && (await page.textContent("#document-status")).includes("Chờ phân công"));
  c.check("no handling yet; the leader is offered the assignment only", await page.isVisible("#doc-assign") && !(await page.isVisible("#doc-progress")));
  await page.selectOption("#doc-lead-unit", pkt.id);
  await page.fill("#doc-deadline-days", "5");
  await page.fill("#doc-assign-note", "Phòng Kinh tế chủ trì, tham mưu văn bản trả lời");
  await checkScreen(page, c, "the assignment form");
  await shot(page, "document-assign.png");
  let n = await docLoads(page);
  await page.click("#doc-assign-submit");
  await page.waitForFunction((x) => Number(document.querySelector("#document-view").dataset.loads) > x, n);
  c.check("assigning says so and the status follows", (await page.textContent("#document-view .notice")).includes("Đã giao") &&
          (await page.textContent("#document-status")).includes("Đã giao xử lý"));
  c.check("the handling line names the lead department and the deadline",
          (await rowsOf(page, "document-handling")).some((r) => r.includes("Phòng Kinh tế") && r.includes("Giao xử lý")) &&
          /\d\d\/\d\d\/\d{4}/.test(await page.textContent("#document-deadline")));
  // ---- the document starts a dossier (POST /api/v1/documents/{id}/dossier), with the keyboard only ----
  await page.focus("#doc-start-dossier");
  await page.keyboard.press("Enter");
  c.check("the start-a-dossier button opens its form and moves the focus to the procedure",
          await page.isVisible("#doc-dossier-form") && (await page.getAttribute("#doc-start-dossier", "aria-expanded")) === "true" &&
          await page.evaluate(() => document.activeElement && document.activeElement.id === "doc-dossier-procedure"));
  c.check("the applicant is prefilled from the issuing agency", (await page.inputValue("#doc-dossier-name")) === "Sở Nội vụ tỉnh Lâm Đồng");
  await page.keyboard.type("2.000806");
  await page.focus("#doc-dossier-idnum");
  await page.keyboard.type("0100109106");
  await page.focus("#doc-dossier-phone");
  await page.keyboard.type("0263 3822 123");
  await page.focus("#doc-dossier-address");
  await page.keyboard.type("36 Trần Phú, Đà Lạt");
  await checkScreen(page, c, "the start-a-dossier form");
  n = await docLoads(page);
  await page.keyboard.press("Enter");
  await page.waitForFunction((x) => Number(document.querySelector("#document-view").dataset.loads) > x, n);
  const started = (await lead("GET", "/api/v1/documents/" + docId)).data;
  c.check("the dossier is started and the document links to it", !!started.dossier_code &&
          (await page.textContent("#document-dossier-link")) === started.dossier_code &&
          (await page.textContent("#document-view .notice")).includes(started.dossier_code) && !(await page.isVisible("#doc-start-dossier")),
          JSON.stringify(started.dossier_code));
  const dossier = (await lead("GET", "/api/v1/dossiers/" + started.dossier_code)).data;
  c.check("... and the dossier names its source document", dossier.source_document && dossier.source_document.id === docId);
  await checkScreen(page, c, "the document page (leader)");
  c.check("no console errors or unexpected failed responses (leader)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the lead department's specialist records progress, then done ----
  page = await cookiePage(browser, server, spec);
  c.check("the specialist is offered the documents menu (what they lead) but not the keys or exchange",
          await page.isVisible("#nav-documents") && !(await page.isVisible("#nav-exchange")) && !(await page.isVisible("#nav-keys")));
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  rows = await rowsOf(page, "doc-table");
  c.check("the specialist's list holds the document assigned to their department", rows.length === 1 && rows[0].includes("125/SNV-TCBC") &&
          await page.isVisible("#doc-lead-hint") && !(await page.isVisible("#doc-new")), rows.join(" | "));
  // The work lists: "I lead" holds it, "my department co-ordinates" does not (the department leads it).
  await page.selectOption("#doc-view", "lead");
  await waitLoads(page, "doc-table", 2);
  rows = await rowsOf(page, "doc-table");
  c.check("the work list 'I lead' holds the document", rows.length === 1 && rows[0].includes("125/SNV-TCBC"), rows.join(" | "));
  await page.selectOption("#doc-view", "coordinating");
  await waitLoads(page, "doc-table", 3);
  c.check("the work list 'my department co-ordinates' does not", !(await rowsOf(page, "doc-table")).some((r) => r.includes("125/SNV-TCBC")));
  await page.selectOption("#doc-due", "overdue");
  await waitLoads(page, "doc-table", 4);
  await page.selectOption("#doc-view", "");
  await page.selectOption("#doc-due", "");
  await waitLoads(page, "doc-table", 6);
  c.check("the filters are labelled in the page's language", (await page.textContent("label[for=doc-view]")).includes("Danh sách việc"));
  await page.click(`#doc-table a[href="#/document/${docId}"]`);
  await screen(page, "document");
  c.check("the lead is offered progress and done, not the assignment", await page.isVisible("#doc-progress") && !(await page.isVisible("#doc-assign")));
  page.allowed = (r) => r.status() === 400 && new URL(r.url()).pathname.endsWith("/handling");
  await page.click("#doc-progress-submit");
  await page.waitForSelector("#doc-note-err:not([hidden])");
  c.check("progress without a note shows the API's message by the note", (await page.textContent("#doc-note-err")).trim().length > 5 &&
          (await page.getAttribute("#doc-note", "aria-invalid")) === "true");
  c.check("... and records nothing", (await spec("GET", "/api/v1/documents/" + docId)).data.handling.length === 1);
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 400/.test(p));
  await page.fill("#doc-note", "Đã dự thảo văn bản trả lời, trình lãnh đạo");
  n = await docLoads(page);
  await page.click("#doc-progress-submit");
  await page.waitForFunction((x) => Number(document.querySelector("#document-view").dataset.loads) > x, n);
  c.check("progress is recorded", (await page.textContent("#document-status")).includes("Đang xử lý") &&
          (await rowsOf(page, "document-handling")).some((r) => r.includes("Đã dự thảo")));
  n = await docLoads(page);
  await page.click("#doc-done-submit");
  await page.waitForFunction((x) => Number(document.querySelector("#document-view").dataset.loads) > x, n);
  const done = (await spec("GET", "/api/v1/documents/" + docId)).data;
  c.check("done closes it: three handling lines, no more forms", done.status === "done" && done.handling.length === 3 &&
          (await page.textContent("#document-status")).includes("Đã xử lý xong") && !(await page.isVisible("#doc-progress")));
  await checkScreen(page, c, "the document page (done)");
  await shot(page, "document-done.png");

  // The English switch.
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the English switch turns the document page to English",
          (await page.textContent("#document-title")).includes("Incoming document") && (await page.textContent("#document-status")).trim() === "Done" &&
          (await page.textContent("#document-handling thead")).includes("Co-ordinating"));
  await page.click("#nav-documents");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  c.check("... and the registers", (await page.textContent("#documents-title")).trim() === "Document registers" &&
          (await page.textContent("#doc-tab-out")).trim() === "Outgoing" && (await page.textContent("#doc-table thead")).includes("Type and summary"),
          [await page.textContent("#documents-title"), await page.textContent("#doc-tab-out"), await page.textContent("#doc-table thead")].join(" | "));
  await checkScreen(page, c, "the registers in English");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "vi");
  c.check("no console errors or unexpected failed responses (specialist)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- a desk officer ----
  page = await cookiePage(browser, server, desk);
  c.check("a desk officer is not offered the documents, keys or exchange menus",
          await page.isVisible("#nav-work") && !(await page.isVisible("#nav-documents")) && !(await page.isVisible("#nav-keys")) &&
          !(await page.isVisible("#nav-exchange")));
  await page.close();

  // ---- signing keys: the clerk imports one (a wrong PIN first), sees it, removes it ----
  page = await cookiePage(browser, server, clerk);
  await page.click("#nav-keys");
  await screen(page, "keys");
  await waitLoads(page, "keys-table", 1);
  c.check("no keys at first", (await page.textContent("#keys-table tbody")).includes("Chưa có khóa"));
  c.check("a clerk imports personal keys only (no kind choice)", !(await page.$("#keys-kind")));
  await page.fill("#keys-label", "Chữ ký số văn thư");
  await page.setInputFiles("#keys-file", path.join(ca, "clerk.p12"));
  await page.fill("#keys-pin", "9999");
  page.allowed = (r) => r.status() === 422 && new URL(r.url()).pathname === "/api/v1/signing-keys";
  await page.click("#keys-submit");
  await page.waitForSelector("#keys-pin-err:not([hidden])");
  c.check("a wrong PIN shows the API's message by the PIN and clears it", (await page.textContent("#keys-pin-err")).trim().length > 5 &&
          (await page.inputValue("#keys-pin")) === "");
  c.check("... and imports nothing", (await clerk("GET", "/api/v1/signing-keys")).data.items.length === 0);
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 422/.test(p));
  await page.fill("#keys-pin", "2468");
  await page.click("#keys-submit");
  await page.waitForSelector("#keys-form .notice");
  await waitLoads(page, "keys-table", 2);
  rows = await rowsOf(page, "keys-table");
  c.check("the imported key is listed with its certificate", rows.length === 1 && rows[0].includes("Chữ ký số văn thư") &&
          rows[0].includes("Trần Thị Văn Thư") && rows[0].includes("CA thử nghiệm Cư Jút") && rows[0].includes("Đang dùng"), rows.join(" | "));
  c.check("the form is cleared after the import", (await page.inputValue("#keys-label")) === "" &&
          (await page.$eval("#keys-file", (i) => i.files.length)) === 0);
  await checkScreen(page, c, "the signing keys");
  await shot(page, "keys.png");
  await page.click("#keys-table button.remove");
  await page.waitForSelector("#keys-remove[open]");
  await checkScreen(page, c, "the key removal dialog");
  await page.click("#keys-remove-submit");
  await waitLoads(page, "keys-table", 3);
  c.check("removing takes the key off the list", (await page.textContent("#keys-table tbody")).includes("Chưa có khóa") &&
          (await page.textContent("#keys-list .notice")).includes("Chữ ký số văn thư"));
  await page.check("#keys-show-removed");
  await waitLoads(page, "keys-table", 4);
  c.check("... and it stays on record as removed", (await page.textContent("#keys-table tbody")).includes("Đã gỡ bỏ"));
  c.check("no console errors or unexpected failed responses (keys)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // The administrator imports the commune's seal; the clerk of the commune then sees it.
  page = await cookiePage(browser, server, admin);
  await page.click("#nav-keys");
  await screen(page, "keys");
  await waitLoads(page, "keys-table", 1);
  await page.selectOption("#keys-kind", "seal");
  c.check("choosing a seal asks for its unit", await page.isVisible("#keys-unit"));
  await page.selectOption("#keys-unit", commune.id);
  await page.fill("#keys-label", "Con dấu UBND xã Cư Jút");
  await page.setInputFiles("#keys-file", path.join(ca, "seal.p12"));
  await page.fill("#keys-pin", "2468");
  await page.click("#keys-submit");
  await page.waitForSelector("#keys-form .notice");
  await waitLoads(page, "keys-table", 2);
  c.check("the administrator's seal is listed as a unit seal", (await rowsOf(page, "keys-table")).some((r) => r.includes("Con dấu UBND xã Cư Jút") && r.includes("Con dấu đơn vị")));
  await checkScreen(page, c, "the signing keys (administrator)");
  c.check("no console errors or unexpected failed responses (admin)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();
  c.check("the commune's clerk sees the seal", (await clerk("GET", "/api/v1/signing-keys")).data.items.some((k) => k.kind === "seal" && k.unit_id === commune.id));

  // ---- the edXML exchange: one package registered, one rejected ----
  const unit = (await clerk("GET", "/api/v1/units/" + commune.id)).data;
  const pkg = (number, subject) => ({ from: { organ_id: "000.00.06.H56", organ_name: "UBND xã Tân Phú" },
    to: [{ organ_id: unit.edi_code, organ_name: unit.name }], code: { number, notation: "UBND-VP" },
    promulgation: { place: "Tân Phú", date: dayBefore(today, 1) },
    document_type: { type: 1, type_detail: 0, type_name: "Công văn" }, subject,
    signer: { full_name: "Nguyễn Văn Lãnh Đạo", position: "Chủ tịch" }, other: { priority: 1 } });
  const got = await inbox(clerk, edxml("good", pkg("15", "Về việc phối hợp giải quyết thủ tục đất đai"), true));
  const bad = await inbox(clerk, edxml("unsigned", pkg("16", "Về việc không ký số"), false));
  c.check("the inbox registers the signed package and rejects the unsigned one", got.status === 201 && bad.status === 422,
          `${got.status} ${bad.status} ${JSON.stringify(bad.data)}`);
  page = await cookiePage(browser, server, clerk);
  await page.click("#nav-exchange");
  await screen(page, "exchange");
  await waitLoads(page, "exch-table", 1);
  rows = await rowsOf(page, "exch-table");
  c.check("the received package is listed with its sender and signer", rows.length === 1 && rows[0].includes("UBND xã Tân Phú") &&
          rows[0].includes("Trần Thị Văn Thư"), rows.join(" | "));
  c.check("... and links to its incoming document", !!(got.data && got.data.document) &&
          (await page.getAttribute("#exch-table a.code", "href")) === "#/document/" + got.data.document.id);
  await checkScreen(page, c, "the exchange (received)");
  await shot(page, "exchange-received.png");
  await page.click("#exch-tab-rejected");
  await waitLoads(page, "exch-table", 1);
  rows = await rowsOf(page, "exch-table");
  c.check("the rejected package is listed with its reason", rows.length === 1 && rows[0].includes("MSG_EXCHANGE_UNSIGNED") &&
          rows[0].includes("Gói tin không có chữ ký số") &&
          (await page.evaluate(() => location.hash)) === "#/exchange/rejected", rows.join(" | "));
  await checkScreen(page, c, "the exchange (rejected)");
  await shot(page, "exchange-rejected.png");
  await page.click(`#exch-tab-received`);
  await waitLoads(page, "exch-table", 1);
  await page.click("#exch-table a.code");
  await screen(page, "document");
  c.check("the received document opens with the sender as agency", (await page.textContent("#document-agency")) === "UBND xã Tân Phú");
  c.check("no console errors or unexpected failed responses (exchange)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the keyboard only: the clerk registers an outgoing document ----
  page = await cookiePage(browser, server, clerk);
  await page.goto(server.url + "/#/documents/out");
  await screen(page, "documents");
  await waitLoads(page, "doc-table", 1);
  c.check("Tab reaches the registration link", await tabTo(page, "#doc-new"));
  await page.keyboard.press("Enter");
  await screen(page, "document-new");
  c.check("the form's heading has the focus", await page.evaluate(() => document.activeElement.id) === "document-new-title");
  c.check("Tab reaches the type", await tabTo(page, "#docnew-type"));
  // The arrow keys move a focused select's choice (bounded: 29 types).
  for (let i = 0; i < 29 && (await page.inputValue("#docnew-type")) !== "to-trinh"; i++) await page.keyboard.press("ArrowDown");
  c.check("the arrow keys pick the type", (await page.inputValue("#docnew-type")) === "to-trinh", await page.inputValue("#docnew-type"));
  c.check("Tab reaches the recipients", await tabTo(page, "#docnew-recipients"));
  await page.keyboard.type("HĐND xã; Lưu: VT");
  c.check("Tab reaches the summary", await tabTo(page, "#docnew-summary"));
  await page.keyboard.type("Tờ trình đề nghị phê duyệt kế hoạch sử dụng đất");
  c.check("Tab reaches the submit button", await tabTo(page, "#docnew-submit"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#docnew-result:not([hidden])");
  c.check("the keyboard registration is numbered 03/TTr-UBND", (await page.textContent("#docnew-symbolout")) === "03/TTr-UBND",
          await page.textContent("#docnew-symbolout"));
  c.check("Tab reaches the link to the new document", await tabTo(page, "#docnew-open"));
  await page.keyboard.press("Enter");
  await screen(page, "document");
  c.check("... which opens it", (await page.textContent("#document-symbol")) === "03/TTr-UBND");
  c.check("no console errors or unexpected failed responses (keyboard)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
  if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(server.stderr())) console.log(server.stderr().slice(-6000));
  rmSync(ca, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
