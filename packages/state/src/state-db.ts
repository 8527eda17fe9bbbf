import type { ThreadMetadataPatch } from "@skein/protocol";
import { InvalidArgumentError, StateDbClosedError } from "./errors.js";
import * as files from "./indexed-file.js";
import { writeIndexBatch } from "./internal/index-batch.js";
import { recordMovedRollouts, type MovedRollout } from "./internal/moved-rollouts.js";
import { readAcrossSchemaChanges } from "./internal/schema-race.js";
import type { IndexedFile, IndexedFileInput, IndexedFileStamp } from "./indexed-file.js";
import { statement, type Connection } from "./internal/connection.js";
import { parseFileInput, parseMessagesInput } from "./internal/plain-inputs.js";
import { acquireConnection, releaseConnection, type ConnectionOptions } from "./internal/open-connection.js";
import * as leases from "./lease.js";
import type { Lease } from "./lease.js";
import * as threads from "./internal/threads.js";
import type { MarkArchivedParams, MarkUnarchivedParams } from "./internal/threads.js";
import { listThreads, type ListThreadsParams, type ThreadPage } from "./list-threads.js";
import type { MigrationReport } from "./migrations/migrate.js";
import { recoverAndOpen, type RecoveredDb } from "./internal/recover.js";
import { searchThreads, type SearchThreadsParams, type ThreadSearchPage } from "./search-threads.js";
import { searchMessages, type ContentSearchPage, type SearchMessagesParams } from "./search-messages.js";
import * as messages from "./thread-messages.js";
import type { MessageState, ThreadMessagesInput } from "./thread-messages.js";
import type { ThreadRow, ThreadRowInput } from "./thread-row.js";
import { listStorageRows, type StorageRow } from "./storage-rows.js";
import { readIndexedUsage, type IndexedUsage } from "./usage-query.js";

/** Options of {@link StateDb.open}. */
export interface StateDbOptions extends ConnectionOptions {
  /** Clock for every timestamp the database writes (default `Date.now`). */
  now?: () => number;
}

/** What {@link StateDb.openOrRecover} returns. */
export interface OpenOrRecoverResult {
  db: StateDb;
  /** Present when the old file was unusable and was moved aside; the caller should reindex. */
  recovered?: RecoveredDb;
}

/** The meta key under which the local store records its last full reindex (epoch ms). */
export const META_LAST_FULL_REINDEX_AT = "last_full_reindex_at";

/**
 * The Skein thread index: one SQLite file (`skein_state_1.sqlite` in the home) holding a row
 * per thread, a full-text index, and the bookkeeping of the backfill. A cache: everything in
 * it can be rebuilt from the rollout JSONL. Synchronous, like better-sqlite3 underneath.
 *
 * **One connection per process per file.** `open` keeps a process-wide registry keyed by the
 * file's real path: a second `open` of the same file returns a new handle on the same
 * connection (the first opener's pragmas apply), and the connection closes when the last
 * handle closes. Other processes open their own connection; WAL, `busy_timeout` and
 * `BEGIN IMMEDIATE` writes keep them consistent.
 *
 * @example
 * ```ts
 * const { db, recovered } = StateDb.openOrRecover({ path: join(home, "skein_state_1.sqlite") });
 * if (recovered) console.warn(`index rebuilt: ${recovered.reason}`);
 * db.upsertThread(row);
 * const page = db.listThreads({ pageSize: 20, sortKey: "recency", sortDirection: "desc", archived: false });
 * db.close();
 * ```
 */
export class StateDb {
  readonly #conn: Connection;
  readonly #now: () => number;
  #closed = false;

  private constructor(conn: Connection, now: () => number) {
    this.#conn = conn;
    this.#now = now;
  }

