import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** `packages/cli/dist/bin.js` (see `skein-cli.ts` for the skip when it is stale). */
const BIN = join(dirname(dirname(createRequire(import.meta.url).resolve("@skein/cli"))), "dist", "bin.js");

export interface SkeinRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `skein <args…> --home <home>` and resolves with its exit code and output (never rejects on exit ≠ 0). */
export function runSkein(home: string, args: readonly string[], env: Record<string, string> = {}): Promise<SkeinRun> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args, "--home", home],
      { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== "number") return fail(error);
        done({ code: error ? Number((error as { code?: number }).code) : 0, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

/** Runs `skein` and fails the test with its stderr when it exits ≠ 0. */
export async function skeinOk(home: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const run = await runSkein(home, args, env);
  if (run.code !== 0) throw new Error(`skein ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}
