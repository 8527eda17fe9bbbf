import { closeSync, constants, openSync } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { formatRolloutTimestamp, threadIdTimestampMs, type RolloutItem, type SessionMeta } from "@skein/protocol";
import { MissingSessionMetaError, RolloutNotFoundError, RolloutRecorderClosedError, RolloutWriteError } from "./errors.js";
import { lastOrdinalSync, readFirstLineSync, repairTornTailSync } from "./internal/rollout-file.js";
import { activeRolloutPath, parseRolloutFileName } from "./layout.js";

// Behaviour: codex-storage-spec.md §4.3; codex-real-format.md §3.1 (envelope, ordinals).

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
  item: RecordableItem;
  timestamp: string;
}

interface Encoded {
  bytes: Buffer;
  pending?: Pending;
}

const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND;
const noop = (): void => {};

/**
 * The single writer of one thread's rollout: an ordered queue of lines appended to a JSONL file.
 *
 * - Create mode writes nothing until {@link persist}, or a {@link flush} with pending items;
 *   then it creates the folders (0700) and the file (0600) and writes `session_meta` first.
 * - Resume mode appends to an existing file and writes no `session_meta`. Before the first
 *   append a torn tail is moved to `<file>.torn`; a paginated file's `ordinal`s continue from its
 *   last line, so Codex and Skein can take turns appending.
 * - Every operation runs through one queue, so lines land in `record()` order. A failed write is
 *   retried once after reopening the file; unwritten items stay queued and the error surfaces
 *   from `flush()`/`persist()`/`shutdown()`, which can be called again.
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
  #pending: Pending[] = [];
  #handle: FileHandle | undefined;
  #materialized = false;
  #metaWritten: boolean;
  #nextOrdinal: number | undefined;
  #knownSize: number | undefined;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();

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
    const st = await stat(options.path).catch((err: unknown) => {
      throw new RolloutNotFoundError(options.path, { cause: err });
    });
    if (!st.isFile()) throw new RolloutNotFoundError(options.path);
    const fd = openSync(options.path, "r");
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
    const threadId = typeof first?.id === "string" ? first.id : parseRolloutFileName(options.path)?.threadId;
    if (threadId === undefined) throw new MissingSessionMetaError(options.path);
    return new RolloutRecorder({
      path: options.path,
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
   * the file is materialized the items are written in the background; a failure is reported by
   * the next `flush()`.
   * @throws RolloutRecorderClosedError after `shutdown()` or `discard()`.
   */
  record(items: readonly RecordableItem[]): void {
    if (this.#closed) throw new RolloutRecorderClosedError(this.#threadId);
    if (items.length === 0) return;
    const timestamp = formatRolloutTimestamp(this.#now());
    for (const item of items) this.#pending.push({ item, timestamp: item.timestamp ?? timestamp });
    if (this.#materialized) {
      // A failure here leaves the items queued, so the next flush() retries and reports it.
      void this.#enqueue(() => this.#writePending()).catch(noop);
    }
  }

  /**
   * Materializes the file (folders 0700, file 0600, `session_meta` first) and writes pending
   * items. Idempotent.
   * @throws RolloutWriteError when writing fails twice; the items stay queued.
   */
  persist(): Promise<void> {
    return this.#enqueue(() => this.#writePending());
  }

  /**
   * Writes pending items. A no-op while nothing is pending and the file is not materialized;
   * otherwise the same as {@link persist}. Resolves once the bytes are with the OS (and fsynced
   * when the recorder was made with `fsync: true`).
   * @throws RolloutWriteError when writing fails twice; the items stay queued.
   */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#materialized && this.#pending.length === 0) return;
      await this.#writePending();
    });
  }

  /**
   * Flushes, then closes the file. After success the recorder refuses new items. When the
   * flush fails the recorder stays usable so the caller can retry.
   * @throws RolloutWriteError as {@link flush}.
   */
  shutdown(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      if (this.#materialized || this.#pending.length > 0) await this.#writePending();
      this.#closed = true;
      await this.#closeHandle();
    });
  }

  /** Drops every unwritten item and closes the recorder. A never-materialized thread leaves no file. */
  discard(): void {
    this.#closed = true;
    this.#pending = [];
    void this.#enqueue(() => this.#closeHandle()).catch(noop);
  }

  /** `await using` support: same as {@link shutdown}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.then(noop, noop);
    return run;
  }

  async #writePending(): Promise<void> {
    try {
      await this.#writeOnce();
    } catch {
      // Behaviour: reopen and retry once; nothing leaves the queue until it is written.
      await this.#closeHandle().catch(noop);
      try {
        await this.#writeOnce();
      } catch (err) {
        await this.#closeHandle().catch(noop);
        throw new RolloutWriteError(this.#path, { cause: err });
      }
    }
  }

  async #writeOnce(): Promise<void> {
    const handle = this.#handle ?? (await this.#open());
    const batch = this.#encodeBatch();
    if (batch.length > 0) {
      const data = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((e) => e.bytes));
      let off = 0;
      while (off < data.length) off += (await handle.write(data, off, data.length - off)).bytesWritten;
      this.#commit(batch.length, batch);
      this.#knownSize = (this.#knownSize ?? 0) + data.length;
    }
    if (this.#fsync) await handle.sync();
  }

  /** Opens the file for appending, after moving a torn tail aside and finding the next ordinal. */
  async #open(): Promise<FileHandle> {
    if (this.#meta !== undefined) await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    const flags = this.#meta === undefined ? APPEND_FLAGS : APPEND_FLAGS | constants.O_CREAT;
    let handle: FileHandle;
    try {
      handle = await open(this.#path, flags, 0o600);
    } catch (err) {
      if (this.#meta === undefined && (err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new RolloutNotFoundError(this.#path, { cause: err });
      }
      throw err;
    }
    try {
      const repair = repairTornTailSync(handle.fd, this.#path);
      this.#skipAlreadyWritten(repair.size);
      this.#knownSize = repair.size;
      if (this.#paginatedMeta && this.#metaWritten && (this.#nextOrdinal === undefined || !this.#materialized)) {
        const last = lastOrdinalSync(handle.fd, repair.size);
        if (last !== undefined) this.#nextOrdinal = last + 1;
        else this.#nextOrdinal ??= 0;
      }
    } catch (err) {
      await handle.close().catch(noop);
      throw err;
    }
    this.#handle = handle;
    this.#materialized = true;
    return handle;
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
    for (const entry of batch) {
      if (entry.bytes.length > extra) break;
      extra -= entry.bytes.length;
      count++;
    }
    if (extra === 0) this.#commit(count, batch);
  }

  #encodeBatch(): Encoded[] {
    const out: Encoded[] = [];
    let ordinal = this.#nextOrdinal;
    if (!this.#metaWritten && this.#meta) {
      out.push({ bytes: encodeLine(formatRolloutTimestamp(this.#now()), ordinal, "session_meta", this.#meta, undefined) });
      if (ordinal !== undefined) ordinal++;
    }
    for (const pending of this.#pending) {
      const { item } = pending;
      out.push({ bytes: encodeLine(pending.timestamp, ordinal, item.type, item.payload, item.metadata), pending });
      if (ordinal !== undefined) ordinal++;
    }
    return out;
  }

  #commit(count: number, batch: Encoded[]): void {
    let items = 0;
    for (const entry of batch.slice(0, count)) {
      if (entry.pending) items++;
      else this.#metaWritten = true;
    }
    this.#pending.splice(0, items);
    if (this.#nextOrdinal !== undefined) this.#nextOrdinal += count;
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await handle.close();
  }
}

function encodeLine(timestamp: string, ordinal: number | undefined, type: string, payload: unknown, metadata: unknown): Buffer {
  const line: Record<string, unknown> = { timestamp };
  if (ordinal !== undefined) line["ordinal"] = ordinal;
  line["type"] = type;
  line["payload"] = payload;
  if (metadata !== undefined) line["metadata"] = metadata;
  return Buffer.from(`${JSON.stringify(line)}\n`, "utf8");
}

/** Options of {@link appendRolloutItemsToPath}. */
export interface AppendRolloutItemsOptions {
  fsync?: boolean;
  now?: () => number;
}

/**
 * One-shot append to a cold thread's rollout (no live recorder may hold it): same torn-tail
 * and ordinal rules as a resumed {@link RolloutRecorder}.
 * @throws RolloutNotFoundError when the file does not exist.
 * @throws RolloutWriteError when writing fails twice.
 */
export async function appendRolloutItemsToPath(
  path: string,
  items: readonly RecordableItem[],
  options: AppendRolloutItemsOptions = {},
): Promise<void> {
  const recorder = await RolloutRecorder.resume({ path, ...options });
  recorder.record(items);
  await recorder.shutdown();
}
