import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { CHUNK_SIZE } from "./line-splitter.js";

// Behaviour: docs/rollout-format.md, "Writing" (ordinals continue across writers); torn tails are
// Skein's rule: bytes after the last `\n` are moved to `<file>.torn` before the next append.

const NL = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/** The first line of a file (without `\n`), reading forward in chunks; undefined when empty. */
export function readFirstLineSync(fd: number, limit = 256 * 1024 * 1024): Buffer | undefined {
  const pieces: Buffer[] = [];
  let pos = 0;
  while (pos < limit) {
    const chunk = Buffer.allocUnsafe(TAIL_CHUNK);
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    const at = chunk.subarray(0, n).indexOf(NL);
    if (at >= 0) {
      pieces.push(chunk.subarray(0, at));
      return Buffer.concat(pieces);
    }
    pieces.push(chunk.subarray(0, n));
    pos += n;
  }
  return pieces.length > 0 ? Buffer.concat(pieces) : undefined;
}

/** Offset just past the last `\n` in `[0, end)`, or 0 when there is none. */
export function endOfLastLineSync(fd: number, end: number): number {
  let pos = end;
  const chunk = Buffer.allocUnsafe(TAIL_CHUNK);
  while (pos > 0) {
    const from = Math.max(0, pos - TAIL_CHUNK);
    const n = readSync(fd, chunk, 0, pos - from, from);
    const at = chunk.subarray(0, n).lastIndexOf(NL);
    if (at >= 0) return from + at + 1;
    pos = from;
  }
  return 0;
}

/** Complete lines of `[0, end)` from the last backwards (`end` must follow a `\n` or be 0). */
export function* linesBackwardSync(fd: number, end: number): Generator<Buffer> {
  let pos = end;
  let buf: Buffer = Buffer.alloc(0);
  let first = true;
  for (;;) {
    const at = buf.lastIndexOf(NL);
    if (at >= 0) {
      yield buf.subarray(at + 1);
      buf = buf.subarray(0, at);
      continue;
    }
    if (pos === 0) {
      if (buf.length > 0) yield buf;
      return;
    }
    const from = Math.max(0, pos - CHUNK_SIZE);
    const chunk = Buffer.allocUnsafe(pos - from);
    readSync(fd, chunk, 0, chunk.length, from);
    pos = from;
    buf = buf.length > 0 ? Buffer.concat([chunk, buf]) : chunk;
    if (first && buf[buf.length - 1] === NL) buf = buf.subarray(0, buf.length - 1);
    first = false;
  }
}

const ORDINAL_RE = /^\{"timestamp":"[^"]*","ordinal":(\d+),/;

/** The ordinal of the last line that has one, looking back at most `maxLines` lines. */
export function lastOrdinalSync(fd: number, end: number, maxLines = 1000): number | undefined {
  let seen = 0;
  for (const line of linesBackwardSync(fd, end)) {
    if (++seen > maxLines) return undefined;
    const m = ORDINAL_RE.exec(line.toString("latin1", 0, Math.min(line.length, 96)));
    if (m) return Number(m[1]);
    try {
      const ordinal = (JSON.parse(line.toString("utf8")) as { ordinal?: unknown }).ordinal;
      if (typeof ordinal === "number" && Number.isInteger(ordinal)) return ordinal;
    } catch {
      // A bad line carries no ordinal; keep looking further back.
    }
  }
  return undefined;
}

/** What {@link repairTornTailSync} did. */
export interface TornTailRepair {
  /** Size of the file after the repair: the next append starts here. */
  size: number;
  /** Bytes moved to the `.torn` sidecar (0 when none). */
  movedBytes: number;
  /** True when the tail was a complete JSON line that only lacked its `\n` (it was kept). */
  completed: boolean;
}

/**
 * Makes the file end with `\n` so the next appended line starts clean. A tail that is a
 * complete JSON object only gets its missing `\n`; anything else is appended (with a `\n`) to
 * `<path>.torn`, created 0600 and never overwritten, and then cut from the file. The fd must be
 * open for reading and writing.
 */
export function repairTornTailSync(fd: number, path: string): TornTailRepair {
  const size = fstatSync(fd).size;
  const lastLineEnd = endOfLastLineSync(fd, size);
  if (lastLineEnd === size) return { size, movedBytes: 0, completed: false };
  const tail = Buffer.allocUnsafe(size - lastLineEnd);
  readSync(fd, tail, 0, tail.length, lastLineEnd);
  if (isJsonObject(tail)) {
    writeSync(fd, "\n");
    return { size: size + 1, movedBytes: 0, completed: true };
  }
  const sidecar = openSync(`${path}.torn`, "a", 0o600);
  try {
    writeAllSync(sidecar, Buffer.concat([tail, Buffer.from("\n")]));
  } finally {
    closeSync(sidecar);
  }
  ftruncateSync(fd, lastLineEnd);
  return { size: lastLineEnd, movedBytes: tail.length, completed: false };
}

function isJsonObject(bytes: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Writes all of `data` at the fd's position (append mode: the end), looping over short writes. */
export function writeAllSync(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
