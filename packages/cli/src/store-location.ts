import { fileURLToPath } from "node:url";
import { UsageError } from "./errors.js";
import { resolveHome } from "./home.js";

/** Where a command's threads live: a local Codex-compatible home, or a PostgreSQL database. */
export type StoreLocation =
  | { kind: "local"; home: string }
  | {
      kind: "postgres";
      /** The connection string handed to `pg` (the `schema` parameter removed). */
      url: string;
      /** The `schema` query parameter of the store URL, when given (default: the store's `skein`). */
      schema?: string;
      /** The URL with its password masked: what messages show. */
      label: string;
    };

/** Flags that choose the store. */
export interface StoreFlags {
  /** `--store URL|DIR`. */
  store?: string | undefined;
  /** `--home DIR`. */
  home?: string | undefined;
}

/** Environment variable {@link resolveStoreLocation} reads when `--store` is absent. */
export const STORE_ENV_VAR = "SKEIN_STORE";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The store a command works on: `--store`, else `$SKEIN_STORE`, else the local home of
 * `--home` / `$SKEIN_HOME` / `$CODEX_HOME` / `~/.codex`. A `postgres://` or `postgresql://`
 * URL is a PostgreSQL store (`?schema=NAME` picks the schema); a `file://` URL or a plain path
 * is a local home. Pure: nothing is opened or read.
 *
 * @throws UsageError for another URL scheme, an unparsable URL, or `--home` next to a postgres store.
 */
export function parseStoreLocation(
  flags: StoreFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): StoreLocation {
  const fromEnv = env[STORE_ENV_VAR] === "" ? undefined : env[STORE_ENV_VAR];
  const value = flags.store ?? fromEnv;
  if (value === undefined) return { kind: "local", home: resolveHome(flags.home, env, cwd) };
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "local", home: resolveHome(value, env, cwd) };
  if (scheme === "file") return { kind: "local", home: resolveHome(fileURLToPath(value), env, cwd) };
  if (scheme !== "postgres" && scheme !== "postgresql") {
    throw new UsageError(`unsupported store "${redactUrl(value)}": use a postgres:// or postgresql:// URL, or a directory`);
  }
  if (flags.home !== undefined) {
    throw new UsageError(`--home and a postgres store exclude each other: drop --home, or drop --store (and unset ${STORE_ENV_VAR}) to use a local home`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new UsageError(`invalid store URL "${redactUrl(value)}": expected postgres://[user[:password]@]host[:port]/database[?schema=NAME]`, { cause: error });
  }
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  const label = redactUrl(value);
  return schema === undefined ? { kind: "postgres", url: url.toString(), label } : { kind: "postgres", url: url.toString(), schema, label };
}

/** What messages call a store: the home path, or the URL with its password masked. */
export function describeLocation(location: StoreLocation): string {
  return location.kind === "local" ? location.home : location.label;
}

/** A URL with any password replaced by `***` (the text as is when it has none). */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:?#]*):[^@/?#]*@/i, "$1:***@");
}

/**
 * Refuses a command that only makes sense on a local home (it reads rollout files or the SQLite
 * index) when the store is PostgreSQL.
 *
 * @throws UsageError naming the command, why, and how to run it on a local home.
 */
export function assertLocalStore(location: StoreLocation, command: string, why: string): asserts location is { kind: "local"; home: string } {
  if (location.kind === "local") return;
  throw new UsageError(`\`skein ${command}\` works on a local home only: ${why}; drop --store (and unset ${STORE_ENV_VAR}) to run it on a local home`);
}
