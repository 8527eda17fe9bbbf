import { createHash, randomUUID } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import type { RolloutLine, SessionMeta } from "@skein/protocol";
import { openForRead, parseRolloutLine, scanRolloutLineTexts } from "./rollout-reader.js";
import { openRolloutBytes, type RolloutBytes } from "./internal/rollout-bytes.js";

// A per-file map from item positions to byte offsets, so a page anywhere in a huge rollout is
// read from a known offset instead of parsing the file from byte 0. "Item" means what the reader
// keeps: a non-blank line that parses as a rollout line (bad lines are skipped and not counted),
// so position `p` here is index `p` of `readRollout(path).lines`.

/** Format version of {@link RolloutItemIndex}; a stored index of another version is rebuilt. */
export const ROLLOUT_ITEM_INDEX_VERSION = 1;
/** A checkpoint every this many items (and every {@link CHECKPOINT_BYTES}), bounding a seek. */
export const CHECKPOINT_ITEMS = 128;
const CHECKPOINT_BYTES = 256 * 1024;
/** Longest turn-start line {@link readTurnIdAt} reads. */
const TURN_LINE_MAX = 256 * 1024;
/** Read size while indexing: small batches die young, which keeps a 1 GB build's RSS flat. */
const BUILD_CHUNK = 512 * 1024;
/** Bytes before `end` whose hash tells an appended file from a rewritten one. */
const FINGERPRINT_BYTES = 4096;

/** Fields per turn in {@link RolloutItemIndex.turns}. */
export const TURN_FIELDS = 7;
/** Turn status codes in {@link RolloutItemIndex.turns}. */
export const TURN_STATUS = { in_progress: 0, completed: 1, interrupted: 2 } as const;

/** Where a paginated fork's inherited history ends (its first `session_meta.history_base`). */
export interface RolloutItemIndexBase {
  threadId: string;
  endByteOffset: number;
}

/**
 * What is known about a rollout's items up to `end` (the byte after its last indexed line).
 * Columnar numbers, so a sidecar of a 1 GB file loads in a few milliseconds. Turns are the file
 * segmented on its own (as if it had no inherited history); their ids are not stored: read the
 * start line at its offset ({@link readTurnIdAt}).
 */
export interface RolloutItemIndex {
  version: typeof ROLLOUT_ITEM_INDEX_VERSION;
  /** Bytes covered: every line before this offset is indexed. */
  end: number;
  /** Items in `[0, end)`. */
  count: number;
  /** `[position, offset]` pairs (item position, its line's byte offset), ascending; `checkpointCount` pairs are used. */
  checkpoints: Float64Array;
  checkpointCount: number;
  /**
   * Per turn, {@link TURN_FIELDS} numbers: start position, start line offset, end position
   * (exclusive), status code ({@link TURN_STATUS}), startedAt ms, completedAt ms (NaN when absent),
   * and {@link turnIdHash} of the start's turn id (NaN when it has none).
   */
  turns: Float64Array;
  turnCount: number;
  /**
   * Index of the turn held first in `turns`: 0 when all are loaded; more when only the newest
   * were read from a sidecar ({@link readRolloutItemIndexFile}). Earlier turns never change.
   */
  turnsFrom: number;
  /** The id of the last turn while it is still open (its end may come in a later append). */
  openTurnId?: string;
  /** From the first `session_meta`, when it is a paginated fork. */
  base?: RolloutItemIndexBase;
  /** Whether a `session_meta` was seen (so `base` is final). */
  sawMeta: boolean;
  /** Hex hash of the up to 4 KiB before `end`. */
  fingerprint: string;
  /** Random id of the build from byte 0; an extension keeps it, so a cache can tell a rebuild. */
  buildId: string;
}

const START_EVENTS = new Set(["task_started", "turn_started"]);
const COMPLETE_EVENTS = new Set(["task_complete", "turn_complete"]);

