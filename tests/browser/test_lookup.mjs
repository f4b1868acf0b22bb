// test_lookup.mjs — the public lookup page that the receipt's QR opens (web/lookup.html), in Debian's chromium.
//
// A desk officer receives a dossier through the API; the page, opened as the QR's address
// (/lookup.html?code=...), has the code filled in; with the applicant's phone it shows the status in plain
// words, the procedure, the appointment and the steps done; in English after the language switch; a wrong phone
// gives the same "not found" message as a wrong code, and the result panel is hidden again. Then the verification
// of a signed result (issue 12 item 5): a leader signs a dossier's result PDF through the API with a key of a
// `motcua ca` the server trusts (--sign-trust); the page's upload field, reached and submitted with the keyboard,
// says the copy is valid, who signed it and when, in both languages; one changed byte makes it "not valid" with the
// reason; a file that is not a PDF gets the server's message. No sign-in, no console error, no axe violation.
// Prints "N passed, N failed" and exits 1 on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, counter, startServer, stopServer, launch, newPage, apiSession, dossierApi, tabTo, checkScreen } from "./lib.mjs";

const c = counter();
// The test PKI, before the server starts: its CA certificate is the server's trust anchor for signed results.
const pki = mkdtempSync(path.join(tmpdir(), "motcua-pki-"));
writeFileSync(path.join(pki, "pass"), "ca-pass-1\n");
writeFileSync(path.join(pki, "pin"), "pin-1234\n");
execFileSync(bin, ["ca", "init", "--dir", path.join(pki, "ca"), "--pass-file", path.join(pki, "pass"), "--name", "CA thử nghiệm",
                   "--key", "ec"], { stdio: "ignore" });
execFileSync(bin, ["ca", "issue", "--dir", path.join(pki, "ca"), "--pass-file", path.join(pki, "pass"), "--cn", "Nguyễn Văn Lãnh Đạo",
                   "--out", path.join(pki, "lead.p12"), "--p12-pass-file", path.join(pki, "pin")], { stdio: "ignore" });
const server = await startServer(["--sign-trust", path.join(pki, "ca", "ca.pem")]);
const browser = await launch();

// A dossier of Cư Jút approved with the leader's signature over the specialist's result PDF: the signed bytes.
async function signedResult() {
  const { receive, act } = dossierApi();
  const desk = await apiSession(server, "cujut.desk"), lead = await apiSession(server, "cujut.leader");
  const spec = await apiSession(server, "cujut.specialist");
  const key = await lead("POST", "/api/v1/signing-keys", { kind: "person", label: "Chữ ký số", pin: "pin-1234",
                                                           pkcs12: readFileSync(path.join(pki, "lead.p12")).toString("base64") });
  if (key.status !== 201) throw new Error("key import: " + JSON.stringify(key.data));
  const d = await receive(desk, "Trần Thị Kết Quả");
  await act(desk, d.code, "forward");
  await act(lead, d.code, "assign", { to: "cujut.specialist" });
  const up = await fetch(server.url + "/api/v1/papers?name=ket-qua.pdf", {
    method: "POST", body: readFileSync("tests/data/pdf/table.pdf"),
    headers: { "Content-Type": "application/pdf", Cookie: spec.cookie, "X-CSRF-Token": spec.me.csrf },
  });
  const paper = await up.json();
  if (up.status !== 201) throw new Error("upload: " + JSON.stringify(paper));
  await act(spec, d.code, "attach_result", { result: "Giấy chứng nhận số 7", result_paper: paper.id });
  await act(lead, d.code, "approve", { sign: true, key_id: key.data.id, pin: "pin-1234" });
  const r = await fetch(server.url + `/api/v1/dossiers/${d.code}/result`, { headers: { Cookie: lead.cookie } });
  if (r.status !== 200) throw new Error("result: " + r.status);
  return { code: d.code, bytes: Buffer.from(await r.arrayBuffer()) };
}

// The desk officer's session through the API (cookie + CSRF token), then one intake.
async function intake() {
  let r = await fetch(server.url + "/api/v1/session", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "cujut.desk", password: "demo" }),
  });
  const cookie = (r.headers.get("set-cookie") || "").split(";")[0];
  const csrf = (await r.json()).csrf;
  r = await fetch(server.url + "/api/v1/dossiers", {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": csrf },
    body: JSON.stringify({
      procedure: "2.000806", channel: "desk",
      applicant: { kind: "person", name: "Nguyễn Văn Đức", id_number: "068095001234", phone: "0912345678",
                   address: "Thôn 3, xã Cư Jút" },
      papers: [{ paper: "don-de-nghi", copies: 1, form: "original" }],
    }),
  });
  const body = await r.json();
  if (r.status !== 201) throw new Error("intake failed: " + JSON.stringify(body));
  return body.code;
}

