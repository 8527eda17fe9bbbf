import type { RolloutLine } from "@skein/protocol";
import {
  ForkCycleError,
  MissingForkParentError,
  TURN_FIELDS,
  TURN_STATUS,
  checkpointBefore,
  checkpointBeforeOffset,
  findRolloutPath,
  iterateRolloutLineBatches,
  iterateRolloutLinesBackward,
  parseRolloutFileName,
  readTurnIdAt,
  rolloutPlainSize,
  type RolloutItemIndex,
} from "@skein/rollout";
import type { StoredTurnStatus } from "../types.js";
import type { ItemIndexCache } from "./item-index-cache.js";

// Behaviour: the same positions, turns and lines as segmentTurns/pageItems over
// loadThreadHistory(...).lines, read from byte offsets instead of the whole lineage.

/** One file's share of a thread's full history. */
interface Segment {
  path: string;
  index: RolloutItemIndex;
  /** Full-history position of the segment's first item. */
  base: number;
  /** Items of this segment (a parent: those before `history_base.end_byte_offset`). */
  count: number;
  /** Byte to read up to (a parent's cut, or the thread file's size when opened). */
  readEnd: number;
  /** Turns of `index` that belong to the history (all, or those starting before a parent's cut). */
  turnCount: number;
  /** Full-history index of the segment's first turn. */
  turnBase: number;
}

/** A turn of an {@link IndexedHistory}, positions over the full history. */
export interface IndexedTurn {
  index: number;
  start: number;
  /** Exclusive. */
  end: number;
  status: StoredTurnStatus;
  startedAt: number | undefined;
  completedAt: number | undefined;
}

/** One history line with its full-history position. */
export interface PositionedLine {
  position: number;
  line: RolloutLine;
}

const STATUS_NAMES: readonly StoredTurnStatus[] = ["in_progress", "completed", "interrupted"];
/** Forward seeks read small chunks: a page rarely needs more than a checkpoint's span. */
const SEEK_CHUNK = 64 * 1024;
const MAX_DEPTH = 64;

/**
 * A thread's full history (lineage prefix + own lines) served from per-file item indexes:
 * totals and turns without reading lines, and lines from a byte offset in either direction.
 */
export class IndexedHistory {
  readonly total: number;
  readonly turnCount: number;
  readonly #segments: Segment[];
  readonly #cache: ItemIndexCache;
  readonly #ids = new Map<number, string>();

  private constructor(segments: Segment[], cache: ItemIndexCache) {
    this.#segments = segments;
    this.#cache = cache;
    const last = segments.at(-1)!;
    this.total = last.base + last.count;
    this.turnCount = last.turnBase + last.turnCount;
  }

  /**
   * Opens the history of the rollout at `path`. Undefined when the indexes cannot answer
   * exactly (an inherited prefix that ends inside an open turn, or a turn boundary in the
   * unindexed tail): the caller then reads the whole history.
   * @throws MissingForkParentError, ForkCycleError as `loadThreadHistory`.
   */
  static async open(home: string, path: string, cache: ItemIndexCache): Promise<IndexedHistory | undefined> {
    const own = await cache.get(path);
    // Offsets are those of the plain text, also for a `.jsonl.zst` (docs/compressed-rollouts.md).
    const size = rolloutPlainSize(path);
    let ownCount = own.count;
    if (size > own.end) {
      for await (const batch of iterateRolloutLineBatches(path, { start: own.end, end: size, chunkSize: SEEK_CHUNK })) {
        for (const entry of batch) {
          if (!entry.line) continue;
          if (isTurnBoundary(entry.line)) return undefined;
          ownCount++;
        }
      }
    }
    const chain: Segment[] = [{ path, index: own, base: 0, count: ownCount, readEnd: size, turnCount: own.turnCount, turnBase: 0 }];
    const seen = [path];
    let base = own.base;
    let childId = parseRolloutFileName(path)?.threadId ?? path;
    while (base) {
      if (chain.length > MAX_DEPTH || seen.includes(base.threadId)) throw new ForkCycleError([...seen, base.threadId]);
      const found = await findRolloutPath(home, base.threadId, { includeArchived: true });
      if (!found) throw new MissingForkParentError(childId, base.threadId);
      const index = await cache.get(found.path);
      await cache.complete(found.path, index);
      const count = await countBefore(found.path, index, base.endByteOffset);
      const turnCount = turnsStartingBefore(index, count);
      if (turnCount > 0 && openAtCut(index, turnCount - 1, count)) return undefined;
      chain.unshift({ path: found.path, index, base: 0, count, readEnd: base.endByteOffset, turnCount, turnBase: 0 });
      seen.push(base.threadId);
      childId = base.threadId;
      base = index.base;
    }
    let position = 0;
    let turns = 0;
    for (const segment of chain) {
      segment.base = position;
      segment.turnBase = turns;
      position += segment.count;
      turns += segment.turnCount;
    }
    return new IndexedHistory(chain, cache);
  }

