// test_dossier_page.mjs — the dossier page (#/dossier/<code>) in Debian's chromium, driven by playwright-core.
//
// A desk officer of Cư Jút receives a dossier through the API; then, in the browser, each role of the commune walks
// it through its plan: the desk forwards it to the specialist, the specialist requests a supplement (the clock
// pauses), the desk records the papers' return (the pause shows with its end), the leader assigns the suggested
// specialist, the specialist forwards it to the leader's step, the leader extends the due (the original due stays
// beside it) and approves, the desk attaches the result and delivers it. Every role sees only its allowed actions
// (no approve button for the clerk or the specialist; another commune's desk gets "not found"); a stale page gets
// the conflict message and reloads; a too short result is refused next to its field; a paper is uploaded with the
// progress bar and downloaded; the control sheet lists every step; the forms link to their PDFs; the page turns
// to English. Prints "N passed, N failed" and exits 1 on any failure.
import path from "node:path";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { counter, bin, startServer, stopServer, launch, newPage, signIn, screen, checkScreen, screenshotPath,
         dossierLoads as loads, dossierActions as actions, dossierAct as act } from "./lib.mjs";

const c = counter();
// The page opens the control sheet's PDF: fontconfig never frees its process-wide caches (docs/forms.md), so the
// server gets the same LeakSanitizer suppression as the forms' API tests (only allocations inside libfontconfig).
const supp = "suppressions=" + path.resolve("tests/cli/lsan-fontconfig.supp") + ":print_suppressions=0";
process.env.LSAN_OPTIONS = process.env.LSAN_OPTIONS ? process.env.LSAN_OPTIONS + ":" + supp : supp;
// Sign on approve (signed results): a local CA made by `motcua ca` and the leader's PKCS#12, as
// tests/api/test_signed_results.py makes them; the server trusts the CA for signing.
const ca = mkdtempSync(path.join(tmpdir(), "motcua-dossierweb-ca-"));
const run = (...args) => execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
writeFileSync(path.join(ca, "pass"), "ca-pass-dossierweb\n");
writeFileSync(path.join(ca, "pin"), "1357\n");
run("ca", "init", "--dir", path.join(ca, "ca"), "--pass-file", path.join(ca, "pass"), "--name", "CA thử nghiệm hồ sơ", "--key", "ec");
run("ca", "issue", "--dir", path.join(ca, "ca"), "--pass-file", path.join(ca, "pass"), "--cn", "Nguyễn Văn Lãnh Đạo",
    "--key", "ec", "--out", path.join(ca, "lead.p12"), "--p12-pass-file", path.join(ca, "pin"));
writeFileSync(path.join(ca, "trust.pem"), readFileSync(path.join(ca, "ca", "ca.pem"), "utf8") + readFileSync(path.join(ca, "ca", "crl.pem"), "utf8"));
const server = await startServer(["--sign-trust", path.join(ca, "trust.pem")]);
const browser = await launch();

