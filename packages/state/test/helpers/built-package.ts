import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Builds this package (incremental `tsc -b`, a no-op when up to date) so that child processes,
 * which run plain Node without a TypeScript loader, can import `dist/`.
 */
export function ensureBuilt(): void {
  const tsc = resolve(PACKAGE_DIR, "../../node_modules/.bin/tsc");
  execFileSync(tsc, ["-b"], { cwd: PACKAGE_DIR, stdio: "pipe" });
}

/** Absolute path of a child-process script in `test/fixtures/`. */
export function fixtureScript(name: string): string {
  return join(PACKAGE_DIR, "test", "fixtures", name);
}