  /** Turn `i` (0-based over the full history). */
  turn(i: number): IndexedTurn {
    const segment = this.#segmentOfTurn(i);
    const at = slot(segment, i - segment.turnBase);
    const t = segment.index.turns;
    const startedAt = t[at + 4]!;
    const completedAt = t[at + 5]!;
    return {
      index: i,
      start: segment.base + t[at]!,
      end: Math.min(segment.base + t[at + 2]!, this.total),
      status: STATUS_NAMES[t[at + 3]!] ?? "in_progress",
      startedAt: Number.isNaN(startedAt) ? undefined : startedAt,
      completedAt: Number.isNaN(completedAt) ? undefined : completedAt,
    };
  }

  /**
   * Makes turns from index `fromTurn` on (default: all) available to the sync accessors; a
   * sidecar is read with only its newest turns. Call before {@link turn}, {@link turnAt}.
   */
  async prepareTurns(fromTurn = 0): Promise<void> {
    const own = this.#segments.at(-1)!;
    if (own.turnBase + own.index.turnsFrom > fromTurn) await this.#cache.complete(own.path, own.index);
  }

  /** Like {@link prepareTurns}, for the turn holding `position` and every later one. */
  async preparePosition(position: number): Promise<void> {
    const own = this.#segments.at(-1)!;
    const first = own.turnBase + own.index.turnsFrom;
    if (own.index.turnsFrom > 0 && this.turn(first).start > position) await this.prepareTurns();
  }

  /** The index of the turn holding `position`, or -1 when it is outside every turn. */
  turnAt(position: number): number {
    const own = this.#segments.at(-1)!;
    let lo = own.index.turnsFrom > 0 ? own.turnBase + own.index.turnsFrom : 0;
    let hi = this.turnCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.turn(mid).start <= position) lo = mid;
      else hi = mid - 1;
    }
    if (this.turnCount === 0 || lo > hi) return -1;
    const turn = this.turn(lo);
    return turn.start <= position && position < turn.end ? lo : -1;
  }

  /** Turn `i`'s id: its start line's `turn_id`, or `turn-<start position>`. Reads one line. */
  async turnId(i: number): Promise<string> {
    const cached = this.#ids.get(i);
    if (cached !== undefined) return cached;
    const segment = this.#segmentOfTurn(i);
    const at = slot(segment, i - segment.turnBase);
    const id = (await readTurnIdAt(segment.path, segment.index.turns[at + 1]!)) ?? `turn-${segment.base + segment.index.turns[at]!}`;
    this.#ids.set(i, id);
    return id;
  }

  /** Remembers the id of the turn that starts at `position` when `line` is that start (saves a read in {@link turnId}). */
  learnTurnId(position: number, line: RolloutLine): void {
    if (!isTurnBoundary(line)) return;
    const i = this.turnAt(position);
    if (i < 0 || this.#ids.has(i) || this.turn(i).start !== position) return;
    const payload = line.payload as { turn_id?: unknown; turn_attribution?: { turn_id?: unknown } };
    const id = typeof payload.turn_id === "string" && payload.turn_id ? payload.turn_id : payload.turn_attribution?.turn_id;
    this.#ids.set(i, typeof id === "string" && id ? id : `turn-${position}`);
  }

  /** Indexes of the turns whose id may be `turnId` (by hash, or `turn-<n>` for a start at n); verify with {@link turnId}. */
  turnCandidates(turnId: string, hash: number): number[] {
    const out: number[] = [];
    const fallback = /^turn-(\d+)$/.exec(turnId);
    for (const segment of this.#segments) {
      const t = segment.index.turns;
      for (let local = 0; local < segment.turnCount; local++) {
        const at = slot(segment, local);
        const h = t[at + 6]!;
        const matches = Number.isNaN(h) ? fallback !== null && segment.base + t[at]! === Number(fallback[1]) : h === hash;
        if (matches) out.push(segment.turnBase + local);
      }
    }
    return out;
  }

  /** Lines at positions `[from, to)`, ascending. */
  async *forward(from: number, to: number): AsyncGenerator<PositionedLine> {
    for (const segment of this.#segments) {
      const lo = Math.max(from, segment.base);
      const hi = Math.min(to, segment.base + segment.count);
      if (lo >= hi) continue;
      for await (const item of forwardIn(segment, lo - segment.base, hi - segment.base)) {
        yield { position: segment.base + item.position, line: item.line };
      }
    }
  }

  /** Lines at positions `[downTo, before)`, descending. */
  async *backward(before: number, downTo: number): AsyncGenerator<PositionedLine> {
    for (let s = this.#segments.length - 1; s >= 0; s--) {
      const segment = this.#segments[s]!;
      const hi = Math.min(before, segment.base + segment.count) - segment.base;
      const lo = Math.max(downTo, segment.base) - segment.base;
      if (lo >= hi) continue;
      let endOffset = segment.readEnd;
      let position = segment.count;
      if (hi < segment.count) {
        for await (const item of forwardIn(segment, hi, hi + 1)) endOffset = item.offset;
        position = hi;
      }
      for await (const entry of iterateRolloutLinesBackward(segment.path, { end: endOffset })) {
        if (!entry.line) continue;
        position--;
        if (position < lo) break;
        yield { position: segment.base + position, line: entry.line };
      }
    }
  }

  #segmentOfTurn(i: number): Segment {
    for (let s = this.#segments.length - 1; s >= 0; s--) {
      if (this.#segments[s]!.turnBase <= i) return this.#segments[s]!;
    }
    return this.#segments[0]!;
  }
}

