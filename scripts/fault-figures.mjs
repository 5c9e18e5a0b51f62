#!/usr/bin/env node
/**
 * Sums the figures `pnpm test:faults` wrote to docs/fault-report/*.json into the totals SECURITY.md
 * reports. Usage: `node scripts/fault-figures.mjs [folder]` (default docs/fault-report); prints JSON.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? "docs/fault-report");
const suites = {};
for (const name of (await readdir(dir)).filter((n) => n.endsWith(".json")).sort()) {
  const record = JSON.parse(await readFile(path.join(dir, name), "utf8"));
  suites[record.suite ?? name] = record;
}
const count = (suite, key) => suites[suite]?.counts?.[key] ?? 0;
const sum = (values) => values.reduce((a, b) => a + b, 0);
const kinds = (suite, group) => suites[suite]?.[group] ?? {};

const totals = {
  transferRuns: count("transfer-faults", "runs"),
  transferFaultsHit: count("transfer-faults", "faultsHit"),
  transferSurvived: count("transfer-faults", "survived"),
  transferCleanFailures: count("transfer-faults", "cleanFailures"),
  transferRecovered: count("transfer-faults", "recovered"),
  transferFaultsHitByKind: kinds("transfer-faults", "faultsHit"),
  rangedCopies: count("ranged-copy-faults", "copies"),
  rangedCopyFaultsInjected: sum(Object.values(kinds("ranged-copy-faults", "faultsInjected"))),
  rangedCopySurvived: count("ranged-copy-faults", "survivedFaults"),
  rangedCopyCleanFailures: count("ranged-copy-faults", "cleanFailures"),
  storageCases:
    count("storage-faults", "s3Cases") +
    count("storage-faults", "fsCases") +
    count("storage-faults", "ingestCases"),
  storageCallsFailed: count("storage-faults", "s3CallsFailed"),
  diskCases: count("disk-faults", "cases"),
  diskFailedCleanly: count("disk-faults", "failedCleanly"),
  crashRuns: count("crash", "runs"),
  crashKilledAt: kinds("crash", "killedAt"),
  crashCompleted: count("crash", "completedAfterCrash"),
  crashSecondNotifications: count("crash", "secondNotification"),
  crashS3UploadsLeft: count("crash", "s3UploadsLeft"),
  retryBudgetCases: count("retry-budget", "cases") + count("retry-budget-core", "cases"),
  badInputsTried: sum(
    [
      "webhook-properties",
      "lambda-webhook-properties",
      "ssrf",
      "key-injection",
      "bad-input-cli",
      "serve-fuzz",
    ].map((suite) => count(suite, "badInputs")),
  ),
  ssrfRefusedBeforeAnyRequest: count("ssrf", "refusedBeforeAnyRequest"),
  filesLost:
    count("transfer-faults", "filesLost") +
    count("crash", "filesLost") +
    count("ranged-copy-faults", "filesCorrupted"),
  secretsLeaked: count("secrets", "secretsLeaked"),
  secretSearches: count("secrets", "placesSearched"),
};
console.log(JSON.stringify({ from: dir, suites: Object.keys(suites), totals }, null, 2));