  /**
   * Opens (creating when missing) the database at `options.path`: the file mode is 0600 and a
   * missing parent directory is created 0700; pragmas are WAL (or DELETE), `synchronous=NORMAL`,
   * `busy_timeout` (default 5000 ms), `foreign_keys=ON`, and incremental auto-vacuum on a new
   * file; then pending migrations run. `path: ":memory:"` opens a private in-memory database.
   *
   * @throws StateDbCorruptError when the file is not a database or is damaged.
   * @throws MigrationChecksumError, MigrationOrderError, MigrationFailedError from migrating.
   */
  static open(options: StateDbOptions): StateDb {
    const now = options.now ?? Date.now;
    return new StateDb(acquireConnection(options, now), now);
  }

  /**
   * Like {@link open}, but also runs `PRAGMA quick_check` (skipped when the file, by inode, size,
   * mtime and ctime, is exactly as the last clean close left it, with no write-ahead log
   * pending: `<file>-clean` records that), and when the file is not a
   * database, fails the check, or fails to migrate because it is damaged, moves it (with its
   * `-wal`/`-shm`) aside to `<name>.corrupt-<timestamp>` — never deleting it — and opens a
   * fresh database. Other failures (busy, permissions, checksum mismatch) still throw.
   */
  static openOrRecover(options: StateDbOptions): OpenOrRecoverResult {
    const now = options.now ?? Date.now;
    const { conn, recovered } = recoverAndOpen(options, now);
    const db = new StateDb(conn, now);
    return recovered ? { db, recovered } : { db };
  }

  /** The real path of the file (or `:memory:`). */
  get path(): string {
    return this.#conn.path;
  }

  /** What the migration step did when the connection was opened. */
  get migrationReport(): MigrationReport {
    return this.#conn.migrationReport;
  }

  /**
   * The connection's effective settings, for diagnostics (`skein doctor`) and tests.
   * `synchronous`: 1 = NORMAL, 2 = FULL. `autoVacuum`: 0 = none, 1 = full, 2 = incremental.
   */
  settings(): { journalMode: string; synchronous: number; busyTimeoutMs: number; foreignKeys: boolean; autoVacuum: number } {
    const db = this.#live().db;
    return {
      journalMode: db.pragma("journal_mode", { simple: true }) as string,
      synchronous: db.pragma("synchronous", { simple: true }) as number,
      busyTimeoutMs: db.pragma("busy_timeout", { simple: true }) as number,
      foreignKeys: db.pragma("foreign_keys", { simple: true }) === 1,
      autoVacuum: db.pragma("auto_vacuum", { simple: true }) as number,
    };
  }

