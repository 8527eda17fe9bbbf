import { closeSync, constants, fsync, mkdirSync, openSync, writeSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { formatRolloutTimestamp, threadIdTimestampMs, type RolloutItem, type SessionMeta } from "@skein/protocol";
import { MissingSessionMetaError, RolloutNotFoundError, RolloutRecorderClosedError, RolloutWriteError } from "./errors.js";
import { encodeRolloutLine, encodeRolloutLineText } from "./internal/encode-rollout-line.js";
import { PreparedRawRolloutItem, prepareRawRolloutItems, type RawRolloutItem } from "./raw-item.js";
import { TimestampFormatter } from "./internal/timestamp-formatter.js";
import { lastOrdinalSync, readFirstLineSync, repairTornTailSync, writeAllSync } from "./internal/rollout-file.js";
import { activeRolloutPath, parseRolloutFileName } from "./layout.js";
import { rolloutPathForms } from "./compression-paths.js";
import { restorePlainRolloutSync } from "./compression.js";
import { refuseReadOnlyGeneration } from "./generation-2025.js";

// Behaviour: docs/rollout-format.md, "Writing" and "A line" (envelope, ordinals).

/** `session_meta` fields a caller supplies; the recorder adds `id` and `timestamp`. */
export type RecorderSessionMeta = Omit<SessionMeta, "id" | "timestamp">;

/** An item to record; `timestamp` (UTC RFC 3339) defaults to the time of `record()`. */
export type RecordableItem = Pick<RolloutItem, "type" | "payload"> & { metadata?: Record<string, unknown>; timestamp?: string };

/** Options of {@link RolloutRecorder.create}. */
export interface RolloutRecorderCreateOptions {
  /** The Codex home (absolute). The file goes to `sessions/YYYY/MM/DD/` in local time. */
  home: string;
  threadId: string;
  /** Creation time; default: the UUIDv7 time of `threadId`, else now. */
  createdAtMs?: number;
  sessionMeta: RecorderSessionMeta;
  /** fsync after every write batch. Default false (written to the OS only). */
  fsync?: boolean;
  /** Clock for line timestamps. */
  now?: () => number;
}

/** Options of {@link RolloutRecorder.resume}. */
export interface RolloutRecorderResumeOptions {
  /** The existing rollout to append to. */
  path: string;
  fsync?: boolean;
  now?: () => number;
}

interface Pending {
  item: RecordableItem | PreparedRawRolloutItem;
  timestamp: string;
}

/** The encoded lines of everything not yet written: `session_meta` first when it is due. */
interface Batch {
  lines: string[];
  withMeta: boolean;
}

const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND;
const RESOLVED = Promise.resolve();

/**
 * The single writer of one thread's rollout: an ordered queue of lines appended to a JSONL file.
 *
 * - Create mode writes nothing until {@link persist}, or a {@link flush} with pending items;
 *   then it creates the folders (0700) and the file (0600) and writes `session_meta` first.
 * - Resume mode appends to an existing file and writes no `session_meta`. Before the first
 *   append a torn tail is moved to `<file>.torn`; a paginated file's `ordinal`s continue from its
 *   last line, so Codex and Skein can take turns appending.
 * - Lines land in `record()` order. Writes are synchronous `write(2)` calls on an open fd: a
 *   small append to the page cache costs microseconds, less than a thread-pool round trip, and
 *   the bytes are with the OS (readable by any process) when the call returns. Only `fsync`,
 *   which waits for the disk, runs off the event loop.
 * - A failed write is retried once after reopening the file; unwritten items stay queued and the
 *   error surfaces from `flush()`/`persist()`/`shutdown()`, which can be called again.
 *
 * @example
 * const recorder = RolloutRecorder.create({ home, threadId: newThreadId(), sessionMeta: { cwd: "/repo", history_mode: "paginated" } });
 * recorder.record([{ type: "event_msg", payload: { type: "user_message", message: "hi" } }]);
 * await recorder.flush(); // file exists now: session_meta, then the user message
 * await recorder.shutdown();
 */
export class RolloutRecorder {
  readonly #path: string;
  readonly #threadId: string;
  readonly #fsync: boolean;
  readonly #now: () => number;
  readonly #meta: SessionMeta | undefined;
  readonly #paginatedMeta: boolean;
  readonly #timestamps = new TimestampFormatter();
  #pending: Pending[] = [];
  #fd: number | undefined;
  #materialized = false;
  #metaWritten: boolean;
  #nextOrdinal: number | undefined;
  #knownSize: number | undefined;
  #closed = false;
  /** A background write of recorded items is scheduled for the end of this tick. */
  #writeScheduled = false;
  /** Bytes were written since the last fsync was started. */
  #dirty = false;
  /** The latest fsync in flight; every earlier one has settled before it starts. */
  #syncing: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;

  private constructor(init: {
    path: string;
    threadId: string;
    fsync: boolean;
    now: () => number;
    meta?: SessionMeta;
    paginated: boolean;
    nextOrdinal?: number;
  }) {
    this.#path = init.path;
    this.#threadId = init.threadId;
    this.#fsync = init.fsync;
    this.#now = init.now;
    this.#meta = init.meta;
    this.#metaWritten = init.meta === undefined;
    this.#paginatedMeta = init.paginated;
    this.#nextOrdinal = init.nextOrdinal;
  }

  /**
   * A recorder for a new thread. Computes the path and `session_meta` now; touches no file.
   * A paginated meta (`history_mode: "paginated"`) numbers lines from the fork point
   * (`forked_from_ordinal_exclusive`, else `history_base.end_ordinal_exclusive`, else 0).
   * @throws InvalidThreadIdError when `threadId` is not a UUID.
   */
  static create(options: RolloutRecorderCreateOptions): RolloutRecorder {
    const now = options.now ?? Date.now;
    const createdAtMs = options.createdAtMs ?? threadIdTimestampMs(options.threadId) ?? now();
    const path = activeRolloutPath(options.home, options.threadId, createdAtMs);
    const meta = { id: options.threadId, timestamp: formatRolloutTimestamp(createdAtMs), ...options.sessionMeta } as SessionMeta;
    const paginated = meta.history_mode === "paginated";
    const firstOrdinal = meta.forked_from_ordinal_exclusive ?? meta.history_base?.end_ordinal_exclusive ?? 0;
    return new RolloutRecorder({
      path,
      threadId: options.threadId,
      fsync: options.fsync ?? false,
      now,
      meta,
      paginated,
      ...(paginated ? { nextOrdinal: firstOrdinal } : {}),
    });
  }

  /**
   * A recorder that appends to an existing rollout. Reads only the first line (for the thread
   * id and history mode); the file is not modified until something is written.
   * @throws RolloutNotFoundError when the file does not exist.
   * @throws MissingSessionMetaError when neither the first line nor the file name names the thread.
   */
  static async resume(options: RolloutRecorderResumeOptions): Promise<RolloutRecorder> {
    const given = await existingRolloutForm(options.path);
    refuseReadOnlyGeneration(given);
    // Codex appends only to plain files: a compressed rollout is restored first (docs/compressed-rollouts.md).
    const path = restorePlainRolloutSync(given);
    const fd = openSync(path, "r");
    let first: { id?: unknown; history_mode?: unknown } | undefined;
    try {
      const line = readFirstLineSync(fd);
      const parsed = line ? (JSON.parse(line.toString("utf8")) as { type?: unknown; payload?: unknown }) : undefined;
      if (parsed?.type === "session_meta" && typeof parsed.payload === "object") first = parsed.payload as typeof first;
    } catch {
      // An unreadable first line still leaves the file name to identify the thread.
    } finally {
      closeSync(fd);
    }
    const threadId = typeof first?.id === "string" ? first.id : parseRolloutFileName(path)?.threadId;
    if (threadId === undefined) throw new MissingSessionMetaError(path);
    return new RolloutRecorder({
      path,
      threadId,
      fsync: options.fsync ?? false,
      now: options.now ?? Date.now,
      paginated: first?.history_mode === "paginated",
    });
  }

  /** Absolute path of the rollout (known before the file exists). */
  get path(): string {
    return this.#path;
  }

  /** The thread this recorder writes. */
  get threadId(): string {
    return this.#threadId;
  }

  /** True once the file has been opened for writing (and, in create mode, `session_meta` written). */
  get materialized(): boolean {
    return this.#materialized;
  }

  /** Items recorded but not yet written. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /**
   * Queues items in order. Applies no persistence policy (see `persistedRolloutItems`). Once
   * the file is materialized the items are written at the end of the current tick (items
   * recorded in the same tick go out in one write); a failure is reported by the next `flush()`.
   * @throws RolloutRecorderClosedError after `shutdown()` or `discard()`.
   */
  record(items: readonly RecordableItem[]): void {
    if (this.#closed) throw new RolloutRecorderClosedError(this.#threadId);
    if (items.length === 0) return;
    this.#enqueueItems(items);
    if (this.#materialized && !this.#writeScheduled) {
      this.#writeScheduled = true;
      queueMicrotask(() => this.#backgroundWrite());
    }
  }

  /**
   * Records items and writes them at once: `record(items)` then `flush()` in one step, without
   * scheduling a background write. Materializes a new thread's file. Resolves once the bytes are
   * with the OS (and fsynced in fsync mode).
   * @throws RolloutRecorderClosedError after `shutdown()` or `discard()`.
   * @throws RolloutWriteError when writing fails twice; the items stay queued.
   */
  append(items: readonly RecordableItem[]): Promise<void> {
    if (this.#closed) return Promise.reject(new RolloutRecorderClosedError(this.#threadId));
    if (items.length > 0) this.#enqueueItems(items);
    return this.flush();
  }

  /**
   * {@link append} for items whose payload is JSON text: each is checked (one scan; re-printed
   * only when not in `JSON.stringify`'s spelling) and written as-is, the same bytes the object
   * path writes. Applies no persistence policy. Docs: docs/rollout-format.md, "Appending JSON text".
   * @throws InvalidRawRolloutItemError for a malformed item; then nothing of the batch is queued.
   */
  appendRaw(items: readonly RawRolloutItem[]): Promise<void> {
    if (this.#closed) return Promise.reject(new RolloutRecorderClosedError(this.#threadId));
    let prepared: readonly PreparedRawRolloutItem[];
    try {
      prepared = prepareRawRolloutItems(items);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (prepared.length > 0) this.#enqueueItems(prepared);
    return this.flush();
  }

  /**
   * Materializes the file (folders 0700, file 0600, `session_meta` first) and writes pending
   * items. Idempotent.
   * @throws RolloutWriteError when writing fails twice; the items stay queued.
   */
  persist(): Promise<void> {
    if (this.#closed) return this.#shutdown ?? RESOLVED;
    try {
      this.#writePending();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#durable();
  }

  /**
   * Writes pending items. A no-op while nothing is pending and the file is not materialized;
   * otherwise the same as {@link persist}. Resolves once the bytes are with the OS (and fsynced
   * when the recorder was made with `fsync: true`); a flush with nothing new to write costs
   * nothing, not even an fsync.
   * @throws RolloutWriteError when writing fails twice; the items stay queued.
   */
  flush(): Promise<void> {
    if (this.#closed) return this.#shutdown ?? RESOLVED;
    if (!this.#materialized && this.#pending.length === 0) return RESOLVED;
    return this.persist();
  }

  /**
   * Flushes, then closes the file. After success the recorder refuses new items. When the
   * flush fails the recorder stays usable so the caller can retry.
   * @throws RolloutWriteError as {@link flush}.
   */
  shutdown(): Promise<void> {
    if (this.#closed) return this.#shutdown ?? RESOLVED;
    try {
      if (this.#materialized || this.#pending.length > 0) this.#writePending();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // Closed from here on: an item recorded while the last fsync runs would never be written.
    this.#closed = true;
    const done = this.#durable().then(
      () => this.#closeFd(),
      (err: unknown) => {
        // The bytes are written but not known to be on disk: stay open so a retry fsyncs again.
        this.#closed = false;
        this.#shutdown = undefined;
        throw err;
      },
    );
    this.#shutdown = done;
    return done;
  }

  /** Drops every unwritten item and closes the recorder. A never-materialized thread leaves no file. */
  discard(): void {
    this.#closed = true;
    this.#pending = [];
    this.#closeFd();
  }

  /** `await using` support: same as {@link shutdown}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #enqueueItems(items: readonly (RecordableItem | PreparedRawRolloutItem)[]): void {
    const timestamp = this.#timestamps.format(this.#now());
    for (const item of items) this.#pending.push({ item, timestamp: (item as RecordableItem).timestamp ?? timestamp });
  }

  /** The write scheduled by `record()`; a failure leaves the items queued for the next flush. */
  #backgroundWrite(): void {
    this.#writeScheduled = false;
    if (this.#closed || !this.#materialized || this.#pending.length === 0) return;
    try {
      this.#writeOnce();
    } catch {
      this.#closeFd();
    }
  }

  #writePending(): void {
    try {
      this.#writeOnce();
    } catch {
      // Behaviour: reopen and retry once; nothing leaves the queue until it is written.
      this.#closeFd();
      try {
        this.#writeOnce();
      } catch (err) {
        this.#closeFd();
        throw new RolloutWriteError(this.#path, { cause: err });
      }
    }
  }

  #writeOnce(): void {
    const fd = this.#fd ?? this.#open();
    const batch = this.#encodeBatch();
    if (batch.lines.length === 0) return;
    const text = batch.lines.length === 1 ? batch.lines[0]! : batch.lines.join("");
    // A string goes to write(2) without a Buffer of our own: Node encodes it on the stack.
    const size = Buffer.byteLength(text, "utf8");
    const written = writeSync(fd, text, null, "utf8");
    if (written < size) writeAllSync(fd, Buffer.from(text, "utf8").subarray(written));
    this.#commit(batch.lines.length, batch.withMeta);
    this.#knownSize = (this.#knownSize ?? 0) + size;
    this.#dirty = true;
  }

  /**
   * Resolves when everything written so far is durable as the mode promises: at once without
   * fsync; with fsync, after an fsync that started after the last write. Flushes that find
   * nothing new share the fsync in flight instead of starting another.
   */
  #durable(): Promise<void> {
    if (!this.#fsync) return RESOLVED;
    if (!this.#dirty || this.#fd === undefined) return this.#syncing ?? RESOLVED;
    this.#dirty = false;
    const fd = this.#fd;
    const start = (): Promise<void> => fsyncFd(fd);
    const run = (this.#syncing ?? RESOLVED).then(start, start).catch((err: unknown) => {
      this.#dirty = true;
      throw new RolloutWriteError(this.#path, { cause: err });
    });
    this.#syncing = run;
    const clear = (): void => {
      if (this.#syncing === run) this.#syncing = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  /** Opens the file for appending, after moving a torn tail aside and finding the next ordinal. */
  #open(): number {
    if (this.#meta !== undefined) mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    const flags = this.#meta === undefined ? APPEND_FLAGS : APPEND_FLAGS | constants.O_CREAT;
    let fd: number;
    try {
      fd = openSync(this.#path, flags, 0o600);
    } catch (err) {
      if (this.#meta === undefined && (err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new RolloutNotFoundError(this.#path, { cause: err });
      }
      throw err;
    }
    try {
      const repair = repairTornTailSync(fd, this.#path);
      this.#skipAlreadyWritten(repair.size);
      this.#knownSize = repair.size;
      if (this.#paginatedMeta && this.#metaWritten && (this.#nextOrdinal === undefined || !this.#materialized)) {
        const last = lastOrdinalSync(fd, repair.size);
        if (last !== undefined) this.#nextOrdinal = last + 1;
        else this.#nextOrdinal ??= 0;
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
    this.#materialized = true;
    return fd;
  }

  /**
   * After a reopen, lines of the failed batch that did reach the file are not written again:
   * the file grew by whole lines of our batch, so those leave the queue.
   */
  #skipAlreadyWritten(size: number): void {
    if (this.#knownSize === undefined || size <= this.#knownSize) return;
    let extra = size - this.#knownSize;
    const batch = this.#encodeBatch();
    let count = 0;
    for (const line of batch.lines) {
      const length = Buffer.byteLength(line, "utf8");
      if (length > extra) break;
      extra -= length;
      count++;
    }
    if (extra === 0) this.#commit(count, batch.withMeta);
  }

  #encodeBatch(): Batch {
    const lines: string[] = [];
    let ordinal = this.#nextOrdinal;
    const withMeta = !this.#metaWritten && this.#meta !== undefined;
    if (withMeta) {
      lines.push(encodeRolloutLine(this.#timestamps.format(this.#now()), ordinal, "session_meta", this.#meta, undefined));
      if (ordinal !== undefined) ordinal++;
    }
    for (const { item, timestamp } of this.#pending) {
      lines.push(
        item instanceof PreparedRawRolloutItem
          ? encodeRolloutLineText(timestamp, ordinal, item.type, item.payloadJson)
          : encodeRolloutLine(timestamp, ordinal, item.type, item.payload, item.metadata),
      );
      if (ordinal !== undefined) ordinal++;
    }
    return { lines, withMeta };
  }

  /** The first `count` lines of the last encoded batch are in the file. */
  #commit(count: number, withMeta: boolean): void {
    if (count === 0) return;
    if (withMeta) this.#metaWritten = true;
    const items = withMeta ? count - 1 : count;
    if (items === this.#pending.length) this.#pending = [];
    else this.#pending.splice(0, items);
    if (this.#nextOrdinal !== undefined) this.#nextOrdinal += count;
  }

  /** Closes the fd; while an fsync of it is in flight, once that settles (the number is not reused before). */
  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    const close = (): void => {
      try {
        closeSync(fd);
      } catch {
        // Nothing left to lose: every byte that reached this fd is in the file.
      }
    };
    if (this.#syncing) this.#syncing.then(close, close);
    else close();
  }
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fsync(fd, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * The form of a rollout that exists: the given path, else its other form (a thread's file may
 * have been compressed, or restored, since its path was recorded).
 * @throws RolloutNotFoundError when neither form is a file.
 */
async function existingRolloutForm(path: string): Promise<string> {
  for (const candidate of rolloutPathForms(path)) {
    const st = await stat(candidate).catch(() => undefined);
    if (st?.isFile()) return candidate;
  }
  throw new RolloutNotFoundError(path);
}
