// test_lookup.mjs — the public lookup page that the receipt's QR opens (web/lookup.html), in Debian's chromium.
//
// A desk officer receives a dossier through the API; the page, opened as the QR's address
// (/lookup.html?code=...), has the code filled in; with the applicant's phone it shows the status in plain
// words, the procedure, the appointment and the steps done; in English after the language switch; a wrong phone
// gives the same "not found" message as a wrong code, and the result panel is hidden again. No sign-in, no console
// error. Prints "N passed, N failed" and exits 1 on any failure.
import { counter, startServer, stopServer, launch, newPage } from "./lib.mjs";

const c = counter();
const server = await startServer();
const browser = await launch();

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
  c.check("no console errors (CSP violations, script errors) or unexpected failed responses",
          page.problems.length === 0, page.problems.join(" | "));
} catch (e) {
  c.check("the browser test ran to the end", false, String(e));
} finally {
  await browser.close();
  await stopServer(server, c);
}
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
