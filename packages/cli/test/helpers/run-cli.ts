import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built binary every CLI test runs. */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

/** The V8 code cache of the test children (docs/cli-startup.md): the machine's tmp dir, never the user's ~/.cache. */
const TEST_CODE_CACHE_DIR = join(tmpdir(), "skein-test-code-cache");

/** What a `skein` child process did. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Runs `node dist/bin.js ...args` in a child process with colour off, a wide fixed width and no
 * home variables inherited from the developer's shell (nor the package-script variables of a
 * `pnpm test` run, which would make relative paths resolve against where that was typed).
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  const merged = { ...process.env, SKEIN_HOME: undefined, CODEX_HOME: undefined, SKEIN_DEBUG: undefined, FORCE_COLOR: undefined, INIT_CWD: undefined, npm_lifecycle_event: undefined, NO_COLOR: "1", COLUMNS: "200", SKEIN_CODE_CACHE_DIR: TEST_CODE_CACHE_DIR, ...options.env };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `skein` and parses its stdout as JSON; fails with the output when the exit code is not 0. */
export async function runCliJson<T = unknown>(args: readonly string[], options: RunCliOptions = {}): Promise<T> {
  const result = await runCli(args, options);
  if (result.code !== 0) throw new Error(`skein ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}
