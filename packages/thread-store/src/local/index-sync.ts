import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  currentSessionIndexMark,
  findRolloutPath,
  formatSessionIndexMark,
  homeRoots,
  readSessionIndexChanges,
  parseRolloutFileName,
  scanHome,
  scanRolloutDir,
  watchedDirPaths,
  type ExtractedThreadMetadata,
  type RolloutFileInfo,
} from "@skein/rollout";
import { META_LAST_FULL_REINDEX_AT, type IndexedFile, type IndexedFileInput, type IndexedFileStamp, type MessageState, type StateDb, type ThreadMessagesInput, type ThreadRow } from "@skein/state";
import { previousFromRow, runExtractJob, type ExtractJob, type ExtractOutcome } from "./extract-job.js";
import { ExtractPool, type ExtractPoolOptions } from "./extract-pool.js";
import { DIR_KEY_PREFIX, META_HOME_INDEXED_AT, META_HOME_ROOT, META_MESSAGES_INDEXED_AT, SESSION_INDEX_KEY, dirKey, staleLockKey } from "./catch-up-keys.js";
import { rowFromExtracted } from "./thread-row-mapping.js";
import { liesInHome, sameHome } from "./home-paths.js";
import { messageCursorOf, messagesInputOf } from "./message-sync.js";
import type { ReindexOptions, ReindexProblem, ReindexReport } from "./types.js";
import { inspectWriterLock, listWriterLocks } from "./writer-lock.js";

// Behaviour: docs/state-index.md, "Reindex and catch-up" (Codex backfills once under a lease; here files are
// compared by size+mtime with `indexed_files`, so a reindex re-reads only what changed, and a file
// that only grew is read from where the last pass stopped. Where the time goes (10k rollouts,
// 445 MB): reading and folding lines ~55%, SQLite ~25% (see StateDb.writeIndexBatch), the scan
// ~5%; large batches therefore extract on spare cores (extract-pool.ts) while this thread writes.

/** What index maintenance needs from the store. */
export interface SyncContext {
  home: string;
  db: StateDb | undefined;
  defaultModelProvider: string;
  now: () => number;
  /** Extraction pool settings (tests force workers on or off; default: by job count and CPUs). */
  extract?: Omit<ExtractPoolOptions, "defaultProvider">;
}

export { META_HOME_INDEXED_AT, META_MESSAGES_INDEXED_AT } from "./catch-up-keys.js";
const REINDEX_LEASE = "reindex";
const LEASE_TTL_MS = 60_000;
/**
 * Rows + file records per write transaction (each also renews the lease): ~1000 files, whose
 * write holds the lock ~30-60 ms. Measured on 10k files: 10% faster than 250 files per commit,
 * as fewer commits rewrite the same index pages into the WAL.
 */
const BATCH_SIZE = 2000;

/** Records a file as indexed at its current size and mtime (no-op when it is gone). */
export async function recordFile(db: StateDb, path: string, threadId: string, _now: number): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return;
  db.recordIndexedFiles([{ path, threadId, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), byteOffset: st.size, status: "indexed" }]);
}

function emptyReport(): ReindexReport {
  return { scanned: 0, indexed: 0, added: 0, changed: 0, unchanged: 0, unreadable: 0, removed: 0, durationMs: 0, problems: [] };
}

/**
 * True when `row` already points at another existing file of this home that should win over
 * `file` (active beats archived). A row leading outside the home (a moved or copied home's index)
 * never wins: the file here takes the row over.
 */
function shadowedBy(home: string, row: ThreadRow | undefined, file: { path: string; archived: boolean }): boolean {
  return !!row && row.rolloutPath !== file.path && liesInHome(home, row.rolloutPath) && existsSync(row.rolloutPath) && (!row.archived || file.archived);
}

/**
 * True when the index's paths were written under another home than `home` (see
 * {@link META_HOME_ROOT}). An index from before the mark is judged by one of its file records.
 */
function indexedElsewhere(db: StateDb, home: string): boolean {
  const root = db.getMeta(META_HOME_ROOT);
  if (root !== undefined) return !sameHome(root, home);
  const path = db.anyIndexedFilePath();
  return path !== undefined && !liesInHome(home, path);
}

