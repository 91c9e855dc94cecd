// Reads the JSON reports of Spectral and Redocly, prints their figures, and fails on any error,
// on any warning that accepted-warnings.txt does not list, and on any listed warning that is gone
// (so the list never outlives the reason for it).
//
// usage: node lint-report.mjs ACCEPTED SPECTRAL_JSON REDOCLY_JSON
import { readFileSync } from "node:fs";

const [acceptedPath, spectralPath, redoclyPath] = process.argv.slice(2);
if (!redoclyPath) {
  console.error("usage: node lint-report.mjs ACCEPTED SPECTRAL_JSON REDOCLY_JSON");
  process.exit(2);
}

// A JSON pointer to the place a finding is about: "#/components/schemas/ACL".
const pointer = (parts) => "#/" + parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

const spectralSeverity = ["error", "warn", "info", "hint"];
const findings = [
  ...JSON.parse(readFileSync(spectralPath, "utf8")).map((r) => ({
    tool: "spectral",
    rule: r.code,
    where: pointer(r.path),
    severity: spectralSeverity[r.severity],
    message: r.message,
  })),
  ...JSON.parse(readFileSync(redoclyPath, "utf8")).problems.map((p) => ({
    tool: "redocly",
    rule: p.ruleId,
    where: p.location?.[0]?.pointer ?? "#/",
    severity: p.severity,
    message: p.message,
  })),
];

// One accepted warning a line: TOOL RULE POINTER; text after '#' (outside the pointer) explains it.
const accepted = new Set(
  readFileSync(acceptedPath, "utf8")
    .split("\n")
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter((line) => line && !line.startsWith("#")),
);

const key = (f) => `${f.tool} ${f.rule} ${f.where}`;
let failed = false;
for (const tool of ["spectral", "redocly"]) {
  const mine = findings.filter((f) => f.tool === tool);
  const errors = mine.filter((f) => f.severity === "error");
  const warnings = mine.filter((f) => f.severity === "warn");
  const known = warnings.filter((f) => accepted.has(key(f)));
  console.log(`${tool}: ${errors.length} errors, ${warnings.length} warnings (${known.length} accepted in ${acceptedPath})`);
  for (const f of [...errors, ...warnings.filter((f) => !accepted.has(key(f)))]) {
    console.log(`  new ${f.severity}: ${key(f)}: ${f.message}`);
    failed = true;
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
