import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat, utimes } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { hasObservedFacts, type SessionMeta, type ThreadId, type ThreadMetadataPatch } from "@skein/protocol";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  RolloutRecorder,
  SESSIONS_SUBDIR,
  appendRolloutItemsToPath,
  appendSessionName,
  archivedPathFor,
  extractThreadMetadata,
  findRolloutPath,
  isArchivedPath,
  loadThreadHistory,
  parseRolloutFileName,
  isPersistedRolloutItem,
  persistedRolloutItems,
  readRollout,
  readSessionNames,
  removeSessionNameEntries,
  scanRolloutFiles,
  unarchivedPathFor,
} from "@skein/rollout";
import { InvalidCursorError, StateDb, ftsQueryOf, type ThreadRow } from "@skein/state";
import { ConflictError, InvalidRequestError, ThreadNotFoundError, isThreadStoreError } from "../errors.js";
import {
  archivedThreadDetail,
  assertRolloutItems,
  createSessionMetaItem,
  normalizeHistoryPageParams,
  normalizeListThreadsParams,
  normalizeSearchParams,
  pageItems,
  pageThreads,
  pageTurns,
  parseMetadataPatch,
  parseThreadId,
  requireCwd,
  searchSnippet,
  encodeCursor,
  decodeCursor,
  matchesListQuery,
  type NormalizedListThreadsQuery,
} from "../history/index.js";
import type { ThreadStore } from "../thread-store.js";
import type {
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
  ThreadSearchHit,
  ThreadSearchPage,
  TurnPage,
  UpdateThreadMetadataParams,
} from "../types.js";
import { checkHome } from "./check-home.js";
import { importedRow, planImport, writeNewRollout } from "./import-thread.js";
import { readRawHistory } from "./raw-history.js";
import { RolloutPathGuard, assertInsideHome, findUsableRollout, outsideHomeDetail, resolveRolloutPathParam, type UsableRollout } from "./home-paths.js";
import { adoptEmptyRollout } from "./empty-rollout.js";
import { catchUp, reindexHome, recordFile } from "./index-sync.js";
import { LiveWriters, internal, type LiveWriter } from "./live-writers.js";
import { PatchSidecar } from "./patch-sidecar.js";
import { IndexedHistory } from "./indexed-history.js";
import { pageIndexedItems, pageIndexedTurns } from "./indexed-history-pages.js";
import { ItemIndexCache } from "./item-index-cache.js";
import { applyPatchToRow, rowFromExtracted, storedThreadFromRow, type ExtractedMetadata } from "./thread-row-mapping.js";
import type {
  HomeCheckReport,
  ImportThreadParams,
  LoadRawHistoryParams,
  LocalThreadStoreOptions,
  ReindexOptions,
  ReindexReport,
} from "./types.js";
import { WriterLock, inspectWriterLock, writerLockPath, describeHolder } from "./writer-lock.js";

// Behaviour: codex-storage-spec.md §3.2 (LocalThreadStore), adapted: the index is read first and
// repaired on the way; the files are the truth.

/** Where a thread's rollout is, as resolved by `#locate`. */
interface Located {
  path: string;
  archived: boolean;
}