/** What the index recorded about a file, as a reindex compares it. */
type Stamp = Pick<IndexedFile, "path" | "size" | "mtimeMs" | "byteOffset" | "status" | "threadId">;

function stampOf([path, size, mtimeMs, byteOffset, status, threadId]: IndexedFileStamp): Stamp {
  return { path, size, mtimeMs, byteOffset, status, ...(threadId === null ? {} : { threadId }) };
}

/** A file the reindex extracts, with what the report needs once its outcome is in. */
interface Planned {
  file: RolloutFileInfo;
  /** The file had an `indexed_files` record. */
  known: boolean;
  /** The thread already had a row (its name is then left alone). */
  existing: boolean;
}

/**
 * Reconciles the index with every rollout of the home (see `LocalThreadStore.reindex`).
 * Unchanged files (size and mtime as recorded) are skipped; a file that only grew is read from
 * its recorded offset; large batches are extracted on worker threads while this thread writes.
 * @throws the signal's reason when aborted (committed batches stay).
 */
export async function reindexHome(ctx: SyncContext, options: ReindexOptions = {}): Promise<ReindexReport> {
  const started = ctx.now();
  const report = emptyReport();
  const { db } = ctx;
  const home = resolve(ctx.home);
  if (!db) {
    report.scanned = scanHome(ctx.home).files.length;
    report.durationMs = ctx.now() - started;
    return report;
  }
  const owner = randomUUID();
  if (!(await claimLease(db, owner))) {
    report.problems.push({ path: ctx.home, reason: "another process is indexing this home; its results are used" });
    report.durationMs = ctx.now() - started;
    return report;
  }
  // A cold build starts its workers before the scan: their module load (~0.2 s) overlaps it.
  const hasRows = db.countThreads() > 0;
  let pool = hasRows ? undefined : new ExtractPool([], { defaultProvider: ctx.defaultModelProvider, ...ctx.extract, expectedJobs: roughRolloutCount(ctx.home) });
  try {
    const scan = scanHome(ctx.home, { onRefused: (error) => report.problems.push({ path: error.message, reason: "symlink resolves outside the home" }) });
    const { files } = scan;
    report.scanned = files.length;
    // Tuples, not objects: an incremental reindex compares every file of the home with these.
    const known = new Map<string, IndexedFileStamp>();
    for (const stamp of db.listIndexedFileStamps()) known.set(stamp[0], stamp);
    const seenIds = new Set<string>();
    const claimed = new Set<string>();
    const planned = new Map<string, Planned>();
    const jobs: ExtractJob[] = [];
    let rows: ThreadRow[] = [];
    let records: IndexedFileInput[] = [];
    let messages: ThreadMessagesInput[] = [];
    for (const file of files) {
      seenIds.add(file.threadId);
      const stamp = known.get(file.path);
      if (stamp !== undefined) known.delete(file.path);
      // Unchanged: same size and mtime as recorded, not failed, and its messages indexed to the same offset.
      if (!options.full && stamp !== undefined && stamp[1] === file.size && stamp[2] === file.mtimeMs && stamp[4] !== "failed" && stamp[6] === stamp[3]) {
        report.unchanged++;
        continue;
      }
      const prev = stamp && stampOf(stamp);
      const existing = hasRows ? db.getThread(file.threadId) : undefined;
      // Active files come before archived ones in the scan, so the first claim of a thread wins.
      if (claimed.has(file.threadId) || shadowedBy(home, existing, file)) {
        records.push({ path: file.path, threadId: file.threadId, size: file.size, mtimeMs: file.mtimeMs, byteOffset: file.size, status: "indexed" });
        report.unchanged++;
        continue;
      }
      claimed.add(file.threadId);
      planned.set(file.path, { file, known: prev !== undefined, existing: existing !== undefined });
      jobs.push(planJob(file, prev, existing, options.full === true, existing ? db.getMessageState(file.threadId) : undefined));
    }
    const names = jobs.length > 0 ? sessionNames(ctx.home) : new Map<string, string>();
    const commit = () => {
      if (rows.length > 0 || records.length > 0) db.writeIndexBatch({ rows, files: records, messages });
      rows = [];
      records = [];
      messages = [];
      db.renewLease(REINDEX_LEASE, owner, LEASE_TTL_MS);
    };
    if (pool) pool.add(jobs);
    else pool = new ExtractPool(jobs, { defaultProvider: ctx.defaultModelProvider, ...ctx.extract });
    let done = report.unchanged;
    for (let results = await pool.next(); results.length > 0; results = await pool.next()) {
      let last: string | undefined;
      for (const { job, outcome } of results) {
        const plan = planned.get(job.path)!;
        settle(ctx, plan, outcome, names, report, rows, records, messages);
        last = job.path;
        done++;
      }
      if (rows.length + records.length >= BATCH_SIZE) {
        commit();
        options.onProgress?.({ scanned: done, total: files.length, indexed: report.indexed, ...(last ? { path: last } : {}) });
        options.signal?.throwIfAborted();
      }
    }
    commit();
    report.removed = removeVanished(db, [...known.values()].map(stampOf), seenIds);
    db.resolveInheritedMessages();
    options.onProgress?.({ scanned: files.length, total: files.length, indexed: report.indexed });
    const now = String(ctx.now());
    const marks: [string, string][] = [[META_LAST_FULL_REINDEX_AT, now], [META_HOME_INDEXED_AT, now], [META_MESSAGES_INDEXED_AT, now], [META_HOME_ROOT, home]];
    // Folder mtimes as listed by this scan: a file added since is caught by the next catch-up.
    for (const dir of scan.dirs) marks.push([dirKey(ctx.home, dir.dir), String(dir.mtimeMs)]);
    const idx = currentSessionIndexMark(ctx.home);
    if (idx) marks.push([SESSION_INDEX_KEY, formatSessionIndexMark(idx)]);
    db.setMetaMany(marks);
  } finally {
    if (pool && pool.workerCount > 0) report.extractionWorkers = pool.workerCount;
    await pool?.close();
    db.releaseLease(REINDEX_LEASE, owner);
  }
  report.durationMs = ctx.now() - started;
  return report;
}

