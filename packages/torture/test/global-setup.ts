import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Workers and `skein` run as plain Node children from `dist/`, so build this package and
 * everything it depends on once before any test file runs. `SKEIN_TORTURE_SKIP_BUILD=1`
 * trusts an existing `dist/`.
 */
export default function setup(): void {
  if (process.env["SKEIN_TORTURE_SKIP_BUILD"] === "1") return;
  try {
    execFileSync("pnpm", ["turbo", "run", "build", "--filter=@skein/torture...", "--output-logs=errors-only"], {
      cwd: REPO,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      stdio: "pipe",
    });
  } catch (error) {
    const output = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building @skein/torture for its tests failed:\n${output.stdout?.toString() ?? ""}${output.stderr?.toString() ?? ""}`);
  }
}
