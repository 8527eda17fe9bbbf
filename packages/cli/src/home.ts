import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Environment variables {@link resolveHome} reads, in priority order. */
export const HOME_ENV_VARS = ["SKEIN_HOME", "CODEX_HOME"] as const;

/**
 * The home directory a command works on: `--home DIR`, else `$SKEIN_HOME`, else `$CODEX_HOME`,
 * else `~/.codex`. Relative paths resolve against `cwd`. Pure: nothing is read from disk.
 */
export function resolveHome(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): string {
  const fromEnv = HOME_ENV_VARS.map((name) => env[name]).find((value) => value !== undefined && value !== "");
  const chosen = flag ?? fromEnv;
  return chosen === undefined ? join(homedir(), ".codex") : resolve(cwd, expandTilde(chosen));
}

function expandTilde(path: string): string {
  if (path === "~") return homedir();
  return path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
}
