import { dirname, isAbsolute, resolve } from "node:path";

/**
 * The directory the user typed the command in, against which relative paths (`--cwd .`,
 * `--home ./h`, `--to ./backup`) resolve. Usually the process's working directory; but a
 * package script (`pnpm skein …`, `npm run skein …`) runs in the package's directory, and the
 * package manager records where the user was in `INIT_CWD`. That is used only while this
 * process is the script itself — `npm_lifecycle_event` set and the working directory still the
 * package's (`npm_package_json`'s folder) — so a program started from some other script, or a
 * script that `cd`s elsewhere first, keeps its own working directory.
 */
export function invocationDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): string {
  const initCwd = env["INIT_CWD"];
  if (initCwd === undefined || initCwd === "" || !isAbsolute(initCwd)) return cwd;
  if (env["npm_lifecycle_event"] === undefined) return cwd;
  const manifest = env["npm_package_json"];
  if (manifest !== undefined && manifest !== "" && resolve(dirname(manifest)) !== resolve(cwd)) return cwd;
  return initCwd;
}
