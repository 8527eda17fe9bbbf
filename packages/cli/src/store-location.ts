import { fileURLToPath } from "node:url";
import { parse as parseConnectionString } from "pg-connection-string";
import { UsageError } from "./errors.js";
import { resolveHome } from "./home.js";

/** Where a command's threads live: a local Codex-compatible home, or a PostgreSQL database. */
export type StoreLocation =
  | { kind: "local"; home: string }
  | {
      kind: "postgres";
      /** The connection string handed to `pg` as the user wrote it, minus the `schema` parameter. */
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
 * `--home` / `$SKEIN_HOME` / `$CODEX_HOME` / `~/.codex`. A `postgres://`, `postgresql://` or
 * `socket://` URL, in any form `pg` accepts, is a PostgreSQL store (`?schema=NAME` picks the
 * schema); a `file://` URL or a plain path
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
  if (!POSTGRES_SCHEMES.has(scheme)) {
    throw new UsageError(`unsupported store "${redactUrl(value)}": use a postgres:// or postgresql:// URL, or a directory`);
  }
  if (flags.home !== undefined) {
    throw new UsageError(`--home and a postgres store exclude each other: drop --home, or drop --store (and unset ${STORE_ENV_VAR}) to use a local home`);
  }
  return parsePostgresLocation(value);
}

/** Schemes `pg`'s connection-string parser reads (`socket://` is its Unix-socket form). */
const POSTGRES_SCHEMES = new Set(["postgres", "postgresql", "socket"]);

/**
 * A PostgreSQL store URL, checked by `pg`'s own parser (pg-connection-string) so that every
 * form the driver accepts works here: `postgres://user@/db?host=/var/run/postgresql` (libpq's
 * Unix-socket form), `postgres://user@%2Fvar%2Frun%2Fpostgresql/db`, `socket://user@/path?db=x`,
 * `?password=…`, IPv6 hosts, … The `schema` parameter is ours: it is taken out of the string
 * handed to `pg`; every other character is left as the user wrote it.
 */
function parsePostgresLocation(value: string): StoreLocation {
  try {
    // Without the parameters that name certificate files, which the parser would read.
    parseConnectionString(withoutQueryParameters(value, SSL_FILE_PARAMETERS).rest);
  } catch (error) {
    // pg-connection-string already blanks the input in its error; our message shows it masked.
    throw new UsageError(
      `invalid store URL "${redactUrl(value)}": expected postgres://[user[:password]@][host][:port]/database[?host=/socket/dir&schema=NAME]`,
      { cause: error },
    );
  }
  const { rest, values } = withoutQueryParameters(value, new Set(["schema"]));
  const schema = values.get("schema");
  const label = redactUrl(value);
  return schema === undefined ? { kind: "postgres", url: rest, label } : { kind: "postgres", url: rest, schema, label };
}

const SSL_FILE_PARAMETERS = new Set(["sslcert", "sslkey", "sslrootcert"]);

/** `value` without its query parameters named in `names`, and their decoded values (the last of each wins). */
function withoutQueryParameters(value: string, names: ReadonlySet<string>): { rest: string; values: Map<string, string> } {
  const values = new Map<string, string>();
  const queryStart = value.indexOf("?");
  if (queryStart < 0) return { rest: value, values };
  const hashStart = value.indexOf("#", queryStart);
  const query = value.slice(queryStart + 1, hashStart < 0 ? undefined : hashStart);
  const hash = hashStart < 0 ? "" : value.slice(hashStart);
  const kept = query.split("&").filter((pair) => {
    const [key = "", ...parts] = pair.split("=");
    const name = decodeQueryPart(key);
    if (!names.has(name)) return true;
    values.set(name, decodeQueryPart(parts.join("=")));
    return false;
  });
  return { rest: `${value.slice(0, queryStart)}${kept.length > 0 ? `?${kept.join("&")}` : ""}${hash}`, values };
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** What messages call a store: the home path, or the URL with its password masked. */
export function describeLocation(location: StoreLocation): string {
  return location.kind === "local" ? location.home : location.label;
}

/**
 * A URL with its passwords replaced by `***`: the one in the user-info part (up to the last `@`
 * of the authority, as URL parsers read it) and `password` / `sslpassword` query parameters.
 * The text as is when it has none.
 */
export function redactUrl(value: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(value);
  if (!match) return value;
  const [, scheme = "", authority = "", rest = ""] = match;
  const at = authority.lastIndexOf("@");
  const colon = at < 0 ? -1 : authority.indexOf(":");
  const maskedAuthority = colon >= 0 && colon < at ? `${authority.slice(0, colon)}:***${authority.slice(at)}` : authority;
  return `${scheme}${maskedAuthority}${rest.replace(/([?&](?:ssl)?password=)[^&#]*/gi, "$1***")}`;
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
