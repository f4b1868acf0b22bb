// test_i18n.mjs — the web UI's message catalogs (web/i18n/vi.json, en.json): both hold the same keys, none empty,
// placeholders ({n}) alike, and every key the code names literally — t("k"), {t: "k"}, tp/ta/tt/head/nav/empty:
// "k", label keys of field()/searchBox()/notice(), data-t="k" in the HTML — is in both. (Keys built at run time,
// such as "role." + r.role, are checked in the browser tests: core.js records every key it could not find.)
// Prints "N passed, N failed" and exits 1 on any failure.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { counter } from "./lib.mjs";

const c = counter();
const vi = JSON.parse(readFileSync("web/i18n/vi.json", "utf8"));
const en = JSON.parse(readFileSync("web/i18n/en.json", "utf8"));
const onlyVi = Object.keys(vi).filter((k) => !(k in en)), onlyEn = Object.keys(en).filter((k) => !(k in vi));
c.check("every Vietnamese key has an English text", onlyVi.length === 0, onlyVi.join(", "));
c.check("every English key has a Vietnamese text", onlyEn.length === 0, onlyEn.join(", "));
const empty = Object.entries({ ...vi, ...en }).filter(([, v]) => typeof v !== "string" || !v.trim()).map(([k]) => k);
c.check("no text is empty", empty.length === 0, empty.join(", "));
const ph = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");
const badPh = Object.keys(vi).filter((k) => k in en && ph(vi[k]) !== ph(en[k]));
c.check("both languages use the same {placeholders}", badPh.length === 0, badPh.join(", "));

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? (f === "i18n" ? [] : files(p)) : [p];
  });
}
const used = new Map();
// A key looks like "area.name"; a literal ending in "." is the prefix of a key built at run time.
const note = (k, f) => { if (/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/.test(k) && !used.has(k)) used.set(k, f); };
for (const f of files("web")) {
  const s = readFileSync(f, "utf8");
  if (f.endsWith(".html")) for (const m of s.matchAll(/data-t[pat]?="([^"]+)"/g)) note(m[1], f);
  if (!f.endsWith(".js")) continue;
  const pats = [/\bt\(\s*"([^"]+)"/g, /\b(?:t|tp|ta|tt|head|nav|empty|label|title|hint|submit|cancel)\s*:\s*"([^"]+)"/g,
                /\b(?:field|select|textarea)\(\s*"[^"]*"\s*,\s*"([^"]+)"/g, /\bsearchBox\(\s*"[^"]*"\s*,\s*"([^"]+)"/g,
                /\bnotice\([^,()]+,\s*"([^"]+)"/g];
  for (const re of pats) for (const m of s.matchAll(re)) note(m[1], f);
}
const missing = [...used].filter(([k]) => !(k in vi) || !(k in en)).map(([k, f]) => `${k} (${f})`);
c.check(`every key named in web/ is in both catalogs (${used.size} keys named)`, missing.length === 0, missing.join(", "));
c.check("the scan found the keys of the code", used.size > 50, `only ${used.size}`);
console.log(`${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed ? 1 : 0);