/** The default index DB file name inside the home (Codex's `state_5.sqlite` is never touched). */
export const SKEIN_STATE_DB_FILE = "skein_state_1.sqlite";

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
  readonly #db: StateDb | undefined;
  readonly #dbPath: string;
  readonly #defaultProvider: string;
  readonly #fsync: boolean;
  readonly #now: () => number;
  readonly #writers = new LiveWriters();
  /** Live writers whose index row already points at their file (see `#syncRowPath`). */
  readonly #rowPathSynced = new WeakSet<LiveWriter>();
  readonly #sidecar: PatchSidecar;
  readonly #itemIndexes: ItemIndexCache;
  readonly #fileRowCache = new Map<string, { size: number; mtimeMs: number; row: ThreadRow }>();
  #closed = false;

  private constructor(
    options: LocalThreadStoreOptions,
    db: StateDb | undefined,
    extra: { recovered?: { movedTo: string; reason: string } | undefined; unavailable?: string | undefined },
  ) {
    this.home = resolve(options.home);
    this.#db = db;
    this.#dbPath = options.stateDbPath ?? join(this.home, SKEIN_STATE_DB_FILE);
    this.#defaultProvider = options.defaultModelProvider ?? "openai";
    this.#fsync = options.fsync ?? false;
    this.#now = options.now ?? Date.now;
    this.#sidecar = new PatchSidecar(this.home);
    this.#itemIndexes = new ItemIndexCache(this.home);
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
    if (mode !== "none") await store.#catchUp(mode);
    return store;
  }

  /** Which backend answers reads: `sqlite`, or `none` (files only). */
  get indexMode(): "sqlite" | "none" {
    return this.#db ? "sqlite" : "none";
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
      db: this.#db,
      dbPath: this.#dbPath,
      indexUnavailableReason: this.indexUnavailableReason,
      ownTokens: new Set(this.#writers.all().map((w) => w.lock.holder.token)),
    });
  }

  async #catchUp(mode: "quick" | "full"): Promise<void> {
    await catchUp(this.#syncContext(), mode);
  }

  #syncContext() {
    return { home: this.home, db: this.#db, defaultModelProvider: this.#defaultProvider, now: this.#now };
  }

  // ---- live writers -------------------------------------------------------------------------

  async createThread(params: CreateThreadParams): Promise<void> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const cwd = requireCwd(params.metadata);
    this.#writers.assertFree(threadId);
    const now = this.#now();
    const lock = await WriterLock.acquire(this.home, threadId, now);
    try {
      if (await this.#existsDurably(threadId)) throw new ConflictError(`thread ${threadId} already exists`);
      const { id: _id, timestamp: _ts, ...sessionMeta } = createSessionMetaItem(params, cwd, now).payload as SessionMeta;
      // A 0-byte rollout left by a kill is written into, not left to shadow a second file.
      const adoptedAtMs = await adoptEmptyRollout(this.home, threadId);
      let recorder: RolloutRecorder;
      try {
        recorder = RolloutRecorder.create({
          home: this.home,
          threadId,
          createdAtMs: adoptedAtMs ?? now,
          sessionMeta,
          fsync: this.#fsync,
          now: this.#now,
        });
      } catch (error) {
        throw internal("failed to initialize local thread recorder", error);
      }
      this.#writers.add({ threadId, recorder, lock });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async resumeThread(params: ResumeThreadParams): Promise<void> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    requireCwd(params.metadata);
    this.#writers.assertFree(threadId);
    const lock = await WriterLock.acquire(this.home, threadId, this.#now());
    try {
      let path: string;
      if (params.rolloutPath !== undefined) {
        path = await resolveRolloutPathParam(this.home, params.rolloutPath, threadId);
      } else {
        const found = await this.#locate(threadId, params.includeArchived ?? false);
        if (!found) throw new ThreadNotFoundError(threadId);
        path = found.path;
      }
      let recorder: RolloutRecorder;
      try {
        recorder = await RolloutRecorder.resume({ path, fsync: this.#fsync, now: this.#now });
      } catch (error) {
        throw internal("failed to initialize local thread recorder", error);
      }
      this.#writers.add({ threadId, recorder, lock });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async appendItems(params: AppendThreadItemsParams): Promise<void> {
    this.#assertOpen();
    // The id of a live writer was validated when the writer was added: the id check runs on a miss only.
    const known = this.#writers.get(params?.threadId);
    const threadId = known?.threadId ?? parseThreadId(params?.threadId);
    assertRolloutItems(params.items);
    const writer = known ?? this.#writers.require(threadId);
    const items = params.items.every(isPersistedRolloutItem) ? params.items : persistedRolloutItems(params.items);
    if (items.length === 0) return;
    // Written before this resolves (one write(2), no background queue): a LiveThread applies its
    // metadata patch right after, so the index can never get ahead of the JSONL.
    try {
      await writer.recorder.append(items);
    } catch (error) {
      throw internal(`failed to append to thread ${threadId}`, error);
    }
  }

  async persistThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const writer = this.#writers.require(parseThreadId(params?.threadId));
    try {
      await writer.recorder.persist();
    } catch (error) {
      throw internal(`failed to persist thread ${writer.threadId}`, error);
    }
    this.#syncRowPath(writer);
  }

  async flushThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const writer = this.#writers.require(parseThreadId(params?.threadId));
    try {
      await writer.recorder.flush();
    } catch (error) {
      throw internal(`failed to flush thread ${writer.threadId}`, error);
    }
    if (writer.recorder.materialized) this.#syncRowPath(writer);
  }

  async shutdownThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const writer = this.#writers.require(parseThreadId(params?.threadId));
    try {
      await writer.recorder.shutdown();
    } catch (error) {
      // The writer stays registered so the caller can retry the shutdown.
      throw internal(`failed to shut down thread ${writer.threadId}`, error);
    }
    if (writer.recorder.materialized) this.#syncRowPath(writer);
    this.#writers.remove(writer.threadId);
  }

  async discardThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const writer = this.#writers.require(parseThreadId(params?.threadId));
    writer.recorder.discard();
    this.#writers.remove(writer.threadId);
  }

  /**
   * A materialized live thread whose index row points elsewhere gets its path fixed (Codex
   * `sync_materialized_rollout_path`). Once the row points at the writer's file it is not read
   * again for that writer: a LiveThread flushes before every metadata patch.
   */
  #syncRowPath(writer: LiveWriter): void {
    if (this.#rowPathSynced.has(writer)) return;
    const path = writer.recorder.path;
    const row = this.#db?.getThread(writer.threadId);
    if (!row) return;
    if (row.rolloutPath !== path) {
      if (!existsSync(path)) return;
      this.#db!.upsertThread({ ...row, rolloutPath: path, archived: isArchivedPath(this.home, path) });
    }
    this.#rowPathSynced.add(writer);
  }

  // ---- resolution ---------------------------------------------------------------------------

  /** True when the thread has a rollout with content (a 0-byte file is a thread never written). */
  async #existsDurably(threadId: ThreadId): Promise<boolean> {
    const row = this.#db?.getThread(threadId);
    if (row && new RolloutPathGuard(this.home).usable(row.rolloutPath)) return true;
    return (await findUsableRollout(this.home, threadId)) !== undefined;
  }

  /**
   * Finds a thread's rollout: the live writer's file, then the index row (when its file still
   * exists and is named for the thread), then a search of the folders, repairing the row on the
   * way. An archived result with `includeArchived` false → `InvalidRequestError("thread <id> is archived")`.
   */
  async #locate(threadId: ThreadId, includeArchived: boolean): Promise<Located | undefined> {
    const found = await this.#locateAny(threadId);
    if (found && "refused" in found) throw new InvalidRequestError(outsideHomeDetail(found.refused, this.home));
    if (found?.archived && !includeArchived) throw new InvalidRequestError(archivedThreadDetail(threadId));
    return found;
  }

  async #locateAny(threadId: ThreadId): Promise<Located | Extract<UsableRollout, { refused: string }> | undefined> {
    const writer = this.#writers.get(threadId);
    if (writer?.recorder.materialized && existsSync(writer.recorder.path)) {
      return { path: writer.recorder.path, archived: isArchivedPath(this.home, writer.recorder.path) };
    }
    const row = this.#db?.getThread(threadId);
    if (row && parseRolloutFileName(row.rolloutPath)?.threadId === threadId.toLowerCase() && new RolloutPathGuard(this.home).usable(row.rolloutPath)) {
      return { path: row.rolloutPath, archived: isArchivedPath(this.home, row.rolloutPath) };
    }
    // Files that are empty (never written) or lead outside the home count as no file.
    let hit = await findUsableRollout(this.home, threadId);
    // A file that another process moves between folders can slip past one scan (active, then archived).
    if (!hit && row) hit = await findUsableRollout(this.home, threadId);
    const found = hit && !("refused" in hit) ? hit : undefined;
    if (this.#db) {
      if (found) await this.#indexFile(threadId, found.path, found.archived);
      // The file vanished: drop the stale row, unless another process has moved the thread meanwhile.
      else if (row && this.#db.getThread(threadId)?.rolloutPath === row.rolloutPath) this.#db.deleteThread(threadId);
    }
    return hit;
  }

  /** Extracts a file into the index (insert or refresh), keeping an existing row's name. */
  async #indexFile(threadId: ThreadId, path: string, archived: boolean): Promise<ThreadRow | undefined> {
    const db = this.#db;
    if (!db) return undefined;
    const existing = db.getThread(threadId);
    let extracted: ExtractedMetadata;
    try {
      extracted = await this.#extract(path);
    } catch (error) {
      // Moved before it could be read (another process archiving or unarchiving it): the mover
      // updates the row; a reader must not fail because of it.
      if (!existsSync(path)) return db.getThread(threadId);
      throw error;
    }
    const name = existing ? undefined : (await readSessionNames(this.home)).get(threadId);
    // Moved while it was read: the mover updates the row, and a row for the old place written
    // now would undo that.
    if (!existsSync(path)) return db.getThread(threadId);
    const row = rowFromExtracted(extracted, { archived, name, defaultModelProvider: this.#defaultProvider });
    db.upsertThread(row);
    await recordFile(db, path, threadId, this.#now());
    return db.getThread(threadId);
  }

  async #extract(path: string): Promise<ExtractedMetadata> {
    try {
      return (await extractThreadMetadata(path, { defaultProvider: this.#defaultProvider })) as ExtractedMetadata;
    } catch (error) {
      throw internal(`failed to read rollout ${path}`, error);
    }
  }

  /** The thread's summary row: from the index (created from the file when missing) or from the file. */
  async #rowFor(threadId: ThreadId, loc: Located): Promise<ThreadRow> {
    if (this.#db) {
      const row = this.#db.getThread(threadId);
      if (row && row.rolloutPath === loc.path && row.archived === loc.archived) return row;
      const indexed = await this.#indexFile(threadId, loc.path, loc.archived);
      if (indexed) return indexed;
    }
    return this.#fileRow(threadId, loc);
  }

  /** Files-only summary: extracted from the file (cached by size+mtime), named from the session index, patched from the sidecar. */
  async #fileRow(threadId: ThreadId, loc: Located, names?: Map<string, string>): Promise<ThreadRow> {
    const st = await stat(loc.path);
    const cached = this.#fileRowCache.get(loc.path);
    let row: ThreadRow;
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
      row = cached.row;
    } else {
      row = rowFromExtracted(await this.#extract(loc.path), { archived: loc.archived, defaultModelProvider: this.#defaultProvider });
      this.#fileRowCache.set(loc.path, { size: st.size, mtimeMs: st.mtimeMs, row });
    }
    const name = (names ?? (await readSessionNames(this.home))).get(threadId);
    const patched = applyPatchToRow({ ...row, ...(name ? { name } : {}) }, await this.#sidecar.read(threadId));
    if (!name) delete (patched as { name?: string }).name;
    return patched;
  }

  // ---- reads --------------------------------------------------------------------------------

  async readThread(params: ReadThreadParams): Promise<ThreadRecord> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const loc = await this.#locate(threadId, params.includeArchived ?? false);
    if (!loc) throw new ThreadNotFoundError(threadId);
    return this.#record(threadId, loc, params.includeHistory ?? false);
  }

  async #record(threadId: ThreadId, loc: Located, includeHistory: boolean): Promise<ThreadRecord> {
    const thread: ThreadRecord = storedThreadFromRow(await this.#rowFor(threadId, loc));
    if (includeHistory) thread.history = await this.#history(loc.path);
    return thread;
  }

  async #history(path: string) {
    try {
      return (await loadThreadHistory({ home: this.home, path })).lines;
    } catch (error) {
      throw internal(`failed to load history from ${path}`, error);
    }
  }

  async readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    this.#assertOpen();
    const path = await resolveRolloutPathParam(this.home, params?.rolloutPath);
    let meta: SessionMeta | undefined;
    try {
      meta = (await readRollout(path, { end: undefined })).meta;
    } catch (error) {
      throw new InvalidRequestError(`rollout ${params.rolloutPath} is not readable`, { cause: error });
    }
    if (!meta) throw new InvalidRequestError(`rollout ${params.rolloutPath} does not start with session metadata`);
    const archived = isArchivedPath(this.home, path);
    if (archived && !params.includeArchived) throw new InvalidRequestError(archivedThreadDetail(meta.id));
    return this.#record(meta.id, { path, archived }, params.includeHistory ?? false);
  }

  async loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const loc = await this.#locate(threadId, params.includeArchived ?? false);
    if (!loc) throw new ThreadNotFoundError(threadId);
    return { threadId, items: await this.#history(loc.path) };
  }

  async listTurns(params: ListTurnsParams): Promise<TurnPage> {
    this.#assertOpen();
    const query = normalizeHistoryPageParams(params);
    const path = await this.#pathOf(query.threadId, query.includeArchived);
    const indexed = await this.#indexedHistory(path);
    return indexed ? pageIndexedTurns(indexed, query) : pageTurns(await this.#history(path), query);
  }

  async listItems(params: ListItemsParams): Promise<ItemPage> {
    this.#assertOpen();
    const query = normalizeHistoryPageParams(params);
    const path = await this.#pathOf(query.threadId, query.includeArchived);
    const indexed = await this.#indexedHistory(path);
    return indexed ? pageIndexedItems(indexed, query) : pageItems(await this.#history(path), query);
  }

  async #pathOf(threadId: ThreadId, includeArchived: boolean): Promise<string> {
    const loc = await this.#locate(threadId, includeArchived);
    if (!loc) throw new ThreadNotFoundError(threadId);
    return loc.path;
  }

  /** The history served from item indexes (pages read from byte offsets), or undefined to read it whole. */
  async #indexedHistory(path: string): Promise<IndexedHistory | undefined> {
    try {
      return await IndexedHistory.open(this.home, path, this.#itemIndexes);
    } catch (error) {
      throw internal(`failed to load history from ${path}`, error);
    }
  }

  // ---- lists --------------------------------------------------------------------------------

  async listThreads(params: ListThreadsParams): Promise<ThreadPage> {
    this.#assertOpen();
    const query = normalizeListThreadsParams(params);
    if (query.cwdFilters && query.cwdFilters.length === 0) return { items: [] };
    if (!this.#db) return pageThreads(await this.#allFileThreads(query.archived), query);
    for (let attempt = 0; ; attempt++) {
      const page = this.#dbList(query);
      const guard = new RolloutPathGuard(this.home);
      const vanished = page.items.filter((row) => !guard.usable(row.rolloutPath));
      if (vanished.length === 0 || attempt >= 3) {
        const items = page.items.filter((row) => !vanished.includes(row)).map(storedThreadFromRow);
        return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
      }
      // Rows whose file vanished are repaired (moved → new path; gone → row dropped), then the page is re-read.
      for (const row of vanished) await this.#locateAny(row.threadId);
    }
  }

  #dbList(query: NormalizedListThreadsQuery): { items: ThreadRow[]; nextCursor?: string | undefined } {
    try {
      return this.#db!.listThreads({
        pageSize: query.pageSize,
        sortKey: query.sortKey,
        sortDirection: query.sortDirection,
        archived: query.archived,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        ...(query.sources ? { sources: query.sources } : {}),
        ...(query.modelProviders ? { modelProviders: query.modelProviders } : {}),
        ...(query.cwdFilters ? { cwdFilters: query.cwdFilters } : {}),
        ...(query.searchTerm !== undefined ? { searchTerm: query.searchTerm } : {}),
        ...(query.parentThreadId !== undefined ? { parentThreadId: query.parentThreadId } : {}),
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new InvalidRequestError(error.message, { cause: error });
      throw internal("failed to list threads", error);
    }
  }

  /** Every thread of one collection, summarized from the files (files-only mode). */
  async #allFileThreads(archived: boolean) {
    const names = await readSessionNames(this.home);
    const out = [];
    for (const file of await scanRolloutFiles(this.home, { archived })) {
      if (file.size === 0) continue; // a thread never written: not a thread yet
      try {
        out.push(storedThreadFromRow(await this.#fileRow(file.threadId, { path: file.path, archived }, names)));
      } catch {
        // An unreadable file is reported by checkHome; one bad file never fails a list.
      }
    }
    return out;
  }

  async searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage> {
    this.#assertOpen();
    const query = normalizeSearchParams(params);
    if (this.#db && ftsQueryOf(query.searchTerm) === undefined) {
      // A term with no word characters (e.g. `%`) has nothing for FTS to match: substring scan of the index.
      const page = this.#dbList({
        pageSize: query.pageSize, cursor: query.cursor, sortKey: "recency", sortDirection: "desc", sources: query.sources,
        modelProviders: undefined, cwdFilters: undefined, archived: query.archived, searchTerm: query.searchTerm, parentThreadId: undefined,
      });
      const guard = new RolloutPathGuard(this.home);
      const items = page.items.flatMap((row) => {
        const snippet = [row.name, row.title, row.preview, row.firstUserMessage]
          .map((t) => (t ? searchSnippet(t, query.searchTerm) : undefined))
          .find((x) => x !== undefined);
        return snippet !== undefined && guard.usable(row.rolloutPath) ? [{ thread: storedThreadFromRow(row), snippet }] : [];
      });
      return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
    }
    if (this.#db) {
      let page;
      try {
        page = this.#db.searchThreads({
          term: query.searchTerm,
          pageSize: query.pageSize,
          archived: query.archived,
          ...(query.sources ? { sources: query.sources } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        });
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new InvalidRequestError(error.message, { cause: error });
        throw internal("failed to search threads", error);
      }
      const guard = new RolloutPathGuard(this.home);
      const items: ThreadSearchHit[] = page.items
        .filter((hit) => guard.usable(hit.row.rolloutPath) && containsTerm(hit.row, query.searchTerm))
        .map((hit) => ({ thread: storedThreadFromRow(hit.row), snippet: hit.snippet }));
      return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
    }
    return this.#fileSearch(query);
  }

  async #fileSearch(query: ReturnType<typeof normalizeSearchParams>): Promise<ThreadSearchPage> {
    const scope = { operation: "searchThreads" as const, query: { term: query.searchTerm, archived: query.archived, sources: query.sources } };
    const after = query.cursor === undefined ? undefined : (decodeCursor(query.cursor, scope) as { v: number; id: string });
    const listQuery: NormalizedListThreadsQuery = {
      pageSize: 1000, cursor: undefined, sortKey: "recency", sortDirection: "desc", sources: query.sources,
      modelProviders: undefined, cwdFilters: undefined, archived: query.archived, searchTerm: undefined, parentThreadId: undefined,
    };
    const hits: ThreadSearchHit[] = [];
    const threads = (await this.#allFileThreads(query.archived))
      .filter((t) => matchesListQuery(t, listQuery))
      .sort((a, b) => b.recencyAt - a.recencyAt || (a.threadId < b.threadId ? 1 : -1));
    for (const thread of threads) {
      if (after && (thread.recencyAt > after.v || (thread.recencyAt === after.v && thread.threadId >= after.id))) continue;
      const snippet = [thread.name, thread.title, thread.preview, thread.firstUserMessage]
        .map((text) => (text ? searchSnippet(text, query.searchTerm) : undefined))
        .find((s) => s !== undefined);
      if (snippet !== undefined) hits.push({ thread, snippet });
    }
    const items = hits.slice(0, query.pageSize);
    const last = items.at(-1);
    if (hits.length <= items.length || !last) return { items };
    return { items, nextCursor: encodeCursor(scope, { v: last.thread.recencyAt, id: last.thread.threadId }) };
  }

  // ---- metadata -----------------------------------------------------------------------------

  async updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const { rolloutPath: _ignored, ...patch } = parseMetadataPatch(params.patch);
    const writer = this.#writers.get(threadId);
    // A live thread with queued history is written first: the row never points at a missing file.
    // One with nothing queued does not exist yet, and a patch never invents a thread.
    if (writer && !writer.recorder.materialized && writer.recorder.pendingCount > 0) {
      try {
        await writer.recorder.persist();
      } catch (error) {
        throw internal(`failed to persist thread ${threadId}`, error);
      }
    }
    const loc = await this.#locate(threadId, params.includeArchived ?? false);
    if (!loc) throw new ThreadNotFoundError(threadId);
    if (Object.values(patch).every((v) => v === undefined)) return this.#record(threadId, loc, false);

    // JSONL first, index second: the row never gets ahead of the history.
    const current = await this.#rowFor(threadId, loc);
    // Recency only moves forward: an older value is a no-op, not a +1 ms bump.
    if (patch.advanceRecencyAt !== undefined && patch.advanceRecencyAt <= current.recencyAt) delete patch.advanceRecencyAt;
    if (Object.values(patch).every((v) => v === undefined)) return this.#record(threadId, loc, false);
    await this.#appendMetaCopies(threadId, loc.path, patch, current);
    if (patch.name !== undefined) {
      await appendSessionName(this.home, { threadId, name: patch.name ?? "" });
    }
    if (this.#db) {
      let updated: ThreadRow | undefined;
      try {
        updated = this.#db.applyMetadataPatch(threadId, patch);
      } catch (error) {
        if (isThreadStoreError(error)) throw error;
        throw internal(`failed to update thread ${threadId}`, error);
      }
      if (!updated) throw new ThreadNotFoundError(threadId);
      await recordFile(this.#db, loc.path, threadId, this.#now());
      return storedThreadFromRow(updated);
    }
    const { name: _name, ...rest } = patch;
    await this.#sidecar.merge(threadId, rest);
    return this.#record(threadId, loc, false);
  }

  /**
   * Codex compat: `memoryMode` / `gitInfo` patches that carry no observed facts append a copy of
   * the head `session_meta` (memory mode set; `git` merged, `{}` = cleared), so replay without an
   * index sees them. Live threads go through their recorder to keep the write order.
   */
  async #appendMetaCopies(threadId: ThreadId, path: string, patch: ThreadMetadataPatch, current: ThreadRow): Promise<void> {
    const observed = hasObservedFacts(patch);
    if (observed || (patch.memoryMode === undefined && patch.gitInfo === undefined)) return;
    let head: SessionMeta | undefined;
    try {
      head = (await readRollout(path)).meta;
    } catch (error) {
      throw internal(`failed to read session metadata of ${path}`, error);
    }
    if (!head || head.id.toLowerCase() !== threadId.toLowerCase()) {
      throw new InvalidRequestError(`rollout session metadata id mismatch for thread ${threadId}`);
    }
    const { git: _git, ...base } = head;
    const copy: Record<string, unknown> = { ...base, memory_mode: patch.memoryMode ?? current.memoryMode };
    if (patch.gitInfo !== undefined) {
      const merged = applyPatchToRow(current, { gitInfo: patch.gitInfo }).gitInfo ?? {};
      copy["git"] = {
        ...(merged.sha !== undefined ? { commit_hash: merged.sha } : {}),
        ...(merged.branch !== undefined ? { branch: merged.branch } : {}),
        ...(merged.originUrl !== undefined ? { repository_url: merged.originUrl } : {}),
      };
    }
    const item = { type: "session_meta" as const, payload: copy as SessionMeta };
    const writer = this.#writers.get(threadId);
    try {
      if (writer) {
        await writer.recorder.append([item]);
      } else {
        await appendRolloutItemsToPath(path, [item], { fsync: this.#fsync, now: this.#now });
      }
    } catch (error) {
      throw internal(`failed to append session metadata to ${path}`, error);
    }
  }

  // ---- archive / unarchive / delete ----------------------------------------------------------

  async archiveThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const loc = await this.#locate(threadId, true);
    if (!loc) throw new ThreadNotFoundError(threadId);
    if (loc.archived) return;
    this.#assertNoForeignWriter(threadId);
    await this.#writers.get(threadId)?.recorder.flush().catch(() => undefined);
    const src = await assertInsideHome(join(this.home, SESSIONS_SUBDIR), loc.path);
    const dest = archivedPathFor(this.home, src);
    const before = this.#db ? await this.#rowFor(threadId, loc) : undefined;
    await mkdir(join(this.home, ARCHIVED_SESSIONS_SUBDIR), { recursive: true, mode: 0o700 });
    await moveFile(src, dest);
    if (this.#db && before) {
      // No row to mark (another process dropped it meanwhile): index the moved file instead.
      if (!this.#db.markArchived(threadId, { rolloutPath: dest, archivedAtMs: this.#now() })) await this.#indexFile(threadId, dest, true);
      await this.#moveIndexedFile(src, dest, threadId);
    }
  }

  async unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const loc = await this.#locate(threadId, true);
    if (!loc) throw new ThreadNotFoundError(threadId);
    if (!loc.archived) return this.#record(threadId, loc, false);
    this.#assertNoForeignWriter(threadId);
    const src = await assertInsideHome(join(this.home, ARCHIVED_SESSIONS_SUBDIR), loc.path);
    let dest: string;
    try {
      dest = unarchivedPathFor(this.home, src);
    } catch (error) {
      throw new InvalidRequestError(`cannot unarchive ${basename(src)}: the file name has no timestamp`, { cause: error });
    }
    const before = this.#db ? await this.#rowFor(threadId, loc) : undefined;
    await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    await moveFile(src, dest);
    const now = this.#now();
    // Unarchive counts as an update (Codex bumps updated_at): the file mtime says so too.
    await utimes(dest, now / 1000, now / 1000);
    if (this.#db && before) {
      if (!this.#db.markUnarchived(threadId, { rolloutPath: dest, updatedAtMs: now })) await this.#indexFile(threadId, dest, false);
      await this.#moveIndexedFile(src, dest, threadId);
    }
    return this.#record(threadId, { path: dest, archived: false }, false);
  }

  async #moveIndexedFile(from: string, to: string, threadId: ThreadId): Promise<void> {
    this.#db!.forgetIndexedFile(from);
    await recordFile(this.#db!, to, threadId, this.#now());
  }

  async deleteThread(params: ThreadIdParams): Promise<void> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    this.#assertNoForeignWriter(threadId);
    const writer = this.#writers.get(threadId);
    const paths = new Set<string>();
    if (writer?.recorder.materialized) paths.add(writer.recorder.path);
    const row = this.#db?.getThread(threadId);
    if (row) paths.add(row.rolloutPath);
    const active = await findRolloutPath(this.home, threadId, { includeArchived: false });
    if (active) paths.add(active.path);
    const archived = await findRolloutPath(this.home, threadId, { includeArchived: true });
    if (archived) paths.add(archived.path);
    for (const p of [...paths]) paths.add(isArchivedPath(this.home, p) ? p : archivedPathFor(this.home, p));
    if (writer) {
      writer.recorder.discard();
      this.#writers.remove(threadId);
    }
    let removed = 0;
    for (const p of paths) {
      const plain = p.endsWith(".zst") ? p.slice(0, -4) : p;
      for (const file of [plain, `${plain}.zst`, `${plain}.torn`]) {
        const inside = await assertInsideHome(this.home, file).catch(() => undefined);
        if (!inside) continue;
        if (existsSync(file)) {
          await rm(file, { force: true });
          if (!file.endsWith(".torn")) removed++;
        }
      }
      this.#db?.forgetIndexedFile(plain);
      await this.#itemIndexes.forget(plain);
    }
    await removeSessionNameEntries(this.home, threadId);
    await this.#sidecar.remove(threadId);
    if (row) this.#db!.deleteThread(threadId);
    if (removed === 0 && !row && !writer) throw new ThreadNotFoundError(threadId);
  }

  /** @throws ConflictError when another process holds the thread's writer lock. */
  #assertNoForeignWriter(threadId: ThreadId): void {
    if (this.#writers.get(threadId)) return;
    const state = inspectWriterLock(writerLockPath(this.home, threadId));
    if (state.kind === "live") {
      throw new ConflictError(`thread ${threadId} has a live writer in another process (${describeHolder(state.holder)})`, {
        holder: describeHolder(state.holder),
      });
    }
  }

  // ---- whole-thread copy (used by copyThreads of @skein/thread-store-postgres) ------------------

  /**
   * The thread's full history as its exact stored lines, lineage prefix first: line `i` is the
   * text of `loadHistory(...).items[i]` (unparsable lines are skipped by both).
   *
   * @throws ThreadNotFoundError for an unknown id; InvalidRequestError for an archived thread
   *   without `includeArchived`.
   */
  async loadRawHistory(params: LoadRawHistoryParams): Promise<string[]> {
    this.#assertOpen();
    const threadId = parseThreadId(params?.threadId);
    const loc = await this.#locate(threadId, params.includeArchived ?? false);
    if (!loc) throw new ThreadNotFoundError(threadId);
    return (await readRawHistory(this.home, loc.path)).map((l) => l.raw);
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
    const threadId = parseThreadId(params?.thread?.threadId);
    if (!Array.isArray(params.lines)) throw new InvalidRequestError("invalid lines: expected an array");
    this.#writers.assertFree(threadId);
    const lock = await WriterLock.acquire(this.home, threadId, this.#now());
    try {
      if (await this.#existsDurably(threadId)) throw new ConflictError(`thread ${threadId} already exists`);
      const plan = await planImport(this.home, threadId, params);
      await writeNewRollout(plan, { mtimeMs: params.thread.updatedAt, fsync: this.#fsync });
      if (params.thread.name) {
        await appendSessionName(this.home, { threadId, name: params.thread.name, updatedAt: new Date(params.thread.updatedAt) });
      }
      if (this.#db) {
        try {
          this.#db.upsertThread(importedRow(params.thread, plan));
        } catch (error) {
          throw internal(`failed to index imported thread ${threadId}`, error);
        }
        await recordFile(this.#db, plan.path, threadId, this.#now());
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Every thread with a rollout file here, active and archived, listable or not (a list hides
   * threads with an empty preview). Oldest file name first, so a fork's parent comes before it.
   */
  async listThreadIds(): Promise<ThreadId[]> {
    this.#assertOpen();
    const files = (await scanRolloutFiles(this.home)).sort(
      (a, b) => a.fileNameTimestampMs - b.fileNameTimestampMs || (a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0),
    );
    return [...new Set(files.map((f) => f.threadId))];
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Flushes and releases every live writer and closes the index. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const writer of this.#writers.all()) {
      try {
        await writer.recorder.shutdown();
      } catch {
        // Unwritten items cannot be saved now; the lock is released either way.
      }
      this.#writers.remove(writer.threadId);
    }
    this.#db?.close();
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidRequestError("the store is closed");
  }
}


/**
 * FTS matches words (and drops punctuation such as `*`); the contract is a plain-text substring,
 * so FTS hits are confirmed against the texts.
 */
function containsTerm(row: ThreadRow, term: string): boolean {
  return [row.name, row.title, row.preview, row.firstUserMessage].some((t) => t !== undefined && searchSnippet(t, term) !== undefined);
}

/** Renames a file; refuses to overwrite an existing destination. */
async function moveFile(src: string, dest: string): Promise<void> {
  if (existsSync(dest)) throw new ConflictError(`cannot move ${basename(src)}: ${dest} already exists`);
  try {
    await rename(src, dest);
  } catch (error) {
    throw internal(`failed to move ${src} to ${dest}`, error);
  }
}
