import { createHash } from "node:crypto";
import { InvalidCursorError } from "../errors.js";

const CURSOR_VERSION = 1;

/** A keyset position: the last returned row's sort value and id. */
export interface KeysetPosition {
  value: number;
  id: string;
}

/**
 * A short fingerprint of everything that shapes a query except the page size, so a cursor
 * can only continue the query that produced it.
 */
export function queryFingerprint(query: unknown): string {
  return createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 16);
}

/**
 * Encodes an opaque cursor: base64url JSON with a version, the query's fingerprint, the
 * position, and a checksum over all of them, so an edited cursor is rejected instead of
 * silently continuing from another position.
 */
export function encodeCursor(fingerprint: string, position: KeysetPosition): string {
  const body = { v: CURSOR_VERSION, f: fingerprint, t: position.value, id: position.id };
  return Buffer.from(JSON.stringify({ ...body, c: checksum(body) }), "utf8").toString("base64url");
}

function checksum(body: { v: unknown; f: unknown; t: unknown; id: unknown }): string {
  return createHash("sha256").update(JSON.stringify([body.v, body.f, body.t, body.id])).digest("base64url").slice(0, 12);
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same query.
 *
 * @throws InvalidCursorError naming what is wrong; never a parse or SQL error.
 */
export function decodeCursor(cursor: string, fingerprint: string): KeysetPosition {
  if (cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError("not a cursor string");
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw new InvalidCursorError("undecodable", { cause: error });
  }
  if (typeof body !== "object" || body === null) throw new InvalidCursorError("undecodable");
  const { v, f, t, id, c } = body as Record<string, unknown>;
  if (v !== CURSOR_VERSION) throw new InvalidCursorError(`unsupported version ${JSON.stringify(v)}`);
  if (f !== fingerprint) throw new InvalidCursorError("it belongs to a different query");
  if (typeof t !== "number" || !Number.isSafeInteger(t) || typeof id !== "string" || id.length > 64) {
    throw new InvalidCursorError("malformed position");
  }
  if (c !== checksum({ v, f, t, id })) throw new InvalidCursorError("it was modified");
  return { value: t, id };
}
