import { spawnSync } from "node:child_process";
import { BIN } from "./run-cli.js";

/** Why a pseudo-terminal test cannot run here (util-linux `script` gives the child its terminal), or undefined. */
export const NO_PTY = spawnSync("script", ["--version"]).status === 0 ? undefined : "util-linux `script` is not installed";

/** A word the shell reads back as `text`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link runOnTerminal}. */
export interface TerminalOptions {
  /** Terminal size (default 24 rows, 100 columns). */
  rows?: number;
  columns?: number;
  /** Environment of the command; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Typed ahead on the terminal (e.g. `q` for a pager). */
  input?: string;
}

/**
 * Runs `skein ...args` with its stdin/stdout/stderr on a pseudo-terminal of the given size and
 * returns what the terminal showed (carriage returns removed) and the command's exit code.
 */
export function runOnTerminal(args: readonly string[], options: TerminalOptions = {}): { screen: string; code: number | undefined } {
  const env: Record<string, string> = {};
  const merged = { ...process.env, SKEIN_HOME: undefined, CODEX_HOME: undefined, INIT_CWD: undefined, npm_lifecycle_event: undefined, NO_COLOR: "1", ...options.env };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;
  const command =
    `stty rows ${options.rows ?? 24} cols ${options.columns ?? 100}; ` +
    `${[process.execPath, BIN, ...args].map(shellQuote).join(" ")}; echo "[exit $?]"`;
  const result = spawnSync("script", ["-qec", command, "/dev/null"], { env, input: options.input ?? "", encoding: "utf8", timeout: 60_000 });
  if (result.error) throw result.error;
  const screen = result.stdout.replaceAll("\r", "");
  const exit = /\[exit (\d+)\]/.exec(screen);
  return { screen, code: exit ? Number(exit[1]) : undefined };
}
