// Prints the closing line of scripts/test.sh from vitest's JSON report:
// `N passed, N failed, N skipped` (skipped = pending + todo; a test file that failed without a
// failed test — import error, failed beforeAll — counts as one failure). Every skipped test is listed
// first with its file. Under SKEIN_NO_SKIP=1 (set by .ci/run) a skip is a failure: the skipped
// tests are added to the failed count and the exit code is 1.
const { readFileSync, existsSync } = require("node:fs");
const { relative } = require("node:path");
const path = process.argv[2] ?? ".vitest-report.json";
const extraFailures = Number(process.argv[3] ?? 0);
if (!existsSync(path)) {
  console.log(`0 passed, ${Math.max(1, extraFailures)} failed, 0 skipped`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, "utf8"));
const skipped = [];
const brokenFiles = [];
for (const file of report.testResults ?? []) {
  // A file that failed with no failed test (an import error, a failed beforeAll whose tests
  // were then skipped) is a failure too: one per file.
  const tests = file.assertionResults ?? [];
  if (file.status === "failed" && !tests.some((t) => t.status === "failed")) {
    brokenFiles.push(`${relative(process.cwd(), file.name)}: ${String(file.message ?? "failed").split("\n")[0]}`);
  }
  for (const test of file.assertionResults ?? []) {
    if (test.status === "pending" || test.status === "skipped" || test.status === "todo") {
      skipped.push(`${relative(process.cwd(), file.name)} > ${test.fullName ?? test.title}`);
    }
  }
}
const skipCount = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const noSkip = process.env.SKEIN_NO_SKIP === "1";
if (skipCount > 0) {
  console.log(`skipped tests (${skipCount})${noSkip ? " — SKEIN_NO_SKIP=1: each counts as a failure" : ""}; the reason is printed by the suite and in the name:`);
  for (const line of skipped) console.log(`  skipped: ${line}`);
}
for (const line of brokenFiles) console.log(`  failed file: ${line}`);
const failed = (report.numFailedTests ?? 0) + brokenFiles.length + extraFailures + (noSkip ? skipCount : 0);
console.log(`${report.numPassedTests ?? 0} passed, ${failed} failed, ${skipCount} skipped`);
process.exit(failed > 0 ? 1 : 0);
