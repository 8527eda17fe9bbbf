import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

/**
 * `packages/cli/dist/bin.js`, found through `@skein/cli`'s `exports`: its entry is
 * `src/index.ts` under the workspace's source condition and `dist/index.js` otherwise; either
 * way the package root is two levels up.
 */
function cliBinPath(): string | undefined {
  try {
    return join(dirname(dirname(createRequire(import.meta.url).resolve("@skein/cli"))), "dist", "bin.js");
  } catch {
    return undefined;
  }
}

const BIN = cliBinPath();

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Why the CLI tests cannot run, or false: the binary is not built, or was built before the
 * last change to the CLI's source (a stale binary would test old code). The package's `test`
 * script builds it first, so this only triggers when vitest is run directly.
 */
export const cliSkipReason: string | false = (() => {
  let reason: string | undefined;
  if (BIN === undefined || !existsSync(BIN)) reason = "the skein CLI is not built (packages/cli/dist/bin.js is missing)";
  else {
    const src = join(dirname(dirname(BIN)), "src");
    // tsc -b re-emits only changed files, so the whole dist (with its tsbuildinfo) is compared.
    if (existsSync(src) && newestMtimeMs(src) > newestMtimeMs(dirname(BIN))) {
      reason = "packages/cli/dist is older than packages/cli/src; build it (pnpm --filter @skein/interop test does)";
    }
  }
  if (reason === undefined) return false;
  console.warn(`[skip] ${reason}`);
  return reason;
})();

/** Runs `skein <args…> --home <home>` and parses its JSON output. */
export async function skeinJson<T>(home: string, args: readonly string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN!, ...args, "--home", home], {
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, NO_COLOR: "1" },
  });
  return JSON.parse(stdout) as T;
}