/**
 * Brings an item index up to date with the file: keeps `previous` when the file only grew
 * (its fingerprint still matches) and parses just the new complete lines; otherwise builds
 * from byte 0. A fragment after the last `\n` is never indexed (it may still be written).
 * Returns `previous` itself when nothing changed.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function updateRolloutItemIndex(path: string, previous?: RolloutItemIndex): Promise<RolloutItemIndex> {
  const { size, valid } = await checkFile(path, previous);
  const base = valid ? previous : undefined;
  if (base && base.end >= size) return base;
  const index: RolloutItemIndex = base
    ? { ...base, checkpoints: base.checkpoints.slice(), turns: base.turns.slice() }
    : emptyIndex();
  let lastCheckpointOffset = index.checkpointCount > 0 ? index.checkpoints[index.checkpointCount * 2 - 1]! : -Infinity;
  let end = index.end;
  await scanRolloutLineTexts(path, { start: index.end, end: size, chunkSize: BUILD_CHUNK }, (raw, byteOffset, byteLength, terminated) => {
    if (!terminated) return; // a fragment that may still be being written: never indexed
    end = byteOffset + byteLength;
    const parsed = parseRolloutLine(raw);
    if (!("line" in parsed)) return;
    const position = index.count++;
    if (position % CHECKPOINT_ITEMS === 0 || byteOffset - lastCheckpointOffset >= CHECKPOINT_BYTES) {
      index.checkpoints = ensure(index.checkpoints, index.checkpointCount * 2 + 2);
      index.checkpoints[index.checkpointCount * 2] = position;
      index.checkpoints[index.checkpointCount * 2 + 1] = byteOffset;
      index.checkpointCount++;
      lastCheckpointOffset = byteOffset;
    }
    noteLine(index, parsed.line, byteOffset, position);
  });
  // Trailing blank lines stay outside `end`: the next update skips them again, cheaply.
  index.end = end;
  if (base && index.end === base.end) return base;
  index.fingerprint = await fingerprint(path, index.end);
  return index;
}

/**
 * Serializes an index: a JSON header line padded to a multiple of 8 bytes, then the
 * checkpoint and turn columns as little-endian float64.
 */
export function encodeRolloutItemIndex(index: RolloutItemIndex): Buffer {
  if (index.turnsFrom !== 0) throw new RangeError("encodeRolloutItemIndex needs every turn loaded (turnsFrom 0)");
  const { checkpoints, turns, turnsFrom: _all, ...rest } = index;
  let header = JSON.stringify({ ...rest, endianness: endianness() });
  const pad = (8 - ((Buffer.byteLength(header) + 1) % 8)) % 8;
  header += " ".repeat(pad) + "\n";
  const cp = Buffer.from(checkpoints.buffer, checkpoints.byteOffset, index.checkpointCount * 16);
  const tu = Buffer.from(turns.buffer, turns.byteOffset, index.turnCount * TURN_FIELDS * 8);
  return Buffer.concat([Buffer.from(header), cp, tu]);
}