/** Where local turn `local` sits in its segment's turn columns. */
function slot(segment: Segment, local: number): number {
  const from = segment.index.turnsFrom;
  if (local < from) throw new RangeError(`turn ${local} of ${segment.path} is not loaded (prepareTurns first)`);
  return (local - from) * TURN_FIELDS;
}

async function* forwardIn(segment: Segment, from: number, to: number): AsyncGenerator<{ position: number; offset: number; line: RolloutLine }> {
  const cp = checkpointBefore(segment.index, from) ?? { position: 0, offset: 0 };
  let position = cp.position;
  for await (const batch of iterateRolloutLineBatches(segment.path, { start: cp.offset, end: segment.readEnd, chunkSize: SEEK_CHUNK })) {
    for (const entry of batch) {
      if (!entry.line) continue;
      if (position >= to) return;
      if (position >= from) yield { position, offset: entry.byteOffset, line: entry.line };
      position++;
    }
  }
}

/** Items of a file whose lines start before byte `end` (the reader's view of `readRollout(path, {end})`). */
async function countBefore(path: string, index: RolloutItemIndex, end: number): Promise<number> {
  const cp = checkpointBeforeOffset(index, end) ?? { position: 0, offset: 0 };
  let count = cp.position;
  for await (const batch of iterateRolloutLineBatches(path, { start: cp.offset, end, chunkSize: SEEK_CHUNK })) {
    for (const entry of batch) if (entry.line) count++;
  }
  return count;
}

function turnsStartingBefore(index: RolloutItemIndex, position: number): number {
  let n = 0;
  while (n < index.turnCount && index.turns[n * TURN_FIELDS]! < position) n++;
  return n;
}

/** Whether turn `i` is still open at item `cut` (its end, or the start that interrupts it, lies at or past the cut). */
function openAtCut(index: RolloutItemIndex, i: number, cut: number): boolean {
  const at = i * TURN_FIELDS;
  const end = index.turns[at + 2]!;
  if (end > cut) return true;
  const next = i + 1 < index.turnCount ? index.turns[(i + 1) * TURN_FIELDS]! : undefined;
  return index.turns[at + 3] === TURN_STATUS.interrupted && next === end && next >= cut;
}

function isTurnBoundary(line: RolloutLine): boolean {
  if (line.type !== "event_msg") return false;
  const type = (line.payload as { type?: unknown }).type;
  return type === "task_started" || type === "turn_started" || type === "task_complete" || type === "turn_complete" || type === "turn_aborted";
}
