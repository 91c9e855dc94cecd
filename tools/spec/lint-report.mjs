// Reads the JSON reports of Spectral and Redocly, prints their figures, and fails on any error,
// on any warning that accepted-warnings.txt does not list, and on any listed warning that is gone
// (so the list never outlives the reason for it).
//
// usage: node lint-report.mjs ACCEPTED SPECTRAL_JSON REDOCLY_JSON [DOC SPECTRAL_JSON REDOCLY_JSON]...
//
// The first pair reports on openapi.yaml, whose places are written "#/...". Each further triple
// names another document, whose places are written "DOC#/..." in the accepted list.
import { readFileSync } from "node:fs";

const usage = "usage: node lint-report.mjs ACCEPTED SPECTRAL_JSON REDOCLY_JSON [DOC SPECTRAL_JSON REDOCLY_JSON]...";
const [acceptedPath, ...reports] = process.argv.slice(2);
if (reports.length < 2 || (reports.length - 2) % 3 !== 0) {
  console.error(usage);
  process.exit(2);
}
const documents = [{ name: "openapi.yaml", doc: "", spectralPath: reports[0], redoclyPath: reports[1] }];
for (let i = 2; i < reports.length; i += 3) {
  documents.push({ name: reports[i], doc: reports[i], spectralPath: reports[i + 1], redoclyPath: reports[i + 2] });
}

// A JSON pointer to the place a finding is about: "#/components/schemas/ACL".
const pointer = (parts) => "#/" + parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

const spectralSeverity = ["error", "warn", "info", "hint"];
const findings = documents.flatMap(({ name, doc, spectralPath, redoclyPath }) => [
  ...JSON.parse(readFileSync(spectralPath, "utf8")).map((r) => ({
    name,
    tool: "spectral",
    rule: r.code,
    where: doc + pointer(r.path),
    severity: spectralSeverity[r.severity],
    message: r.message,
  })),
  ...JSON.parse(readFileSync(redoclyPath, "utf8")).problems.map((p) => ({
    name,
    tool: "redocly",
    rule: p.ruleId,
    where: doc + (p.location?.[0]?.pointer ?? "#/"),
    severity: p.severity,
    message: p.message,
  })),
]);

// One accepted warning a line: TOOL RULE POINTER; text after '#' (outside the pointer) explains it.
const accepted = new Set(
  readFileSync(acceptedPath, "utf8")
    .split("\n")
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter((line) => line && !line.startsWith("#")),
);

const key = (f) => `${f.tool} ${f.rule} ${f.where}`;
let failed = false;
for (const { name } of documents) {
  for (const tool of ["spectral", "redocly"]) {
    const mine = findings.filter((f) => f.name === name && f.tool === tool);
    const errors = mine.filter((f) => f.severity === "error");
    const warnings = mine.filter((f) => f.severity === "warn");
    const known = warnings.filter((f) => accepted.has(key(f)));
    console.log(`${name} ${tool}: ${errors.length} errors, ${warnings.length} warnings (${known.length} accepted in ${acceptedPath})`);
    for (const f of [...errors, ...warnings.filter((f) => !accepted.has(key(f)))]) {
      console.log(`  new ${f.severity}: ${key(f)}: ${f.message}`);
      failed = true;
    }
  }
}
const seen = new Set(findings.map(key));
for (const k of accepted) {
  if (!seen.has(k)) {
    console.log(`  no longer reported, remove it from ${acceptedPath}: ${k}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
