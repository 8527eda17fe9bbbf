import { existsSync } from "node:fs";
import { createRequire } from "node:module";

let cached: string | null | undefined;

/**
 * The path of better-sqlite3's compiled addon when it is where a normal build puts it
 * (`build/Release/better_sqlite3.node`), else undefined (better-sqlite3 then searches with the
 * `bindings` package as usual). Handing the path over skips that search — a stack-trace
 * inspection and a dozen candidate paths — which was a third of opening the index in `skein list`
 * (docs/cli-startup.md).
 */
export function sqliteNativeBinding(): string | undefined {
  if (cached === undefined) {
    try {
      const path = createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
      cached = existsSync(path) ? path : null;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}