try {
  const code = await intake();
  const page = await newPage(browser, server);
  page.allowed = (r) => r.status() === 404 && new URL(r.url()).pathname === "/api/v1/public/lookup";
  await page.goto(server.url + "/lookup.html?code=" + encodeURIComponent(code));
  c.check("the QR's address fills in the code", (await page.inputValue("#lookup-code")) === code);
  c.check("the phone field has the focus", await page.evaluate(() => document.activeElement.id === "lookup-phone"));
  await page.keyboard.type("+84 912 345 678");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#lookup-result:not([hidden])");
  c.check("the status is shown in plain words", (await page.textContent("#lookup-status")).trim().length > 0 &&
          (await page.textContent("#lookup-text")).trim().length > 10);
  c.check("the procedure is named", (await page.textContent("#lookup-procedure")).includes("2.000806"));
  c.check("the appointment is shown", /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(await page.textContent("#lookup-due")));
  c.check("the steps done are listed", (await page.$$("#lookup-steps li")).length >= 1);
  const vi = await page.textContent("#lookup-status");
  await page.click("#lang");
  // The English catalog loads after the click: wait for the answer to be drawn again (the check raced it).
  await page.waitForFunction((v) => document.documentElement.lang === "en" &&
                             document.querySelector("#lookup-status").textContent !== v, vi, { timeout: 5000 }).catch(() => {});
  const en = await page.textContent("#lookup-status");
  c.check("the language switch turns the answer to English", en !== vi &&
          (await page.textContent("#lookup-form button")).trim() === "Look up");
  await page.click("#lang");

  await page.fill("#lookup-phone", "0987654321");
  await page.click("#lookup-form button");
  await page.waitForSelector("#lookup-error:not([hidden])");
  const wrongPhone = await page.textContent("#lookup-error");
  c.check("a wrong phone hides the result", !(await page.isVisible("#lookup-result")));
  await page.fill("#lookup-phone", "0912345678");
  await page.fill("#lookup-code", code.replace(/\d{4}$/, "9999"));
  await page.click("#lookup-form button");
  await page.waitForFunction(() => !document.querySelector("#lookup-error").hidden);
  c.check("a wrong code says exactly what a wrong phone says", (await page.textContent("#lookup-error")) === wrongPhone,
          wrongPhone);

  // ---- the verification of a signed result's copy ----
  const signed = await signedResult();
  page.allowed = (r) => (r.status() === 404 && new URL(r.url()).pathname === "/api/v1/public/lookup") ||
                        (r.status() === 422 && new URL(r.url()).pathname === "/api/v1/lookup/verify");
  const file = (name, buffer, mimeType = "application/pdf") => ({ name, mimeType, buffer });
  c.check("the file field is reached with the keyboard", await tabTo(page, "#verify-file"));
  await page.setInputFiles("#verify-file", file("ket-qua.pdf", signed.bytes));
  c.check("the check button follows it in the tab order", await tabTo(page, "#verify-form button"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#verify-result:not([hidden])");
  const verdict = await page.textContent("#verify-verdict");
  c.check("a signed result is valid", verdict.startsWith("Hợp lệ"), verdict);
  c.check("it is a result this system issued, named by its code", (await page.textContent("#verify-issued")).includes(signed.code));
  const row = await page.$$eval("#verify-signatures tr td", (tds) => tds.map((td) => td.textContent));
  c.check("the signer, the certificate subject and the signing time are shown",
          row[0] === "Nguyễn Văn Lãnh Đạo" && row[1].startsWith("CN=Nguyễn Văn Lãnh Đạo") && /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(row[2]),
          row.join(" | "));
  await checkScreen(page, c, "the lookup page with a verification");
  await page.click("#lang");
  await page.waitForFunction(() => document.querySelector("#verify-verdict").textContent.startsWith("Valid"), null,
                             { timeout: 5000 }).catch(() => {});
  c.check("the verdict follows the language switch", (await page.textContent("#verify-verdict")).startsWith("Valid"));
  await page.click("#lang");
  const i = 400, bad = Buffer.from(signed.bytes);
  bad[i] ^= 1;
  await page.setInputFiles("#verify-file", file("ket-qua-sua.pdf", bad));
  await page.click("#verify-form button");
  await page.waitForFunction(() => document.querySelector("#verify-verdict").textContent.startsWith("Không hợp lệ"), null,
                             { timeout: 5000 }).catch(() => {});
  const badVerdict = await page.textContent("#verify-verdict");
  c.check("one changed byte: not valid, and why", badVerdict.startsWith("Không hợp lệ") &&
          (await page.textContent("#verify-signatures")).includes("thay đổi"), badVerdict);
  await page.setInputFiles("#verify-file", file("anh.pdf", Buffer.from("MZ not a pdf")));
  await page.click("#verify-form button");
  await page.waitForSelector("#verify-error:not([hidden])");
  c.check("a file that is not a PDF gets the server's message, the result hidden",
          (await page.textContent("#verify-error")).includes("PDF") && !(await page.isVisible("#verify-result")));
  c.check("no console errors (CSP violations, script errors) or unexpected failed responses",
          page.problems.length === 0, page.problems.join(" | "));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
  rmSync(pki, { recursive: true, force: true });
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