/** Entries of the watched folders (names only, no `stat`): how many files a cold build will likely extract. */
function roughRolloutCount(home: string): number {
  let n = 0;
  for (const { dir } of watchedDirPaths(home)) {
    try {
      n += readdirSync(dir).length;
    } catch {
      // A missing folder holds nothing.
    }
  }
  return n;
}

/** Each thread's latest non-blank name in `session_index.jsonl` (read synchronously, in one go). */
function sessionNames(home: string): Map<string, string> {
  const latest = readSessionIndexChanges(home, undefined)?.latest ?? new Map<string, string>();
  for (const [threadId, name] of latest) if (name.trim() === "") latest.delete(threadId);
  return latest;
}

/**
 * Extract from byte 0, or (a known file that only grew, still this thread's row, its messages
 * indexed up to the same offset) from its recorded offset.
 */
function planJob(file: RolloutFileInfo, prev: Stamp | undefined, existing: ThreadRow | undefined, full: boolean, messages: MessageState | undefined): ExtractJob {
  const job: ExtractJob = { path: file.path, archived: file.archived };
  const grew = prev !== undefined && prev.status === "indexed" && prev.byteOffset > 0 && prev.byteOffset <= prev.size && prev.size < file.size;
  const messagesAt = messages !== undefined && messages.rolloutPath === file.path && messages.byteOffset === prev?.byteOffset;
  if (!full && grew && messagesAt && existing?.rolloutPath === file.path && existing.archived === file.archived) {
    job.fromByteOffset = prev.byteOffset;
    job.previous = { ...previousFromRow(existing, prev.byteOffset), messageCursor: messageCursorOf(messages) };
  }
  return job;
}

