import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { StateDb } from "@skein/state";
import { InvalidRequestError } from "../errors.js";
import type { ThreadStore } from "../thread-store.js";
import type {
  AppendRawThreadItemsParams,
  AppendThreadItemsParams,
  CreateThreadParams,
  ItemPage,
  ListItemsParams,
  ListThreadsParams,
  ListTurnsParams,
  LoadHistoryParams,
  ReadThreadByRolloutPathParams,
  ReadThreadParams,
  ResumeThreadParams,
  SearchThreadsParams,
  StoredThreadHistory,
  ThreadIdParams,
  ThreadPage,
  ThreadRecord,
  ThreadSearchPage,
  TurnPage,
  UpdateThreadMetadataParams,
} from "../types.js";
import * as archive from "./archive-thread.js";
import { checkHome } from "./check-home.js";
import { SKEIN_STATE_DB_FILE } from "./home-files.js";
import * as copy from "./copy-thread-ops.js";
import { deleteThread } from "./delete-thread.js";
import { catchUp, reindexHome } from "./index-sync.js";
import { ItemIndexCache } from "./item-index-cache.js";
import { listThreads } from "./list-threads.js";
import * as live from "./live-thread-ops.js";
import { LiveWriters } from "./live-writers.js";
import { PatchSidecar } from "./patch-sidecar.js";
import * as read from "./read-thread-ops.js";
import { searchThreads } from "./search-threads.js";
import { StorageCare } from "./storage/index.js";
import type { LocalStoreContext } from "./store-context.js";
import type {
  HomeCheckReport,
  ImportThreadParams,
  LoadRawHistoryParams,
  LocalThreadStoreOptions,
  ReindexOptions,
  ReindexReport,
} from "./types.js";
import { updateThreadMetadata } from "./update-metadata.js";

// Behaviour: docs/thread-store.md, "LocalThreadStore": the index is read first and
// repaired on the way; the files are the truth. The class is the entry point: each operation
// lives in a module of its family and works on the store's LocalStoreContext.

export { SKEIN_STATE_DB_FILE };

/**
 * A {@link ThreadStore} over a Codex-compatible home: per-thread JSONL rollouts (the truth) plus a
 * SQLite index (`skein_state_1.sqlite`, a cache rebuilt from the JSONL whenever needed).
 *
 * Reads and lists come from the index, never from a scan of every file; without SQLite the store
 * answers the same from the files (slower). One live writer per thread across processes
 * (`<home>/.skein/locks/<id>.lock`); a lock left by a dead process is taken over.
 *
 * @example
 * ```ts
 * await using store = await LocalThreadStore.open({ home: "/home/me/.codex" });
 * const page = await store.listThreads({ pageSize: 20 });
 * ```
 */
export class LocalThreadStore implements ThreadStore {
  /** The home (absolute). */
  readonly home: string;
  /** Why the index DB was replaced on open (it was moved aside, never deleted), if it was. */
  readonly recovered: { movedTo: string; reason: string } | undefined;
  /** Why the store runs without an index although SQLite was asked for, if it does. */
  readonly indexUnavailableReason: string | undefined;
  readonly #ctx: LocalStoreContext;
  readonly #dbPath: string;
  #closed = false;

