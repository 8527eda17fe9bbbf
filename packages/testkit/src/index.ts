import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The shared reference material (Codex fixtures), or undefined when this clone has none.
 * `SKEIN_SHARED_DIR` overrides; otherwise the first `shared/` folder found next to the
 * repository or next to one of its ancestors (`../shared`, `../../shared`, ...).
 */
export function sharedDir(): string | undefined {
  const explicit = process.env["SKEIN_SHARED_DIR"];
  if (explicit) return existsSync(join(explicit, "fixtures", "codex")) ? explicit : undefined;
  for (let dir = dirname(REPO_ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, "shared");
    if (existsSync(join(candidate, "fixtures", "codex"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Why fixture tests are skipped here, or undefined when they can run. Printed once per suite. */
export function fixturesSkipReason(): string | undefined {
  if (sharedDir()) return undefined;
  const reason = "Codex fixtures not found (../shared/fixtures/codex is absent in this clone; set SKEIN_SHARED_DIR)";
  console.warn(`[skip] ${reason}`);
  return reason;
}

/** Names of the Codex fixture homes (tarballs in shared/fixtures/codex). */
export const CODEX_HOMES = [
  "codexhome1",
  "codexhome2-premigrate",
  "codexhome2",
  "codexhome3-oldcli",
  "codexhome3-newcli-resumed",
  "codexhome3",
] as const;
export type CodexHomeName = (typeof CODEX_HOMES)[number];

/** A directory that `cleanup()` removes. */
export interface TempDir {
  path: string;
  cleanup(): void;
}

/** Makes a fresh temporary directory (mode 0700). */
export function makeTempDir(prefix = "skein-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Extracts a Codex fixture home into a fresh temp dir and returns the home's path. The
 * original tarball is never opened for writing. Throws when the fixtures are absent: guard
 * with {@link fixturesSkipReason}.
 */
export function extractCodexHome(name: CodexHomeName): TempDir {
  const shared = sharedDir();
  if (!shared) throw new Error("Codex fixtures are not available");
  const tmp = makeTempDir(`skein-${name}-`);
  execFileSync("tar", ["xzf", join(shared, "fixtures", "codex", `${name}.tar.gz`), "-C", tmp.path]);
  const home = join(tmp.path, name);
  return { path: home, cleanup: tmp.cleanup };
}

/** Reads the thread ids and roles of a fixture capture (`dumps/ids-home*.env`). */
export function codexFixtureIds(home: 1 | 2 | 3): Record<string, string> {
  const shared = sharedDir();
  if (!shared) throw new Error("Codex fixtures are not available");
  const text = execFileSync("cat", [join(shared, "fixtures", "codex", "dumps", `ids-home${home}.env`)], { encoding: "utf8" });
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+)=([0-9a-f-]{36})/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Directory of the Codex example lines per record kind (`examples/<set>/<kind>.jsonl`). */
export function codexExamplesDir(): string | undefined {
  const shared = sharedDir();
  return shared ? join(shared, "fixtures", "codex", "examples") : undefined;
}
export { startTestPostgres, providePostgres, type TestPostgres, type ProvidingProject } from "./postgres.js";
export * from "./packaging.js";