/** Turns one extraction outcome into a row and a file record (or a problem). */
function settle(
  ctx: SyncContext,
  plan: Planned,
  outcome: ExtractOutcome,
  names: Map<string, string>,
  report: ReindexReport,
  rows: ThreadRow[],
  records: IndexedFileInput[],
  messages: ThreadMessagesInput[],
): void {
  const { file } = plan;
  if ("error" in outcome) {
    report.unreadable++;
    report.problems.push({ path: file.path, threadId: file.threadId, reason: outcome.error } satisfies ReindexProblem);
    records.push({ path: file.path, threadId: file.threadId, size: file.size, mtimeMs: file.mtimeMs, byteOffset: 0, status: "failed", error: outcome.error });
    return;
  }
  const { row, record } = rowAndRecord(ctx, outcome.ok, file.archived, plan.existing ? undefined : names.get(file.threadId));
  rows.push(row);
  records.push(record);
  messages.push(messagesInputOf(outcome.ok));
  report.indexed++;
  if (plan.existing || plan.known) report.changed++;
  else report.added++;
}

/** The index row and file record of an extraction. */
function rowAndRecord(ctx: SyncContext, x: ExtractedThreadMetadata, archived: boolean, name: string | undefined): { row: ThreadRow; record: IndexedFileInput } {
  const row = rowFromExtracted(x, { archived, name, defaultModelProvider: ctx.defaultModelProvider });
  const record: IndexedFileInput = {
    path: x.rolloutPath,
    threadId: x.threadId,
    size: x.size,
    mtimeMs: x.updatedAtMs,
    byteOffset: x.bytesRead,
    status: x.parseErrors > 0 || x.tornTail ? "partial" : "indexed",
  };
  return { row, record };
}

/** Forgets indexed files that vanished; drops a row when its thread has no file left. */
function removeVanished(db: StateDb, vanished: Iterable<{ path: string; threadId?: string | undefined }>, seenIds: Set<string>): number {
  let removed = 0;
  for (const file of vanished) {
    db.forgetIndexedFile(file.path);
    if (!file.threadId || seenIds.has(file.threadId)) continue;
    const row = db.getThread(file.threadId);
    if (row && !existsSync(row.rolloutPath)) {
      db.deleteThread(file.threadId);
      removed++;
    }
  }
  return removed;
}