  /** True once {@link close} was called on this handle. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Releases this handle; the connection closes with the last handle. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    releaseConnection(this.#conn);
  }

  #live(): Connection {
    if (this.#closed) throw new StateDbClosedError(this.#conn.path);
    return this.#conn;
  }

  /**
   * Inserts or updates a thread row and returns it as stored. On update: `recencyAt` keeps
   * the stored value; an empty `preview` keeps the old preview; stored git fields win over
   * new ones (an upsert never clears git); `name`, `memoryMode` and `historyMode` change only
   * when given. `updatedAt` (and `recencyAt` on insert) pass through the monotonic allocator.
   *
   * @throws InvalidArgumentError when `row` does not match {@link ThreadRowInput}.
   */
  upsertThread(row: ThreadRowInput): ThreadRow {
    return threads.upsertThread(this.#live(), threads.parseRowInput(row), this.#now());
  }

  /**
   * Upserts many rows in one transaction (the backfill's batch write), with the rules of
   * {@link upsertThread}. All or nothing. Returns the number of rows written.
   *
   * @throws InvalidArgumentError naming the first invalid row; nothing is written then.
   */
  upsertMany(rows: readonly ThreadRowInput[]): number {
    const parsed = rows.map((row) => threads.parseRowInput(row));
    return threads.upsertMany(this.#live(), parsed, this.#now());
  }

  /** The row of thread `id`, or undefined. */
  getThread(id: string): ThreadRow | undefined {
    return threads.getThread(this.#live(), id);
  }

  /** The stored rollout path of thread `id`, or undefined when there is no row. */
  findRolloutPath(id: string): string | undefined {
    const r = statement(this.#live(), "SELECT rollout_path FROM threads WHERE id = ?").get(id) as
      | { rollout_path: string }
      | undefined;
    return r?.rollout_path;
  }

  /**
   * Deletes thread `id` and its rows in other tables (`thread_dynamic_tools`, `indexed_files`)
   * in one transaction. True when a thread row existed.
   */
  deleteThread(id: string): boolean {
    return threads.deleteThread(this.#live(), id);
  }

  /**
   * Applies a literal metadata patch to an existing row and returns the updated row, or
   * undefined when there is no row (this never creates one). For every field: absent leaves
   * it, a value sets it, `null` clears a clearable field. `name` sets the `name` column only;
   * `gitInfo` merges per sub-field; `tokenUsage` stores `max(totalTokens, 0)`; `updatedAt` is
   * allocated monotonically; `advanceRecencyAt` sets `recency = max(given, old + 1)`.
   *
   * @throws InvalidArgumentError when `patch` is not a valid `ThreadMetadataPatch`.
   */
  applyMetadataPatch(id: string, patch: ThreadMetadataPatch): ThreadRow | undefined {
    return threads.applyMetadataPatch(this.#live(), id, threads.parsePatch(patch));
  }

  /** Marks thread `id` archived at `archivedAtMs` with its new path; recency is unchanged. */
  markArchived(id: string, params: MarkArchivedParams): ThreadRow | undefined {
    return threads.markArchived(this.#live(), id, params);
  }

  /** Marks thread `id` active again with its restored path and a fresh `updatedAt`. */
  markUnarchived(id: string, params: MarkUnarchivedParams): ThreadRow | undefined {
    return threads.markUnarchived(this.#live(), id, params);
  }

  /**
   * One page of threads, keyset-paginated on (sort value, id), so a cursor stays valid and
   * neither skips nor repeats rows while rows are inserted between pages.
   *
   * @throws InvalidArgumentError for params outside the contract.
   * @throws InvalidCursorError for a malformed cursor or one from a different query.
   */
  listThreads(params: ListThreadsParams): ThreadPage {
    return listThreads(this.#live(), params);
  }

  /**
   * Full-text search over title, name, preview and first user message; newest recency first,
   * with a snippet per hit marking matches `[` `]`. The term is plain text (FTS syntax and
   * SQL in it are only text).
   *
   * @throws InvalidArgumentError for an empty term or params outside the contract.
   * @throws InvalidCursorError for a malformed cursor or one from a different query.
   */
  searchThreads(params: SearchThreadsParams): ThreadSearchPage {
    return readAcrossSchemaChanges(() => searchThreads(this.#live(), params));
  }

  /** The number of thread rows (including those with an empty preview), optionally by archive state. */
  countThreads(params: { archived?: boolean } = {}): number {
    const conn = this.#live();
    const r = (
      params.archived === undefined
        ? statement(conn, "SELECT COUNT(*) AS n FROM threads").get()
        : statement(conn, "SELECT COUNT(*) AS n FROM threads WHERE archived = ?").get(params.archived ? 1 : 0)
    ) as { n: number };
    return r.n;
  }

  /** Every thread row with its indexed file size, unordered: the input of storage care (`skein du`). */
  listStorageRows(): StorageRow[] {
    return listStorageRows(this.#live());
  }

  /** Disk usage as the index records it: grouped sizes, the `largest` biggest threads, unsized rows (usage-query.ts). */
  indexedUsage(largest: number): IndexedUsage {
    const conn = this.#live();
    return readIndexedUsage(conn.db, (sql) => statement(conn, sql), largest);
  }

  /** What was last indexed from the file at `path`, or undefined. */
  getIndexedFile(path: string): IndexedFile | undefined {
    return files.getIndexedFile(this.#live(), path);
  }

  /**
   * Inserts or replaces per-file index records in one transaction.
   *
   * @throws InvalidArgumentError naming the first invalid record; nothing is written then.
   */
  recordIndexedFiles(records: readonly IndexedFileInput[]): void {
    const parsed = records.map(parseFileInput);
    files.recordIndexedFiles(this.#live(), parsed, this.#now());
  }

  /** Every per-file index record, sorted by path. */
  listIndexedFiles(): IndexedFile[] {
    return files.listIndexedFiles(this.#live());
  }

  /**
   * Every record as a `[path, size, mtimeMs, byteOffset, status, threadId, messagesAt]` tuple,
   * unordered: the cheap form a reindex compares 10,000s of files with (`messagesAt`: see
   * {@link IndexedFileStamp}).
   */
  listIndexedFileStamps(): IndexedFileStamp[] {
    return files.listIndexedFileStamps(this.#live());
  }

  /** The path of one file record (any), or undefined when there is none: where the index's paths point, cheaply. */
  anyIndexedFilePath(): string | undefined {
    const r = statement(this.#live(), "SELECT path FROM indexed_files LIMIT 1").get() as { path: string } | undefined;
    return r?.path;
  }

  /** The records of the files directly inside folder `dir` (not in its subfolders), sorted by path. */
  listIndexedFilesIn(dir: string): IndexedFile[] {
    return files.listIndexedFilesIn(this.#live(), dir);
  }

  /**
   * The backfill's batch write: upserts `rows` (the rules of {@link upsertThread}) and records
   * `files` (as {@link recordIndexedFiles}) in one transaction, all or nothing. Much cheaper per
   * row than {@link upsertMany}: the full-text index is maintained by the batch itself rather
   * than by a trigger per row, with the same result.
   *
   * @throws InvalidArgumentError naming the first invalid row or record; nothing is written then.
   */
  writeIndexBatch(batch: {
    rows: readonly ThreadRowInput[];
    files: readonly IndexedFileInput[];
    messages?: readonly ThreadMessagesInput[];
  }): void {
    const rows = batch.rows.map((row) => threads.parseRowInput(row));
    const records = batch.files.map(parseFileInput);
    const msgs = (batch.messages ?? []).map(parseMessagesInput);
    writeIndexBatch(this.#live(), rows, records, this.#now(), msgs);
  }

  /**
   * Writes the searchable messages of threads that have a row (docs/search.md), each
   * `replace` or `append`, in one transaction. A thread without a row is skipped; returns how
   * many were written.
   *
   * @throws InvalidArgumentError naming the first invalid input; nothing is written then.
   */
  writeThreadMessages(inputs: readonly ThreadMessagesInput[]): number {
    const parsed = inputs.map(parseMessagesInput);
    const conn = this.#live();
    return conn.db.transaction(() => parsed.filter((m) => messages.writeThreadMessages(conn, m)).length).immediate();
  }

  /** How far the messages of `threadId` are indexed, or undefined when they are not. */
  getMessageState(threadId: string): MessageState | undefined {
    return messages.getMessageState(this.#live(), threadId);
  }

  /** Every thread's message state as `[threadId, rolloutPath, byteOffset]` (unordered). */
  listMessageStates(): Array<[threadId: string, rolloutPath: string, byteOffset: number]> {
    return messages.listMessageStates(this.#live());
  }

  /**
   * Removes from legacy forks the messages they copied from their parent (found once, in the
   * thread that said them), for every fork indexed before its parent. Returns how many forks
   * were resolved.
   */
  resolveInheritedMessages(): number {
    const conn = this.#live();
    return conn.db.transaction(() => messages.resolveInheritedMessages(conn)).immediate();
  }

  /**
   * Content search (docs/search.md): threads whose name, preview or messages match `query`,
   * by relevance (bm25; a thread by its best hit) or by last update, with their best hits.
   *
   * @throws InvalidArgumentError for params outside the contract or a query of too many terms.
   * @throws InvalidCursorError for a malformed cursor or one from a different query.
   */
  searchMessages(params: SearchMessagesParams): ContentSearchPage {
    return readAcrossSchemaChanges(() => searchMessages(this.#live(), params));
  }

  /**
   * Rollouts moved to another name (compressed or decompressed): each thread row still naming
   * `from` names `to`; `from`'s file record goes, and when it had read the whole plain text
   * (`plainBytes`) `to` gets the same record and the thread's message state follows (else `to` is
   * left to the next reindex). One transaction; names, dates and full-text rows are untouched.
   * Returns how many thread rows were repointed.
   */
  recordMovedRollouts(moves: readonly MovedRollout[]): number {
    return recordMovedRollouts(this.#live(), moves, this.#now());
  }

  /** Removes the record of `path`; true when there was one. */
  forgetIndexedFile(path: string): boolean {
    return files.forgetIndexedFile(this.#live(), path);
  }

  /**
   * Claims the lease `name` for `owner` for `ttlMs`. True when the lease was free, expired, or
   * already `owner`'s (then it is extended). Atomic across processes: of two processes that
   * claim at once, exactly one gets it.
   *
   * @throws InvalidArgumentError when `ttlMs` is not a positive integer.
   */
  tryClaimLease(name: string, owner: string, ttlMs: number): boolean {
    assertTtl(ttlMs);
    return leases.tryClaimLease(this.#live(), name, owner, ttlMs, this.#now());
  }

  /** Extends a lease `owner` holds to `now + ttlMs`; false when it is not theirs. */
  renewLease(name: string, owner: string, ttlMs: number): boolean {
    assertTtl(ttlMs);
    return leases.renewLease(this.#live(), name, owner, ttlMs, this.#now());
  }

  /** Releases a lease `owner` holds; false when it was not theirs. */
  releaseLease(name: string, owner: string): boolean {
    return leases.releaseLease(this.#live(), name, owner);
  }

  /** The lease `name`, or undefined when nobody holds it. A read: works during another writer's transaction. */
  readLease(name: string): Lease | undefined {
    return leases.readLease(this.#live(), name, this.#now());
  }

  /** The meta value under `key`, or undefined. */
  getMeta(key: string): string | undefined {
    const r = statement(this.#live(), "SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return r?.value;
  }

  /** Sets the meta value under `key`. */
  setMeta(key: string, value: string): void {
    statement(this.#live(), "INSERT OR REPLACE INTO meta (key, value, updated_at_ms) VALUES (?, ?, ?)").run(key, value, this.#now());
  }

  /** Every meta entry whose key starts with `prefix`, as a map (one range scan of the key). */
  listMeta(prefix: string): Map<string, string> {
    const upper = prefix === "" ? undefined : prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const rows = (
      upper === undefined
        ? statement(this.#live(), "SELECT key, value FROM meta").all()
        : statement(this.#live(), "SELECT key, value FROM meta WHERE key >= ? AND key < ?").all(prefix, upper)
    ) as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  /** Sets several meta values in one transaction. */
  setMetaMany(entries: Iterable<readonly [key: string, value: string]>): void {
    const conn = this.#live();
    const set = statement(conn, "INSERT OR REPLACE INTO meta (key, value, updated_at_ms) VALUES (?, ?, ?)");
    const now = this.#now();
    conn.db.transaction(() => {
      for (const [key, value] of entries) set.run(key, value, now);
    }).immediate();
  }

  /** Removes the meta value under `key`; true when there was one. */
  deleteMeta(key: string): boolean {
    return statement(this.#live(), "DELETE FROM meta WHERE key = ?").run(key).changes > 0;
  }
}

function assertTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new InvalidArgumentError("lease ttl", `expected a positive integer of milliseconds, got ${ttlMs}`);
  }
}
