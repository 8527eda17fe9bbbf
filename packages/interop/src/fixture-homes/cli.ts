#!/usr/bin/env node
// `node dist/fixture-homes/cli.js --cache <dir>`: makes (or finds) the Codex fixture homes and
// prints `{"dir": …, "meta": …}` on stdout. Progress goes to stderr. Used by @skein/testkit,
// which cannot depend on this package (it is a devDependency of the packages interop tests).
import { ensureCodexFixtureHomes } from "./make-homes.js";

const args = process.argv.slice(2);
const at = args.indexOf("--cache");
const cacheDir = at >= 0 ? args[at + 1] : undefined;
if (!cacheDir) {
  process.stderr.write("usage: cli.js --cache <dir>\n");
  process.exit(2);
}
ensureCodexFixtureHomes({ cacheDir, log: (line) => process.stderr.write(`[codex-homes] ${line}\n`) }).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`[codex-homes] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