// ---- the API, from node (for the intake and to compare with what the page shows) ----
async function session(username) {
  const r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password: "demo" }),
  });
  return { cookie: (r.headers.get("set-cookie") || "").split(";")[0], csrf: (await r.json()).csrf };
}
async function call(s, method, path, body) {
  const r = await fetch(server.url + path, {
    method, headers: { "Content-Type": "application/json", Cookie: s.cookie, "X-CSRF-Token": s.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}


async function open(page, code) {
  await page.goto(page.base + "/#/dossier/" + encodeURIComponent(code));
  await screen(page, "dossier");
}
async function reopen(page) {
  await page.reload();
  await screen(page, "dossier");
}


let pass = false;
try {
  const deskApi = await session("cujut.desk");
  let r = await call(deskApi, "POST", "/api/v1/dossiers", {
    procedure: "2.000806", channel: "desk",
    applicant: { kind: "person", name: "Nguyễn Văn Đức", id_number: "068095001234", phone: "0912345678",
                 address: "Thôn 3, xã Cư Jút" },
    papers: [{ paper: "don-de-nghi", copies: 1, form: "original" }],
  });
  if (r.status !== 201) throw new Error("intake failed: " + JSON.stringify(r.body));
  const code = r.body.code;

  const desk = await newPage(browser, server);
  await signIn(desk, "cujut.desk");
  await open(desk, code);
  c.check("the page shows the dossier's code, procedure and applicant",
          (await desk.textContent("#dossier-title")).includes(code) &&
          (await desk.textContent("#dossier-procedure")).includes("2.000806") &&
          (await desk.textContent("#dossier-applicant")).includes("Nguyễn Văn Đức"));
  c.check("the status is the server's name in Vietnamese", (await desk.textContent("#dossier-status")) === "Đã tiếp nhận");
  c.check("the unit is named", (await desk.textContent("#dossier-unit")) === "Xã Cư Jút");
  c.check("the due date is shown as dd/mm/yyyy HH:mm", /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(await desk.textContent("#dossier-due")));
  let acts = await actions(desk);
  c.check("the desk officer is offered forward, not approve", acts.includes("forward") && !acts.includes("approve"), acts.join(","));
  c.check("the control sheet has the receipt line", (await desk.$$("#dossier-sheet tbody tr")).length === 1 &&
          (await desk.textContent("#dossier-sheet tbody")).includes("Lê Minh Châu"));
  c.check("the receipt and the control sheet link to their PDFs",
          (await desk.$$eval("#dossier-forms a", (as) => as.map((a) => a.dataset.form).join(","))) === "receipt,control-sheet");
  await checkScreen(desk, c, "the dossier page");

  // A paper, uploaded with the progress bar, then downloaded.
  const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(600 * 1024, 0x20), Buffer.from("\n%%EOF\n")]);
  await desk.evaluate(() => {
    window.progressSeen = [];
    const bar = document.querySelector("#dossier-progress");
    const orig = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
    Object.defineProperty(bar, "value", { get() { return orig.get.call(this); },
                                          set(v) { window.progressSeen.push(v); orig.set.call(this, v); } });
  });
  await desk.setInputFiles("#dossier-file", { name: "Bản sao giấy khai sinh.pdf", mimeType: "application/pdf", buffer: pdf });
  await desk.click("#dossier-upload");
  await desk.waitForSelector("#dossier-uploads li a");
  const seen = await desk.evaluate(() => window.progressSeen);
  c.check("the progress bar goes up to 100", (await desk.$eval("#dossier-progress", (b) => b.value)) === 100 && seen.includes(100),
          seen.join(","));
  const link = await desk.getAttribute("#dossier-uploads li a", "href");
  const dl = await desk.evaluate(async (h) => { const x = await fetch(h); return [x.status, (await x.arrayBuffer()).byteLength]; }, link);
  c.check("the uploaded paper downloads", dl[0] === 200 && dl[1] === pdf.length, dl.join(" "));
  c.check("the upload is announced with its name", (await desk.textContent("#dossier-upload-form .notice")).includes("Bản sao giấy khai sinh"));

  // The upload is attached to a checklist item (action attach_paper): the papers table then links its download.
  await desk.waitForSelector("#dossier-uploads li form.dossier-attach select");
  const up1 = await desk.$eval("#dossier-uploads li", (li) => li.dataset.upload);
  const opts = await desk.$$eval(`#attach-item-${up1} option`, (os) => os.map((o) => o.value));
  c.check("the attach select lists the checklist items", opts.join(",") === "don-de-nghi", opts.join(","));
  await checkScreen(desk, c, "the attach form");
  await desk.screenshot({ path: screenshotPath(server, "dossier-attach.png"), fullPage: true });
  let n0 = await loads(desk);
  await desk.click("#dossier-uploads li form.dossier-attach button[type=submit]");
  await desk.waitForFunction((n) => Number(document.querySelector("#dossier-view")?.dataset.loads || "0") > n, n0);
  await desk.waitForSelector("#dossier-view .notice");
  c.check("the attachment is announced", (await desk.textContent("#dossier-view .notice")).includes("Đã đính kèm Bản sao giấy khai sinh"),
          await desk.textContent("#dossier-view .notice"));
  c.check("the papers table links the attached paper",
          (await desk.getAttribute("#dossier-papers tbody tr td a", "href")) === "/api/v1/papers/" + up1);
  c.check("the upload says where it is attached, without the form again",
          (await desk.textContent("#dossier-uploads li .attached")).includes("Đã đính kèm vào thành phần") &&
          !(await desk.$("#dossier-uploads li form.dossier-attach")));
  c.check("the control sheet has the attach line", (await desk.textContent("#dossier-sheet tbody")).includes("Bổ sung giấy tờ vào hồ sơ"));
  r = await call(deskApi, "GET", "/api/v1/dossiers/" + code);
  c.check("the API has the upload on the item (dossier.paper_attached)",
          r.body.papers[0].upload === up1 && r.body.steps.at(-1).action === "attach_paper", JSON.stringify(r.body.papers));

  // The desk forwards it to the specialist; the dialog takes the focus and gives it back.
  await desk.click("#act-forward");
  await desk.waitForSelector("#dossier-dialog[open]");
  c.check("the action dialog takes the focus", await desk.evaluate(() => document.activeElement.closest("#dossier-dialog") !== null));
  await desk.keyboard.press("Escape");
  await desk.waitForSelector("#dossier-dialog:not([open])", { state: "attached" });
  c.check("Escape closes the dialog and the focus returns to its button",
          await desk.evaluate(() => document.activeElement.id === "act-forward"));
  let msg = await act(desk, "forward", (p) => p.fill("#f-reason", "Hồ sơ đầy đủ, chuyển thẩm định"));
  c.check("forwarding is announced with the new status", msg.includes("Đang xử lý") || msg.includes("Chuyển"), msg);
  c.check("the notice takes the focus", await desk.evaluate(() => document.activeElement.classList.contains("notice")));
  c.check("the sheet has the forward line with its note", (await desk.textContent("#dossier-sheet tbody")).includes("chuyển thẩm định"));

  // Other roles and another commune.
  const clerk = await newPage(browser, server);
  await signIn(clerk, "cujut.clerk");
  await open(clerk, code);
  c.check("the clerk sees the dossier without any action", (await actions(clerk)).length === 0 &&
          (await clerk.isVisible("p#dossier-actions")) && !(await clerk.$("#act-approve")));
  const other = await newPage(browser, server);
  other.allowed = (x) => x.status() === 404 && new URL(x.url()).pathname === "/api/v1/dossiers/" + code;
  await signIn(other, "thuanan.desk");
  await open(other, code);
  c.check("another commune's desk officer gets the not-found message",
          (await other.textContent("#dossier-error")).includes("Không tìm thấy hồ sơ") && !(await other.$("#dossier-facts")));

  // The specialist: no approve; requests a supplement (once), with a reason and the papers to add.
  const spec = await newPage(browser, server);
  await signIn(spec, "cujut.specialist");
  await open(spec, code);
  acts = await actions(spec);
  c.check("the specialist is offered forward and request supplement, not approve",
          acts.includes("forward") && acts.includes("request_supplement") && !acts.includes("approve"), acts.join(","));
  msg = await act(spec, "request_supplement", async (p) => {
    await p.fill("#f-items", "Bản sao giấy khai sinh\nẢnh 4x6");
    await p.fill("#f-reason", "Thiếu giấy tờ chứng minh nhân thân");
  });
  c.check("the supplement request is announced", msg.includes("Yêu cầu bổ sung hồ sơ"), msg);
  c.check("the pause shows on the due date", (await spec.textContent("#dossier-due-moves")).includes("Đang tạm dừng"));
  c.check("the specialist now waits (no action)", (await actions(spec)).length === 0);
  c.check("the supplement form is offered", (await spec.$$eval("#dossier-forms a", (as) => as.map((a) => a.dataset.form))).includes("supplement"));

  const dueBefore = (await call(deskApi, "GET", "/api/v1/dossiers/" + code)).body.due_at;
  await reopen(desk);
  acts = await actions(desk);
  c.check("the desk is offered the supplement's receipt", acts.includes("resubmit") && !acts.includes("request_supplement"), acts.join(","));
  await new Promise((res) => setTimeout(res, 1200));
  // The supplement's paper, uploaded on the page, is named in the resubmit dialog for its checklist item.
  await desk.setInputFiles("#dossier-file", { name: "Đơn đề nghị bổ sung.pdf", mimeType: "application/pdf", buffer: pdf.subarray(0, 4096) });
  await desk.click("#dossier-upload");
  await desk.waitForSelector("#dossier-uploads li[data-upload]");
  const up2 = await desk.$eval("#dossier-uploads li", (li) => li.dataset.upload);
  c.check("no attach form while a supplement is awaited (its papers come with resubmit)",
          !(await desk.$("#dossier-uploads li form.dossier-attach")));
  await act(desk, "resubmit", async (p) => {
    c.check("the resubmit dialog offers the uploaded paper", (await p.textContent("#f-papers legend")) === "Giấy tờ bổ sung đã tải lên");
    await checkScreen(p, c, "the resubmit dialog with papers");
    await p.selectOption("#f-paper-" + up2, "don-de-nghi");
  });
  r = await call(deskApi, "GET", "/api/v1/dossiers/" + code);
  c.check("the resubmission carries the paper (dossier.resubmitted)", r.body.papers[0].upload === up2, JSON.stringify(r.body.papers));
  const moves = await desk.textContent("#dossier-due-moves");
  c.check("the pause shows with its start and end", /Tạm dừng .*từ \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} đến \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(moves), moves);
  const dueAfter = (await call(deskApi, "GET", "/api/v1/dossiers/" + code)).body.due_at;
  c.check("the due date did not move back (the paused time is added)", dueAfter >= dueBefore, dueBefore + " → " + dueAfter);

  // The leader assigns the suggested specialist. A second specialist of the commune sorts before cujut.specialist
  // by name and load; cujut.specialist is qualified for the procedure's field (Hộ tịch), so it is suggested first.
  const adminApi = await session("admin");
  const specAcc = (await call(adminApi, "GET", "/api/v1/staff?q=cujut.specialist")).body.items.find((a) => a.username === "cujut.specialist");
  r = await call(adminApi, "POST", "/api/v1/staff", { username: "cujut.a-spec", full_name: "Võ Thị An", password: "a-spec-pass-1",
                                                      unit_id: specAcc.roles[0].unit_id, roles: [{ role: "specialist", unit_id: specAcc.roles[0].unit_id }] });
  c.check("a second specialist is created", r.status === 201, JSON.stringify(r.body));
  const sugg = (await call(await session("cujut.leader"), "GET", "/api/v1/dossiers/" + code + "/assignees")).body.items.map((a) => a.username);
  c.check("unqualified, the new specialist comes first (no load, name)", sugg[0] === "cujut.a-spec", sugg.join(","));
  r = await fetch(server.url + "/api/v1/staff/" + specAcc.id, {
    method: "PATCH", headers: { "Content-Type": "application/json", Cookie: adminApi.cookie, "X-CSRF-Token": adminApi.csrf, "If-Match": `"${specAcc.version}"` },
    body: JSON.stringify({ fields: ["Hộ tịch"] }) });
  c.check("cujut.specialist is qualified for Hộ tịch", r.status === 200, String(r.status));
  const lead = await newPage(browser, server);
  await signIn(lead, "cujut.leader");
  await open(lead, code);
  acts = await actions(lead);
  c.check("the leader is offered assign, extend and approve", ["assign", "extend", "approve"].every((a) => acts.includes(a)), acts.join(","));
  await lead.click("#act-assign");
  await lead.waitForSelector("#dossier-dialog[open] #f-to");
  const sel = await lead.$eval("#f-to", (s) => ({ v: s.value, text: s.options[s.selectedIndex].textContent, first: s.selectedIndex }));
  c.check("the suggested officer is first and preselected", sel.first === 0 && sel.v === "cujut.specialist" && sel.text.includes("đề xuất"),
          JSON.stringify(sel));
  c.check("its option says it is qualified for the field and its load", sel.text.includes("đúng lĩnh vực") && sel.text.includes("0 hồ sơ đang xử lý"), sel.text);
  const others = await lead.$$eval("#f-to option", (os) => os.map((o) => o.value));
  c.check("the other specialist is offered after it", others.join(",") === "cujut.specialist,cujut.a-spec", others.join(","));
  c.check("the assignee field has the focus", await lead.evaluate(() => document.activeElement.id === "f-to"));
  await checkScreen(lead, c, "the assignment dialog");
  await lead.screenshot({ path: screenshotPath(server, "dossier-assign.png"), fullPage: false });
  await lead.click("#dossier-act-cancel");
  msg = await act(lead, "assign");
  c.check("the assignment is announced", msg.includes("Phân công xử lý"), msg);
  c.check("the sheet names the assignee", (await lead.textContent("#dossier-sheet tbody")).includes("Phạm Ngọc Lan"));

  // The specialist forwards it to the leader's step; the leader's page, drawn before, is now stale.
  await reopen(spec);
  await act(spec, "forward", (p) => p.fill("#f-reason", "Đề xuất cấp giấy chứng nhận kết hôn"));
  acts = await actions(spec);
  c.check("on the leader's step the specialist has no approve button", !acts.includes("approve") && !(await spec.$("#act-approve")), acts.join(","));
  c.check("the step shown is the leader's", (await spec.textContent("#dossier-step")).includes("Phê duyệt"));
  lead.allowed = (x) => x.status() === 412 && new URL(x.url()).pathname.endsWith("/actions");
  msg = await act(lead, "extend", async (p) => { await p.fill("#f-days", "2"); await p.fill("#f-reason", "Cần xác minh thêm"); });
  c.check("a stale page gets the conflict message", msg.includes("người khác"), msg);
  c.check("... and shows the dossier as it is now", (await lead.textContent("#dossier-step")).includes("Phê duyệt"));
  lead.allowed = null;
  // The browser's console note on that expected 412 (lib.mjs only passes those of 400-409): judged by allowed above.
  lead.problems = lead.problems.filter((p) => !/status of 412/.test(p));

  // The leader extends the due (the original stays beside it) and approves.
  msg = await act(lead, "extend", async (p) => { await p.fill("#f-days", "2"); await p.fill("#f-reason", "Cần xác minh thêm"); });
  c.check("the extension is announced", msg.includes("Gia hạn"), msg);
  c.check("the original due is shown beside the new one", await lead.isVisible("#dossier-due-original") &&
          (await lead.textContent("#dossier-due-original")) !== (await lead.textContent("#dossier-due")));
  c.check("the extension shows with its reason", (await lead.textContent("#dossier-due-moves")).includes("Cần xác minh thêm"));
  c.check("extend is not offered twice", !(await actions(lead)).includes("extend"));
  c.check("the apology form is offered", (await lead.$$eval("#dossier-forms a", (as) => as.map((a) => a.dataset.form))).includes("apology"));
  msg = await act(lead, "approve");
  c.check("the approval is announced with the resolved status", msg.includes("Phê duyệt kết quả") && msg.includes("Đã giải quyết"), msg);

  // The desk attaches the result (a too short one is refused next to its field) and delivers it.
  await reopen(desk);
  desk.allowed = (x) => x.status() === 400 && new URL(x.url()).pathname.endsWith("/actions");
  await desk.click("#act-attach_result");
  await desk.waitForSelector("#dossier-dialog[open] #f-result");
  await desk.fill("#f-result", "x");
  await desk.click("#dossier-act-submit");
  await desk.waitForSelector("#f-result-err:not([hidden])");
  c.check("a refused result is explained next to its field",
          (await desk.evaluate(() => document.activeElement.id)) === "f-result" && (await desk.textContent("#f-result-err")).length > 5);
  await desk.click("#dossier-act-cancel");
  desk.allowed = null;
  await act(desk, "attach_result", (p) => p.fill("#f-result", "Giấy chứng nhận kết hôn số 12/2026"));
  msg = await act(desk, "deliver", async (p) => {
    c.check("the receiver is prefilled with the applicant", (await p.inputValue("#f-received-by")) === "Nguyễn Văn Đức");
  });
  c.check("the delivery is announced", msg.includes("Trả kết quả"), msg);
  c.check("nothing is left to do", (await actions(desk)).length === 0);

  const d = (await call(deskApi, "GET", "/api/v1/dossiers/" + code)).body;
  const rows = await desk.$$eval("#dossier-sheet tbody tr", (trs) => trs.map((tr) => tr.children[0].textContent));
  c.check("the control sheet lists every step", rows.length === d.steps.length && rows.join(",") === d.steps.map((s) => s.n).join(","),
          rows.join(",") + " / " + d.steps.map((s) => s.action).join(","));
  c.check("the sheet judges the finished steps", (await desk.$$("#dossier-sheet [class^=timing-]")).length >= 3);
  const sheet = await desk.getAttribute("#dossier-forms a[data-form=control-sheet]", "href");
  const pdfRes = await desk.evaluate(async (h) => { const x = await fetch(h); return [x.status, x.headers.get("content-type")]; }, sheet);
  c.check("the control sheet's PDF opens", pdfRes[0] === 200 && pdfRes[1] === "application/pdf", pdfRes.join(" "));
  await checkScreen(desk, c, "the delivered dossier");
  await desk.screenshot({ path: screenshotPath(server, "dossier-page.png"), fullPage: true });

  // English.
  await desk.click("#lang");
  await desk.waitForFunction(() => document.documentElement.lang === "en");
  c.check("the language switch turns the page to English",
          (await desk.textContent("#dossier-title")).startsWith("Dossier") &&
          (await desk.textContent("#dossier-status")) === d.status_name.en &&
          (await desk.textContent("#dossier-sheet tbody")).includes("Forward to the next step"));
  await checkScreen(desk, c, "the dossier page in English");
  await desk.click("#lang");

  // ---- the leader signs on approval: their key and PIN in the approve dialog, then the signed result's link ----
  const leadApi = await session("cujut.leader"), specApi = await session("cujut.specialist");
  r = await call(leadApi, "POST", "/api/v1/signing-keys", { kind: "person", label: "Chữ ký số lãnh đạo",
                                                            pkcs12: readFileSync(path.join(ca, "lead.p12")).toString("base64"), pin: "1357" });
  if (r.status !== 201) throw new Error("key import failed: " + JSON.stringify(r.body));
  const keyId = r.body.id;
  r = await call(deskApi, "POST", "/api/v1/dossiers", {
    procedure: "2.000806", channel: "desk",
    applicant: { kind: "person", name: "Trần Văn Ký", id_number: "001305123456", phone: "0912345679", address: "Thôn 5, xã Cư Jút" },
    papers: [{ paper: "don-de-nghi", copies: 1, form: "original" }],
  });
  const code2 = r.body.code;
  await call(deskApi, "POST", "/api/v1/dossiers/" + code2 + "/actions", { action: "forward", version: r.body.version });
  let cur = (await call(leadApi, "GET", "/api/v1/dossiers/" + code2)).body;
  await call(leadApi, "POST", "/api/v1/dossiers/" + code2 + "/actions", { action: "assign", version: cur.version, to: "cujut.specialist" });
  const up = await fetch(server.url + "/api/v1/papers?name=ket-qua.pdf", {
    method: "POST", headers: { "Content-Type": "application/pdf", Cookie: specApi.cookie, "X-CSRF-Token": specApi.csrf },
    body: readFileSync("tests/data/pdf/table.pdf") });
  const paper = await up.json();
  cur = (await call(specApi, "GET", "/api/v1/dossiers/" + code2)).body;
  r = await call(specApi, "POST", "/api/v1/dossiers/" + code2 + "/actions", { action: "attach_result", version: cur.version,
                                                                          result: "Giấy chứng nhận số 15/2027", result_paper: paper.id });
  if (r.status !== 200) throw new Error("attach_result failed: " + JSON.stringify(r.body));
  await open(lead, code2);
  await lead.focus("#act-approve");
  await lead.keyboard.press("Enter");
  await lead.waitForSelector("#dossier-dialog[open] #f-key");
  c.check("the approve dialog offers signing with my key, checked", await lead.isChecked("#f-sign") &&
          (await lead.$$eval("#f-key option", (os) => os.map((o) => o.value))).includes(keyId) && !(await lead.$("#f-seal")));
  await checkScreen(lead, c, "the approve dialog with the signature");
  // a wrong PIN: the API's message next to the PIN, nothing signed
  lead.allowed = (x) => x.status() === 422 && new URL(x.url()).pathname.endsWith("/actions");
  await lead.focus("#f-pin");
  await lead.keyboard.type("0000");
  await lead.keyboard.press("Enter");
  await lead.waitForSelector("#f-pin-err:not([hidden])");
  c.check("a wrong PIN is explained next to the PIN", (await lead.textContent("#f-pin-err")).trim().length > 5,
          await lead.textContent("#dossier-dialog"));
  lead.allowed = null;
  lead.problems = lead.problems.filter((p) => !/status of 422/.test(p));
  const before2 = await loads(lead);
  await lead.fill("#f-pin", "1357");
  await lead.keyboard.press("Enter");
  await lead.waitForFunction((n) => Number(document.querySelector("#dossier-view")?.dataset.loads || "0") > n, before2);
  await lead.waitForSelector("#dossier-result-link");
  const href = await lead.getAttribute("#dossier-result-link", "href");
  const got = await lead.evaluate(async (h) => { const x = await fetch(h); return [x.status, x.headers.get("content-type")]; }, href);
  c.check("after the signed approval the page links to the signed result PDF", got[0] === 200 && got[1] === "application/pdf" &&
          href === "/api/v1/dossiers/" + code2 + "/result", got.join(" ") + " " + href);
  await checkScreen(lead, c, "the signed dossier");
  await lead.click("#lang");
  await lead.waitForFunction(() => document.documentElement.lang === "en");
  c.check("... in English too", (await lead.textContent("#dossier-result-link")).includes("signed result"));
  await lead.click("#lang");

  for (const [name, p] of [["desk", desk], ["clerk", clerk], ["other commune", other], ["specialist", spec], ["leader", lead]]) {
    c.check(`no console errors or unexpected failed responses (${name})`, p.problems.length === 0, p.problems.join(" | "));
  }
  pass = true;
} catch (e) {
  c.check("the browser test ran to the end", false, String(e && e.stack || e));
} finally {
  await browser.close();
  await stopServer(server, c);
  rmSync(ca, { recursive: true, force: true });
  if (process.env.WD_DEBUG) console.log(server.stderr());
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed || !pass ? 1 : 0);
