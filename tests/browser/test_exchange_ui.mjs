// test_exchange_ui.mjs — signing, sending and the acknowledgements on the document page (issue 12 items 4 and 7;
// web/js/screens/document_exchange.js), in Debian's chromium against one motcua that is its own peer: the commune
// Cư Jút (000.00.01.H41) sends to the commune Thuận An (000.00.02.H41) on the same node, through the outbox and the
// inbox over HTTP, and the statuses come back the same way (the peer token is a clerk of both communes).
//
// The clerk of Cư Jút signs and sends an outgoing document from its page (the receiving agency among the peers, the
// key, a wrong PIN first: the message by the PIN, nothing sent), then sees the acknowledgements timeline (03
// registered; 04 assigned once Thuận An's leader assigns it, marked unsigned; 05 reported from Thuận An's page with
// the key of its exchange part, marked valid with its signer), asks for a recall (13) with the
// keyboard only; Thuận An's clerk sees the request on the received document and accepts it (15): the document is
// marked recalled, still in the register, and Cư Jút's leader (who may read the document) sees 15 in the
// timeline. Both languages; axe and the catalogs on every page. Prints "N passed, N failed"; exits 1 on a failure.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { counter, bin, launch, checkScreen, apiSession, cookiePage, tabTo } from "./lib.mjs";