  private constructor(
    options: LocalThreadStoreOptions,
    db: StateDb | undefined,
    extra: { recovered?: { movedTo: string; reason: string } | undefined; unavailable?: string | undefined },
  ) {
    this.home = resolve(options.home);
    this.#dbPath = options.stateDbPath ?? join(this.home, SKEIN_STATE_DB_FILE);
    this.#ctx = {
      home: this.home,
      db,
      defaultProvider: options.defaultModelProvider ?? "openai",
      fsync: options.fsync ?? false,
      codexSync: options.codexSync ?? true,
      onCodexSync: options.onCodexSync,
      now: options.now ?? Date.now,
      writers: new LiveWriters(),
      rowPathSynced: new WeakSet(),
      sidecar: new PatchSidecar(this.home),
      itemIndexes: new ItemIndexCache(this.home),
      fileRowCache: new Map(),
    };
    this.recovered = extra.recovered;
    this.indexUnavailableReason = extra.unavailable;
  }

  /**
   * Opens the store: opens (or recovers) the index, then catches up with the files
   * (see {@link LocalThreadStoreOptions.catchUp}). Never fails because of the index: a corrupt DB
   * is moved aside and rebuilt from the JSONL; without SQLite the store runs on files only.
   */
  static async open(options: LocalThreadStoreOptions): Promise<LocalThreadStore> {
    const home = resolve(options.home);
    await mkdir(home, { recursive: true, mode: 0o700 });
    if (options.index === "none") return new LocalThreadStore(options, undefined, {});
    const dbPath = options.stateDbPath ?? join(home, SKEIN_STATE_DB_FILE);
    let opened: { db: StateDb; recovered?: { movedTo: string; reason: string } | undefined };
    try {
      opened = StateDb.openOrRecover({
        path: dbPath,
        ...(options.journalMode ? { journalMode: options.journalMode } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    } catch (error) {
      // SQLite unusable (native module missing, read-only dir, ...): keep working from files.
      const reason = error instanceof Error ? error.message : String(error);
      return new LocalThreadStore(options, undefined, { unavailable: reason });
    }
    const store = new LocalThreadStore(options, opened.db, { recovered: opened.recovered });
    const mode = opened.recovered ? "full" : (options.catchUp ?? "quick");
    if (mode !== "none") await catchUp(store.#syncContext(), mode);
    return store;
  }

  /** Which backend answers reads: `sqlite`, or `none` (files only). */
  get indexMode(): "sqlite" | "none" {
    return this.#ctx.db ? "sqlite" : "none";
  }

  /** The index DB file (even in files-only mode, where it is not used). */
  get stateDbPath(): string {
    return this.#dbPath;
  }

  /**
   * Reconciles the index with the files: only files whose size or mtime changed are re-extracted,
   * rows of vanished files are removed, one bad file is reported and never fails the run.
   * Guarded by a state lease so two processes don't backfill at once. Without an index it only
   * scans and reports.
   */
  async reindex(options: ReindexOptions = {}): Promise<ReindexReport> {
    this.#assertOpen();
    return reindexHome(this.#syncContext(), options);
  }

  /** Checks index vs file parity, torn tails, unreadable lines, writer locks and DB health. Read-only. */
  async checkHome(): Promise<HomeCheckReport> {
    this.#assertOpen();
    return checkHome({
      home: this.home,
      db: this.#ctx.db,
      dbPath: this.#dbPath,
      indexUnavailableReason: this.indexUnavailableReason,
      ownTokens: new Set(this.#ctx.writers.all().map((w) => w.lock.holder.token)),
    });
  }

  /** Storage care: disk usage, compression, trash and prune (local/storage/, docs/storage-care.md). */
  storage(): StorageCare {
    this.#assertOpen();
    return new StorageCare(this.#ctx);
  }

  #syncContext() {
    return { home: this.home, db: this.#ctx.db, defaultModelProvider: this.#ctx.defaultProvider, now: this.#ctx.now };
  }

  // ---- live writers (live-thread-ops.ts) ----------------------------------------------------

  async createThread(params: CreateThreadParams): Promise<void> {
    this.#assertOpen();
    return live.createThread(this.#ctx, params);
  }

  async resumeThread(params: ResumeThreadParams): Promise<void> {
    this.#assertOpen();
    return live.resumeThread(this.#ctx, params);
  }

  async appendItems(params: AppendThreadItemsParams): Promise<void> {
    this.#assertOpen();
    return live.appendItems(this.#ctx, params);
  }

  async appendRawItems(params: AppendRawThreadItemsParams): Promise<void> {
    this.#assertOpen();
    return live.appendRawItems(this.#ctx, params);
  }

  async persistThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return live.persistThread(this.#ctx, params);
  }

  async flushThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return live.flushThread(this.#ctx, params);
  }

  async shutdownThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return live.shutdownThread(this.#ctx, params);
  }

  async discardThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return live.discardThread(this.#ctx, params);
  }

  // ---- reads (read-thread-ops.ts, list-threads.ts, search-threads.ts) -----------------------

  async readThread(params: ReadThreadParams): Promise<ThreadRecord> {
    this.#assertOpen();
    return read.readThread(this.#ctx, params);
  }

  async readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    this.#assertOpen();
    return read.readThreadByRolloutPath(this.#ctx, params);
  }

  async loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory> {
    this.#assertOpen();
    return read.loadHistory(this.#ctx, params);
  }

  async listTurns(params: ListTurnsParams): Promise<TurnPage> {
    this.#assertOpen();
    return read.listTurns(this.#ctx, params);
  }

  async listItems(params: ListItemsParams): Promise<ItemPage> {
    this.#assertOpen();
    return read.listItems(this.#ctx, params);
  }

  async listThreads(params: ListThreadsParams): Promise<ThreadPage> {
    this.#assertOpen();
    return listThreads(this.#ctx, params);
  }

  async searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage> {
    this.#assertOpen();
    return searchThreads(this.#ctx, params);
  }

  // ---- metadata, archive, delete (update-metadata.ts, archive-thread.ts, delete-thread.ts) ---

  async updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    this.#assertOpen();
    return updateThreadMetadata(this.#ctx, params);
  }

  async archiveThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return archive.archiveThread(this.#ctx, params);
  }

  async unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord> {
    this.#assertOpen();
    return archive.unarchiveThread(this.#ctx, params);
  }

  async deleteThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    return deleteThread(this.#ctx, params);
  }

  // ---- whole-thread copy (copy-thread-ops.ts; used by copyThreads of @skein/thread-store-postgres)

  /**
   * The thread's full history as its exact stored lines, lineage prefix first: line `i` is the
   * text of `loadHistory(...).items[i]` (unparsable lines are skipped by both).
   *
   * @throws ThreadNotFoundError for an unknown id; InvalidRequestError for an archived thread
   *   without `includeArchived`.
   */
  async loadRawHistory(params: LoadRawHistoryParams): Promise<string[]> {
    this.#assertOpen();
    return copy.loadRawHistory(this.#ctx, params);
  }

  /**
   * Stores a whole thread as given: its own lines, byte for byte (`raw` when given), in a new
   * rollout under `sessions/YYYY/MM/DD/` (or `archived_sessions/` when `thread.archived`), named
   * like the source's file; its name in `session_index.jsonl`; its summary in the index. The
   * file's mtime is `thread.updatedAt`. A fork's inherited prefix (the lines before its own
   * `session_meta`) is not written: its parent must already be here with the same prefix.
   * The file appears atomically, and nothing existing is ever overwritten.
   *
   * @throws ConflictError when the thread (or its file) already exists, or has a live writer.
   * @throws InvalidRequestError for a bad id, a history without the thread's own `session_meta`,
   *   or a fork whose parent prefix is not in this home.
   */
  async importThread(params: ImportThreadParams): Promise<void> {
    this.#assertOpen();
    return copy.importThread(this.#ctx, params);
  }

  /**
   * Every thread with a rollout file here, active and archived, listable or not (a list hides
   * threads with an empty preview). Oldest file name first, so a fork's parent comes before it.
   */
  async listThreadIds(): Promise<ThreadId[]> {
    this.#assertOpen();
    return copy.listThreadIds(this.#ctx);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Flushes and releases every live writer and closes the index. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const writer of this.#ctx.writers.all()) {
      try {
        await writer.recorder.shutdown();
      } catch {
        // Unwritten items cannot be saved now; the lock is released either way.
      }
      this.#ctx.writers.remove(writer.threadId);
    }
    await this.#ctx.itemIndexes.close();
    this.#ctx.db?.close();
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidRequestError("the store is closed");
  }
}
