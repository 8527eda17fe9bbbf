import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The tests run the built binary as a child process, so build it (and what it depends on) once
 * before any test file runs. `SKEIN_CLI_SKIP_BUILD=1` trusts an existing `dist/`.
 */
export default function setup(): void {
  if (process.env["SKEIN_CLI_SKIP_BUILD"] === "1") return;
  try {
    execFileSync("pnpm", ["turbo", "run", "build", "--filter=@skein/cli...", "--output-logs=errors-only"], {
      cwd: REPO,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      stdio: "pipe",
    });
  } catch (error) {
    const output = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building @skein/cli for its tests failed:\n${output.stdout?.toString() ?? ""}${output.stderr?.toString() ?? ""}`);
  }
}