const c = counter();
const dir = mkdtempSync(path.join(tmpdir(), "motcua-xdweb-"));
const run = (...args) => execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
writeFileSync(path.join(dir, "pass"), "ca-pass-xdweb\n");
writeFileSync(path.join(dir, "pin"), "2468\n");
run("ca", "init", "--dir", path.join(dir, "ca"), "--pass-file", path.join(dir, "pass"), "--name", "CA thử nghiệm liên thông", "--key", "ec");
for (const [cn, out] of [["Trần Thị Văn Thư", "clerk.p12"], ["Lê Văn Văn Thư", "clerk2.p12"]]) {
  run("ca", "issue", "--dir", path.join(dir, "ca"), "--pass-file", path.join(dir, "pass"), "--cn", cn, "--key", "ec",
      "--out", path.join(dir, out), "--p12-pass-file", path.join(dir, "pin"));
}
writeFileSync(path.join(dir, "trust.pem"), readFileSync(path.join(dir, "ca", "ca.pem"), "utf8") + readFileSync(path.join(dir, "ca", "crl.pem"), "utf8"));
const db = path.join(dir, "web.db");
run("demo", "--db", db);

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});
let stderrAll = "";
async function serve(extra) {
  const proc = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:" + port, "--threads", "2", "--web", "web",
                           "--exchange-trust", path.join(dir, "trust.pem"), ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stderr.on("data", (d) => { stderrAll += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start: " + stderrAll)), 15000);
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderrAll}`)));
  });
  return { proc, url, dir };
}
async function stop(s) {
  s.proc.kill("SIGTERM");
  return new Promise((r) => (s.proc.exitCode !== null ? r(s.proc.exitCode) : s.proc.on("exit", r)));
}

// First start: the peer's token (a clerk of both communes) and the signing keys.
let server = await serve([]);
const admin = await apiSession(server, "admin");
const units = (await admin("GET", "/api/v1/units?limit=200")).data.items;
const cujut = units.find((u) => u.edi_code === "000.00.01.H41"), thuanan = units.find((u) => u.edi_code === "000.00.02.H41");
const bridge = await admin("POST", "/api/v1/staff", { username: "lienthong.bot", full_name: "Trục liên thông", password: "bridge-pass-1",
  unit_id: cujut.id, roles: [{ role: "clerk", unit_id: cujut.id }, { role: "clerk", unit_id: thuanan.id }] });
if (bridge.status !== 201) throw new Error("staff: " + JSON.stringify(bridge.data));
const bot = await apiSession(server, "lienthong.bot", "bridge-pass-1");
const tok = await bot("POST", "/api/v1/tokens", { name: "peer" });
writeFileSync(path.join(dir, "token"), tok.data.token + "\n");
for (const [user, file] of [["cujut.clerk", "clerk.p12"], ["thuanan.clerk", "clerk2.p12"]]) {
  const as = await apiSession(server, user);
  const r = await as("POST", "/api/v1/signing-keys", { kind: "person", label: "Khóa " + user,
    pkcs12: readFileSync(path.join(dir, file)).toString("base64"), pin: "2468" });
  if (r.status !== 201) throw new Error("key: " + JSON.stringify(r.data));
}
await stop(server);
writeFileSync(path.join(dir, "peers"), `${server.url} ${path.join(dir, "token")} 000.00.02.H41 000.00.01.H41\n`);
server = await serve(["--exchange-peers", path.join(dir, "peers"), "--exchange-poll-ms", "100", "--exchange-retry-ms", "200"]);

const browser = await launch();
const clerk = await apiSession(server, "cujut.clerk");
const other = await apiSession(server, "thuanan.clerk");
const otherLeader = await apiSession(server, "thuanan.leader");
const leader = await apiSession(server, "cujut.leader");
const xdLoads = (page) => page.evaluate(() => Number(document.querySelector("#document-exchange")?.dataset.loads || "0"));
const codesOn = (page) => page.$$eval("#document-exchange .xd-timeline tbody tr[data-code]", (trs) => trs.map((tr) => tr.dataset.code));
async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out: " + what);
    await new Promise((r) => setTimeout(r, 150));
  }
}
// Reload the document page until its timeline shows code.
async function waitCode(page, docId, code) {
  await until(async () => (await clerk("GET", "/api/v1/documents/" + docId + "/exchange")).data.sent.some((x) => x.statuses.some((st) => st.code === code)),
              "status " + code + " at the sender");
  await page.goto(server.url + "/#/home");
  await page.goto(server.url + "/#/document/" + docId);
  await page.waitForSelector("#document-exchange[data-loads]");
  return (await codesOn(page)).includes(code);
}

let page = null;
try {
  const out = await clerk("POST", "/api/v1/documents/outgoing", { type: "bao-cao", summary: "Về việc phối hợp rà soát hồ sơ đất đai",
    recipients: "UBND xã Thuận An", signer: "Nguyễn Văn Lãnh Đạo" });
  if (out.status !== 201) throw new Error("outgoing: " + JSON.stringify(out.data));
  const doc = out.data;

  // ---- sign and send from the document page ----
  page = await cookiePage(browser, server, clerk);
  await page.goto(server.url + "/#/document/" + doc.id);
  await page.waitForSelector("#xd-send");
  const opts = await page.$$eval("#xd-send-to option", (os) => os.map((o) => o.textContent));
  c.check("the receiving agencies are the configured peers' organ ids", opts.some((o) => o.startsWith("000.00.02.H41")) &&
          opts.some((o) => o.startsWith("000.00.01.H41")), opts.join(" | "));
  c.check("the signing key is offered", (await page.$$eval("#xd-send-key option", (os) => os.map((o) => o.textContent))).some((o) => o.includes("Trần Thị Văn Thư")));
  c.check("nothing sent yet", !!(await page.$("#xd-nosent")));
  await checkScreen(page, c, "the outgoing document with the send form");
  await page.selectOption("#xd-send-to", { label: opts.find((o) => o.startsWith("000.00.02.H41")) });
  await page.fill("#xd-send-pin", "9999");
  page.allowed = (r) => r.status() === 422 && new URL(r.url()).pathname.endsWith("/send");
  await page.click("#xd-send-submit");
  await page.waitForSelector("#xd-send-pin-err:not([hidden])");
  c.check("a wrong PIN shows the API's message by the PIN and clears it", (await page.textContent("#xd-send-pin-err")).trim().length > 5 &&
          (await page.inputValue("#xd-send-pin")) === "");
  c.check("... and sends nothing", (await clerk("GET", "/api/v1/documents/" + doc.id + "/exchange")).data.sent.length === 0);
  page.allowed = null;
  page.problems = page.problems.filter((p) => !/status of 422/.test(p));
  await page.fill("#xd-send-pin", "2468");
  await page.click("#xd-send-submit");
  await page.waitForSelector("#document-exchange > .notice.ok");
  c.check("the package is signed and queued", /hàng đợi/.test(await page.textContent("#document-exchange > .notice")));
  await waitCode(page, doc.id, "03");
  c.check("the timeline shows 03 registered (the receiver's answer)", (await page.textContent("#document-exchange .xd-timeline")).includes("Đã tiếp nhận, vào sổ"));
  await checkScreen(page, c, "the sent document's acknowledgements");

  // Thuận An's leader assigns it (unsigned): 04 arrives, marked unsigned.
  const inc = (await other("GET", "/api/v1/documents?direction=in&limit=200")).data.items.find((x) => x.symbol === doc.symbol);
  c.check("registered once at the receiver", !!inc);
  const a = await otherLeader("POST", "/api/v1/documents/" + inc.id + "/handling", { action: "assign", version: inc.version, lead_unit: units.find((u) => u.parent_id === thuanan.id && u.kind === "department").id });
  c.check("the receiver's leader assigns it", a.status === 200, JSON.stringify(a.data));
  await waitCode(page, doc.id, "04");
  const row4 = await page.textContent("#document-exchange .xd-timeline tr[data-code='04']");
  c.check("04 assigned is shown, visibly unsigned", row4.includes("Phân công xử lý") && row4.includes("không ký số"), row4);

  // Thuận An's clerk reports progress from the page, signing the status with the key of the exchange part: 05
  // arrives at Cư Jút with a valid signature.
  const rpage = await cookiePage(browser, server, other);
  await rpage.goto(server.url + "/#/document/" + inc.id);
  await rpage.waitForSelector("#xd-ack-sign");
  c.check("the received document says where it came from", (await rpage.textContent("#xd-received")).includes("000.00.01.H41"));
  await checkScreen(rpage, c, "the received document with the acknowledgement key");
  await rpage.fill("#doc-note", "Đang rà soát hồ sơ");
  await rpage.fill("#xd-ack-pin", "2468");
  await rpage.click("#doc-progress-submit");
  await rpage.waitForSelector("#document-view > .notice.ok, #document-view .notice.ok");
  c.check("the PIN field is emptied once the handling is sent", (await rpage.inputValue("#xd-ack-pin").catch(() => "")) === "");
  c.check("no console errors or unexpected failed responses (receiver, progress)", rpage.problems.length === 0, rpage.problems.join(" | "));
  await rpage.close();
  await waitCode(page, doc.id, "05");
  const row5 = await page.textContent("#document-exchange .xd-timeline tr[data-code='05']");
  c.check("05 in progress is shown with a valid signature and its signer", row5.includes("Đang xử lý") && row5.includes("chữ ký hợp lệ") &&
          row5.includes("Lê Văn Văn Thư") && row5.includes("Đang rà soát hồ sơ"), row5);

  // ---- the recall request, with the keyboard only ----
  await page.waitForSelector("#xd-recall");
  await page.focus("#document-back");
  c.check("Tab reaches the recall reason", await tabTo(page, "#xd-recall-reason", { max: 120 }));
  await page.keyboard.type("Gửi nhầm nơi nhận");
  await page.keyboard.press("Tab");   // the key
  await page.keyboard.press("Tab");   // the PIN
  await page.keyboard.type("2468");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#document-exchange > .notice.ok");
  c.check("13 recall requested in the timeline", (await codesOn(page)).includes("13"));
  c.check("the recall form is gone while the request is pending", !(await page.$("#xd-recall")));
  c.check("no console errors or unexpected failed responses (sender)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the receiver answers ----
  page = await cookiePage(browser, server, other);
  await until(async () => (await other("GET", "/api/v1/documents/" + inc.id + "/exchange")).data.received.recall, "the recall request on the receiver");
  await page.goto(server.url + "/#/document/" + inc.id);
  await page.waitForSelector("#xd-answer");
  const rq = await page.textContent("#xd-recall-request");
  c.check("the receiver sees the request, its reason and a valid signature", rq.includes("Gửi nhầm nơi nhận") && rq.includes("chữ ký hợp lệ") &&
          rq.includes("Trần Thị Văn Thư"), rq);
  await checkScreen(page, c, "the received document with a recall request");
  await page.fill("#xd-answer-reason", "Đồng ý thu hồi");
  await page.fill("#xd-answer-pin", "2468");
  await page.click("#xd-accept");
  await page.waitForSelector("#xd-recalled");
  c.check("accepted: marked recalled, the answer form gone", !(await page.$("#xd-answer")));
  c.check("... still in the register", (await other("GET", "/api/v1/documents?direction=in&limit=200")).data.items.some((x) => x.id === inc.id));
  // English
  await page.click("#lang", { timeout: 3000 }).catch(() => {});
  await page.waitForFunction(() => document.documentElement.lang === "en").catch(() => {});
  if ((await page.evaluate(() => document.documentElement.lang)) === "en") {
    c.check("English: the recalled notice", (await page.textContent("#xd-recalled")).includes("Recalled"));
    await checkScreen(page, c, "the recalled document (English)");
    await page.click("#lang");
  }
  c.check("no console errors or unexpected failed responses (receiver)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();

  // ---- the sender's leader sees 15 ----
  page = await cookiePage(browser, server, leader);
  await waitCode(page, doc.id, "15");
  const t = await page.textContent("#document-exchange");
  c.check("the leader sees 15 recall accepted and the recall badge", t.includes("Đồng ý thu hồi") && t.includes("đã thu hồi"));
  c.check("the leader is offered no recall form after acceptance", !(await page.$("#xd-recall")));
  await checkScreen(page, c, "the recalled document at the sender (leader)");
  c.check("no console errors or unexpected failed responses (leader)", page.problems.length === 0, page.problems.join(" | "));
  await page.close();
} catch (e) {
  c.check("the scenario ran to its end", false, String(e && e.stack || e) + " | log: " + stderrAll.slice(-1500) + (page && !page.isClosed() ? " | page problems: " + page.problems.join(" | ") +
          " | " + (await page.evaluate(() => document.body.innerText.slice(0, 1500)).catch(() => "")) : ""));
} finally {
  await browser.close();
  const code = await stop(server);
  c.check("the server stops cleanly on SIGTERM", code === 0, `exit ${code}`);
  c.check("no sanitizer report", !/AddressSanitizer|runtime error:/.test(stderrAll));
  c.check("the PIN and the peer token are in no log", !stderrAll.includes("2468") && !stderrAll.includes(readFileSync(path.join(dir, "token"), "utf8").trim()));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
