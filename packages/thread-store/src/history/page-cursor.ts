import { createHash } from "node:crypto";
import { InvalidRequestError } from "../errors.js";

/**
 * What a cursor belongs to: the operation plus every parameter that changes which items a
 * page holds or their order (never the page size). A cursor only resumes its own scope.
 */
export interface CursorScope {
  operation: "listThreads" | "searchThreads" | "listTurns" | "listItems";
  query: Record<string, unknown>;
}

const CHECKSUM_HEX = 16;

/**
 * Encodes an opaque page cursor: base64url JSON of the scope's fingerprint and `position`,
 * followed by `.` and a checksum. The checksum is not a secret; it turns a cursor edited by
 * hand into an `InvalidRequestError` instead of a silently different page.
 */
export function encodeCursor(scope: CursorScope, position: unknown): string {
  const body = Buffer.from(JSON.stringify({ s: scopeFingerprint(scope), p: position })).toString("base64url");
  return `${body}.${checksum(body)}`;
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same scope and returns its position.
 * @throws InvalidRequestError `invalid cursor: …` when the cursor is malformed, was edited,
 * or belongs to another operation or query.
 */
export function decodeCursor(cursor: string, scope: CursorScope): unknown {
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > 4096) {
    throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
  }
  const dot = cursor.lastIndexOf(".");
  const body = cursor.slice(0, dot);
  if (dot <= 0 || cursor.slice(dot + 1) !== checksum(body)) {
    throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch (cause) {
    throw new InvalidRequestError("invalid cursor: not a cursor issued by this store", { cause });
  }
  const record = decoded as { s?: unknown; p?: unknown } | null;
  if (typeof record !== "object" || record === null || record.s !== scopeFingerprint(scope)) {
    throw new InvalidRequestError("invalid cursor: it belongs to another query");
  }
  return record.p;
}

function scopeFingerprint(scope: CursorScope): string {
  return checksum(`${scope.operation}\n${stableStringify(scope.query)}`);
}

function checksum(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, CHECKSUM_HEX);
}

/** JSON with object keys sorted and `undefined` members dropped, so equal queries hash equally. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
