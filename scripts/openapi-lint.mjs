// openapi-lint.mjs — check docs/openapi.yaml against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)
// and print one closing line "N passed, N failed" for scripts/check.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "openapi.yaml");
let errors = null;
try {
  const doc = YAML.parse(readFileSync(file, "utf8"));
  const validator = new Validator();
  const res = await validator.validate(doc);
  if (!res.valid) errors = res.errors;
  else if (validator.version !== "3.1") errors = [`expected OpenAPI 3.1, found ${validator.version}`];
} catch (e) {
  errors = [String(e && e.message ? e.message : e)];
}
if (errors) {
  console.log(`FAIL ${file}:`);
  console.log(JSON.stringify(errors, null, 2));
  console.log("0 passed, 1 failed");
  process.exit(1);
}
console.log(`${file}: valid OpenAPI 3.1`);
console.log("1 passed, 0 failed");
