import { randomBytes } from "node:crypto";

// Thread ids without zod: the checks and the generator, for code that must load fast (the read-only
// listing path, docs/cli-startup.md). thread-id.ts adds the zod schema and re-exports these.

/** A UUID, any version. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a syntactically valid thread id. */
export function isThreadId(value: unknown): value is string {
  return typeof value === "string" && value.length === 36 && UUID_RE.test(value);
}

let lastMs = 0;
let seq = 0;

/**
 * Returns a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Ids made in the same millisecond by one process stay strictly increasing, so sorting ids
 * sorts by creation. Hand-written: ten lines, and it keeps @skein/protocol to one dependency.
 */
export function newThreadId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  if (nowMs <= lastMs) {
    nowMs = lastMs;
    seq = (seq + 1) & 0xfff;
    if (seq === 0) nowMs = ++lastMs;
  } else {
    seq = bytes.readUInt16BE(6) & 0x7ff;
  }
  lastMs = nowMs;
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = 0x70 | ((seq >> 8) & 0x0f);
  bytes[7] = seq & 0xff;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The creation time embedded in a UUIDv7, or undefined for other versions. */
export function threadIdTimestampMs(id: string): number | undefined {
  if (id[14] !== "7") return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