async function claimLease(db: StateDb, owner: string): Promise<boolean> {
  // A second process that starts at once waits briefly for the first, then reads what exists.
  for (let waited = 0; waited <= 5_000; waited += 100) {
    if (db.tryClaimLease(REINDEX_LEASE, owner, LEASE_TTL_MS)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** What a quick catch-up did (for tests and `skein doctor`). */
export interface CatchUpReport {
  mode: "full" | "quick";
  staleLocks: number;
  changedDirs: number;
  indexedFiles: number;
  removedRows: number;
  renamed: number;
  reindex?: ReindexReport;
}

/**
 * Brings the index up to date on open without scanning every file (see `LocalThreadStore.open`).
 * A never-indexed home, or `mode: "full"`, runs {@link reindexHome} instead. Costs, when nothing
 * changed: one `readdir` of the lock folder, one `stat` per watched folder, one of the name index,
 * and one meta range read; `session_index.jsonl` is read only when it changed, and then only its
 * appended tail when it just grew.
 */
export async function catchUp(ctx: SyncContext, mode: "quick" | "full"): Promise<CatchUpReport | undefined> {
  const { db } = ctx;
  if (!db) return undefined;
  if (mode === "full" || db.getMeta(META_HOME_INDEXED_AT) === undefined || db.getMeta(META_MESSAGES_INDEXED_AT) === undefined) {
    return { mode: "full", staleLocks: 0, changedDirs: 0, indexedFiles: 0, removedRows: 0, renamed: 0, reindex: await reindexHome(ctx) };
  }
  // A moved or copied home: every row is re-derived from the files here (its messages too).
  if (indexedElsewhere(db, resolve(ctx.home))) {
    return { mode: "full", staleLocks: 0, changedDirs: 0, indexedFiles: 0, removedRows: 0, renamed: 0, reindex: await reindexHome(ctx, { full: true }) };
  }
  if (db.getMeta(META_HOME_ROOT) === undefined) db.setMeta(META_HOME_ROOT, resolve(ctx.home));
  const report: CatchUpReport = { mode: "quick", staleLocks: 0, changedDirs: 0, indexedFiles: 0, removedRows: 0, renamed: 0 };
  let names: Map<string, string> | undefined;
  const nameOf = (threadId: string | undefined) => {
    names ??= sessionNames(ctx.home);
    return threadId === undefined ? undefined : names.get(threadId);
  };
  // 1. A dead writer may have appended history without its metadata patch: re-extract its file.
  for (const lock of listWriterLocks(ctx.home)) {
    const state = inspectWriterLock(lock.path);
    if (state.kind !== "stale") continue;
    const key = staleLockKey(lock.threadId);
    if (db.getMeta(key) === state.holder.token) continue;
    const found = await findRolloutPath(ctx.home, lock.threadId, { includeArchived: true });
    if (found && (await indexPath(ctx, db, found.path, found.archived, nameOf))) report.indexedFiles++;
    db.setMeta(key, state.holder.token);
    report.staleLocks++;
  }
  // 2. Folders whose mtime changed gained or lost files.
  const seen = db.listMeta(DIR_KEY_PREFIX);
  const roots = homeRoots(ctx.home);
  const marks: [string, string][] = [];
  for (const { dir, archived } of watchedDirPaths(ctx.home)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    const key = dirKey(ctx.home, dir);
    const mtime = String(Math.trunc(st.mtimeMs));
    if (seen.get(key) === mtime) continue;
    report.changedDirs++;
    const present = new Set<string>();
    for (const file of scanRolloutDir(dir, archived, roots)) {
      present.add(file.path);
      if (!db.getIndexedFile(file.path) && (await indexPath(ctx, db, file.path, archived, nameOf))) report.indexedFiles++;
    }
    for (const file of db.listIndexedFilesIn(dir)) {
      if (present.has(file.path)) continue;
      db.forgetIndexedFile(file.path);
      const row = file.threadId ? db.getThread(file.threadId) : undefined;
      if (!row || row.rolloutPath !== file.path) continue;
      const moved = await findRolloutPath(ctx.home, row.threadId, { includeArchived: true });
      if (moved) await indexPath(ctx, db, moved.path, moved.archived, nameOf);
      else {
        db.deleteThread(row.threadId);
        report.removedRows++;
      }
    }
    marks.push([key, mtime]);
  }
  // 3. Names changed by another writer of session_index.jsonl (e.g. Codex).
  const changes = readSessionIndexChanges(ctx.home, db.getMeta(SESSION_INDEX_KEY));
  if (changes) {
    for (const [threadId, name] of changes.latest) {
      const row = db.getThread(threadId);
      if (!row || (row.name ?? "") === name) continue;
      db.applyMetadataPatch(threadId, { name: name === "" ? null : name });
      report.renamed++;
    }
    marks.push([SESSION_INDEX_KEY, formatSessionIndexMark(changes.mark)]);
  }
  if (marks.length > 0) db.setMetaMany(marks);
  return report;
}

async function indexPath(
  ctx: SyncContext,
  db: StateDb,
  path: string,
  archived: boolean,
  nameOf: (threadId: string | undefined) => string | undefined,
): Promise<boolean> {
  const threadId = parseRolloutFileName(path)?.threadId;
  const existing = threadId ? db.getThread(threadId) : undefined;
  if (shadowedBy(resolve(ctx.home), existing, { path, archived })) return false;
  const outcome = runExtractJob({ path, archived }, ctx.defaultModelProvider);
  if ("ok" in outcome) {
    const { row, record } = rowAndRecord(ctx, outcome.ok, archived, existing ? undefined : nameOf(threadId));
    db.writeIndexBatch({ rows: [row], files: [record], messages: [messagesInputOf(outcome.ok)] });
    if (row.forkedFromId !== undefined) db.resolveInheritedMessages();
    return true;
  }
  const st = statSync(path, { throwIfNoEntry: false });
  db.recordIndexedFiles([{
    path, ...(threadId ? { threadId } : {}), size: st?.size ?? 0, mtimeMs: Math.trunc(st?.mtimeMs ?? 0), byteOffset: 0,
    status: "failed", error: outcome.error,
  }]);
  return false;
}