/** Reads what {@link encodeRolloutItemIndex} wrote; undefined for anything malformed (then rebuild). */
export function decodeRolloutItemIndex(bytes: Buffer): RolloutItemIndex | undefined {
  try {
    const nl = bytes.indexOf(0x0a);
    if (nl < 0 || (nl + 1) % 8 !== 0) return undefined;
    const head = parseHeader(bytes.toString("utf8", 0, nl));
    if (!head) return undefined;
    const cpBytes = head.checkpointCount * 16;
    const tuBytes = head.turnCount * TURN_FIELDS * 8;
    if (bytes.length !== nl + 1 + cpBytes + tuBytes) return undefined;
    // A view when the body is 8-byte aligned (a large read's own buffer); else one aligned copy.
    let buffer = bytes.buffer;
    let at = bytes.byteOffset + nl + 1;
    if (at % 8 !== 0) {
      buffer = new Uint8Array(bytes.subarray(nl + 1)).buffer;
      at = 0;
    }
    return {
      ...head,
      checkpoints: new Float64Array(buffer, at, head.checkpointCount * 2),
      turns: new Float64Array(buffer, at + cpBytes, head.turnCount * TURN_FIELDS),
      turnsFrom: 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * Reads a sidecar written by {@link encodeRolloutItemIndex}, loading only its newest
 * `turnWindow` turns (at least 1): a tail page of a 1 GB rollout needs a few turns, not 7 MB.
 * Undefined for a missing or malformed file (then rebuild).
 */
export async function readRolloutItemIndexFile(file: string, turnWindow = Number.POSITIVE_INFINITY): Promise<RolloutItemIndex | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = (await handle.stat()).size;
    const head = await readHeader(handle);
    if (!head) return undefined;
    const cpBytes = head.header.checkpointCount * 16;
    const total = head.header.turnCount;
    if (size !== head.bodyAt + cpBytes + total * TURN_FIELDS * 8) return undefined;
    const turnsFrom = Math.max(0, total - Math.max(1, turnWindow));
    const checkpoints = new Float64Array(head.header.checkpointCount * 2);
    const turns = new Float64Array((total - turnsFrom) * TURN_FIELDS);
    await readFully(handle, checkpoints, head.bodyAt);
    await readFully(handle, turns, head.bodyAt + cpBytes + turnsFrom * TURN_FIELDS * 8);
    return { ...head.header, checkpoints, turns, turnsFrom };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Completes an index read with a turn window: loads the turns before `index.turnsFrom` from
 * the sidecar, which may have been rewritten since as long as it is the same build (earlier
 * turns never change). Returns false (index unchanged) when the file no longer matches.
 */
export async function loadEarlierTurns(file: string, index: RolloutItemIndex): Promise<boolean> {
  if (index.turnsFrom === 0) return true;
  const stored = await readRolloutItemIndexFile(file);
  if (!stored || stored.buildId !== index.buildId || stored.turnCount < index.turnsFrom) return false;
  const turns = new Float64Array((index.turnCount) * TURN_FIELDS);
  turns.set(stored.turns.subarray(0, index.turnsFrom * TURN_FIELDS));
  turns.set(index.turns.subarray(0, (index.turnCount - index.turnsFrom) * TURN_FIELDS), index.turnsFrom * TURN_FIELDS);
  index.turns = turns;
  index.turnsFrom = 0;
  return true;
}

type StoredHeader = Omit<RolloutItemIndex, "checkpoints" | "turns" | "turnsFrom">;

async function readHeader(handle: FileHandle): Promise<{ header: StoredHeader; bodyAt: number } | undefined> {
  const probe = Buffer.alloc(64 * 1024);
  const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
  const nl = probe.subarray(0, bytesRead).indexOf(0x0a);
  if (nl < 0 || (nl + 1) % 8 !== 0) return undefined;
  const header = parseHeader(probe.toString("utf8", 0, nl));
  return header ? { header, bodyAt: nl + 1 } : undefined;
}

function parseHeader(text: string): StoredHeader | undefined {
  const head = JSON.parse(text) as StoredHeader & { endianness?: unknown };
  if (head.version !== ROLLOUT_ITEM_INDEX_VERSION || !Number.isInteger(head.end) || !Number.isInteger(head.count)) return undefined;
  if (!Number.isInteger(head.checkpointCount) || !Number.isInteger(head.turnCount) || typeof head.fingerprint !== "string") return undefined;
  if (typeof head.buildId !== "string") return undefined;
  // The columns are in this machine's byte order: a home copied from another kind of machine rebuilds.
  if (head.endianness !== endianness()) return undefined;
  delete head.endianness;
  return head;
}

async function readFully(handle: FileHandle, into: Float64Array, position: number): Promise<void> {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, position);
  if (bytesRead !== bytes.length) throw new RangeError("short read");
}

/**
 * The turn id on the line at `offset` (a turn start), or undefined when it has none. Reads
 * one short line with plain sync calls: a page of 50 turns costs 50 small reads, not 50
 * thread-pool round trips. Never throws for bad content.
 */
export async function readTurnIdAt(path: string, offset: number): Promise<string | undefined> {
  let bytes: RolloutBytes;
  try {
    bytes = openRolloutBytes(path);
  } catch {
    return undefined;
  }
  try {
    for (let length = 4096; length <= TURN_LINE_MAX; length *= 4) {
      const buffer = Buffer.allocUnsafe(length);
      const read = bytes.readSync(buffer, 0, length, offset);
      const nl = buffer.subarray(0, read).indexOf(0x0a);
      if (nl === -1 && read === length) continue;
      const parsed = parseRolloutLine(buffer.toString("utf8", 0, nl === -1 ? read : nl));
      if (!("line" in parsed) || parsed.line.type !== "event_msg") return undefined;
      return turnIdOf(parsed.line.payload as TurnPayload);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    bytes.close();
  }
}

/**
 * The nearest checkpoint at or before item `position`: `{position, offset}` of an item to
 * start a forward read from. Undefined when the index has no items.
 */
export function checkpointBefore(index: RolloutItemIndex, position: number): { position: number; offset: number } | undefined {
  return searchCheckpoints(index, (p) => p <= position, 0);
}

/** The nearest checkpoint whose line starts before byte `offset` (for counting items below an offset). */
export function checkpointBeforeOffset(index: RolloutItemIndex, offset: number): { position: number; offset: number } | undefined {
  return searchCheckpoints(index, (o) => o < offset, 1);
}

function searchCheckpoints(index: RolloutItemIndex, fits: (value: number) => boolean, field: 0 | 1) {
  const cp = index.checkpoints;
  let lo = 0;
  let hi = index.checkpointCount - 1;
  if (hi < 0 || !fits(cp[field]!)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(cp[mid * 2 + field]!)) lo = mid;
    else hi = mid - 1;
  }
  return { position: cp[lo * 2]!, offset: cp[lo * 2 + 1]! };
}

type TurnPayload = { type?: unknown; turn_id?: unknown; turn_attribution?: { turn_id?: unknown } };

function noteLine(index: RolloutItemIndex, line: RolloutLine, byteOffset: number, position: number): void {
  if (line.type === "session_meta") {
    if (index.sawMeta) return;
    index.sawMeta = true;
    const meta = line.payload as SessionMeta;
    if (meta.history_mode === "paginated" && meta.history_base) {
      index.base = { threadId: meta.history_base.thread_id, endByteOffset: meta.history_base.end_byte_offset };
    }
    return;
  }
  if (line.type !== "event_msg") return;
  const payload = line.payload as TurnPayload;
  const type = payload.type;
  if (typeof type !== "string") return;
  const start = START_EVENTS.has(type);
  if (!start && !COMPLETE_EVENTS.has(type) && type !== "turn_aborted") return;
  // Same rules as thread-store's segmentTurns (its tests pin them); kept in step with it.
  const turnId = turnIdOf(payload);
  const ms = Date.parse(line.timestamp);
  const last = (index.turnCount - 1 - index.turnsFrom) * TURN_FIELDS;
  const open = index.turnCount > 0 && index.turns[last + 3] === TURN_STATUS.in_progress;
  const t = index.turns;
  if (start) {
    if (open) {
      t[last + 2] = position;
      t[last + 3] = TURN_STATUS.interrupted;
    }
    index.turns = ensure(index.turns, (index.turnCount + 1 - index.turnsFrom) * TURN_FIELDS);
    const hash = turnId === undefined ? Number.NaN : turnIdHash(turnId);
    index.turns.set([position, byteOffset, Number.MAX_SAFE_INTEGER, TURN_STATUS.in_progress, ms, Number.NaN, hash], (index.turnCount - index.turnsFrom) * TURN_FIELDS);
    index.turnCount++;
    if (turnId !== undefined) index.openTurnId = turnId;
    else delete index.openTurnId;
    return;
  }
  if (!open) return;
  if (turnId !== undefined && turnId !== (index.openTurnId ?? `turn-${t[last]}`)) return;
  const at = last;
  t[at + 2] = position + 1;
  t[at + 3] = type === "turn_aborted" ? TURN_STATUS.interrupted : TURN_STATUS.completed;
  t[at + 5] = ms;
  delete index.openTurnId;
}

/** A 48-bit hash of a turn id, exact in a float64: finds a turn's candidates without reading ids. */
export function turnIdHash(turnId: string): number {
  return createHash("sha1").update(turnId).digest().readUIntBE(0, 6);
}

function turnIdOf(payload: TurnPayload): string | undefined {
  if (typeof payload.turn_id === "string" && payload.turn_id) return payload.turn_id;
  const attributed = payload.turn_attribution?.turn_id;
  return typeof attributed === "string" && attributed ? attributed : undefined;
}

function emptyIndex(): RolloutItemIndex {
  return {
    version: ROLLOUT_ITEM_INDEX_VERSION,
    end: 0,
    count: 0,
    checkpoints: new Float64Array(64),
    checkpointCount: 0,
    turns: new Float64Array(TURN_FIELDS * 64),
    turnCount: 0,
    turnsFrom: 0,
    sawMeta: false,
    fingerprint: "",
    buildId: randomUUID(),
  };
}

/** `array` itself when it holds `length` numbers, else a copy with room to grow. */
function ensure(array: Float64Array, length: number): Float64Array {
  if (array.length >= length) return array;
  const grown = new Float64Array(Math.max(length, array.length * 2));
  grown.set(array);
  return grown;
}

/** The file's size, and whether `previous` still describes its first `previous.end` bytes (one open). */
async function checkFile(path: string, previous: RolloutItemIndex | undefined): Promise<{ size: number; valid: boolean }> {
  const handle = await openForRead(path);
  try {
    const size = handle.size();
    if (!previous || previous.version !== ROLLOUT_ITEM_INDEX_VERSION || previous.end > size) return { size, valid: false };
    const length = Math.min(FINGERPRINT_BYTES, previous.end);
    const bytes = Buffer.alloc(length);
    const bytesRead = await handle.read(bytes, 0, length, previous.end - length);
    return { size, valid: hashOf(bytes.subarray(0, bytesRead), previous.end) === previous.fingerprint };
  } finally {
    handle.close();
  }
}

async function fingerprint(path: string, end: number): Promise<string> {
  const length = Math.min(FINGERPRINT_BYTES, end);
  return hashOf(await readRange(path, end - length, length), end);
}

function hashOf(bytes: Buffer, end: number): string {
  return createHash("sha1").update(bytes).update(String(end)).digest("hex");
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await openForRead(path);
  try {
    const buffer = Buffer.alloc(length);
    const bytesRead = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    handle.close();
  }
}
