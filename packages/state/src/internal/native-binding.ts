import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

/** What better-sqlite3's `nativeBinding` option takes: the addon's path, or the loaded addon. */
export type SqliteNativeBinding = string | object;

let cached: SqliteNativeBinding | null | undefined;

/**
 * better-sqlite3's compiled addon, found explicitly, for its `nativeBinding` option; every
 * `new Database` in Skein passes it. Where a normal build puts it
 * (`build/Release/better_sqlite3.node`) its path is handed over, which skips the `bindings`
 * package's search — a stack-trace inspection and a dozen candidate paths, a third of opening the
 * index in `skein list`. Anywhere else (another build layout), the `bindings` package that
 * better-sqlite3 itself depends on loads it with better-sqlite3's folder named as the module root,
 * so the search also works from the CLI bundle, where better-sqlite3's JavaScript is bundled and
 * a stack trace no longer leads to its folder (docs/cli-startup.md). Undefined only when neither
 * finds it: better-sqlite3 then searches as usual and reports what it could not find.
 */
export function sqliteNativeBinding(): SqliteNativeBinding | undefined {
  if (cached === undefined) cached = findNativeBinding() ?? null;
  return cached ?? undefined;
}

function findNativeBinding(): SqliteNativeBinding | undefined {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve("better-sqlite3/package.json");
  } catch {
    return undefined;
  }
  const root = dirname(manifest);
  const built = `${root}/build/Release/better_sqlite3.node`;
  return existsSync(built) ? built : searchAddon(root);
}

/**
 * The addon as better-sqlite3's own `bindings` search finds it, told the package folder instead
 * of guessing it from a stack trace; undefined when the search fails. Exported for tests.
 */
export function searchAddon(packageRoot: string): object | undefined {
  try {
    const bindings = createRequire(`${packageRoot}/package.json`)("bindings") as (options: { bindings: string; module_root: string }) => object;
    return bindings({ bindings: "better_sqlite3.node", module_root: packageRoot });
  } catch {
    return undefined;
  }
}

/**
 * Options for `new Database(path, …)` with the addon found by {@link sqliteNativeBinding}.
 * better-sqlite3 takes a loaded addon object as well as a path (lib/database.js); its type
 * definitions only name the string.
 */
export function withNativeBinding<T extends object>(options: T): T & { nativeBinding?: string } {
  const nativeBinding = sqliteNativeBinding();
  return nativeBinding === undefined ? options : { ...options, nativeBinding: nativeBinding as string };
}
