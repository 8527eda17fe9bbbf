import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CodexBinaryNotFoundError } from "./errors.js";

const NATIVE_TARGETS: Readonly<Record<string, { pkg: string; triple: string }>> = {
  "linux-x64": { pkg: "@openai/codex-linux-x64", triple: "x86_64-unknown-linux-musl" },
  "linux-arm64": { pkg: "@openai/codex-linux-arm64", triple: "aarch64-unknown-linux-musl" },
  "darwin-x64": { pkg: "@openai/codex-darwin-x64", triple: "x86_64-apple-darwin" },
  "darwin-arm64": { pkg: "@openai/codex-darwin-arm64", triple: "aarch64-apple-darwin" },
};

/**
 * The path of the real Codex executable shipped by the `@openai/codex` devDependency.
 *
 * Prefers the native binary of the platform package (`@openai/codex-linux-x64`, …) over the
 * Node launcher: one process less per call, and a timeout kill reaches Codex itself. The
 * environment variable `SKEIN_CODEX_BIN` overrides the lookup.
 * @throws CodexBinaryNotFoundError when neither the native binary nor the launcher exists.
 */
export function findCodexBinary(): string {
  const override = process.env["SKEIN_CODEX_BIN"];
  if (override) {
    if (existsSync(override)) return override;
    throw new CodexBinaryNotFoundError(`SKEIN_CODEX_BIN=${override}`);
  }
  const require = createRequire(import.meta.url);
  let launcherRoot: string;
  try {
    launcherRoot = dirname(realpathSync(require.resolve("@openai/codex/package.json")));
  } catch (error) {
    throw new CodexBinaryNotFoundError("@openai/codex (is the devDependency installed?)", { cause: error });
  }
  const target = NATIVE_TARGETS[`${process.platform}-${process.arch}`];
  if (target) {
    try {
      const platformRoot = dirname(createRequire(join(launcherRoot, "package.json")).resolve(`${target.pkg}/package.json`));
      const native = join(platformRoot, "vendor", target.triple, "bin", "codex");
      if (existsSync(native)) return native;
    } catch {
      // Fall through to the launcher, which knows its own fallbacks.
    }
  }
  const launcher = join(launcherRoot, "bin", "codex.js");
  if (existsSync(launcher)) return launcher;
  throw new CodexBinaryNotFoundError(`${target?.pkg ?? "a native package"} and ${launcher}`);
}
