import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  SESSIONS_SUBDIR,
  SESSION_INDEX_FILE,
  extractThreadMetadata,
  findRolloutPath,
  parseRolloutFileName,
  readSessionIndex,
  scanRolloutFiles,
  type RolloutFileInfo,
} from "@skein/rollout";
import { META_LAST_FULL_REINDEX_AT, type IndexedFileInput, type StateDb, type ThreadRow } from "@skein/state";
import { rowFromExtracted } from "./thread-row-mapping.js";
import type { ReindexOptions, ReindexProblem, ReindexReport } from "./types.js";
import { inspectWriterLock, listWriterLocks } from "./writer-lock.js";

// Behaviour: codex-storage-spec.md §5.7 (backfill in batches of 200 under a lease), adapted: files
// are compared by size+mtime with `indexed_files`, so a reindex re-reads only what changed.

/** What index maintenance needs from the store. */
export interface SyncContext {
  home: string;
  db: StateDb | undefined;
  defaultModelProvider: string;
  now: () => number;
}

/** Meta key set once a home has been fully indexed (a first open indexes everything once). */
export const META_HOME_INDEXED_AT = "home_indexed_at";
const REINDEX_LEASE = "reindex";
const LEASE_TTL_MS = 60_000;
const BATCH_SIZE = 200;

/** Records a file as indexed at its current size and mtime (no-op when it is gone). */
export async function recordFile(db: StateDb, path: string, threadId: string, _now: number): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return;
  db.recordIndexedFiles([{ path, threadId, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), byteOffset: st.size, status: "indexed" }]);
}

function emptyReport(): ReindexReport {
  return { scanned: 0, indexed: 0, added: 0, changed: 0, unchanged: 0, unreadable: 0, removed: 0, durationMs: 0, problems: [] };
}

/** Extracts one file into a row; throws with a readable reason when the file is unusable. */
async function extractRow(ctx: SyncContext, file: { path: string; archived: boolean }, name: string | undefined) {
  const x = await extractThreadMetadata(file.path, { defaultProvider: ctx.defaultModelProvider, archived: file.archived });
  if (!x.hasSessionMeta) throw new Error("no valid session_meta line");
  const row = rowFromExtracted(x, { archived: file.archived, name, defaultModelProvider: ctx.defaultModelProvider });
  const record: IndexedFileInput = {
    path: file.path,
    threadId: x.threadId,
    size: x.size,
    mtimeMs: x.updatedAtMs,
    byteOffset: x.bytesRead,
    status: x.parseErrors > 0 || x.tornTail ? "partial" : "indexed",
  };
  return { row, record };
}

/** True when `row` already points at another existing file that should win over `file` (active beats archived). */
function shadowedBy(row: ThreadRow | undefined, file: { path: string; archived: boolean }): boolean {
  return !!row && row.rolloutPath !== file.path && existsSync(row.rolloutPath) && (!row.archived || file.archived);
}

/**
 * Reconciles the index with every rollout of the home (see `LocalThreadStore.reindex`).
 * @throws the signal's reason when aborted (committed batches stay).
 */
export async function reindexHome(ctx: SyncContext, options: ReindexOptions = {}): Promise<ReindexReport> {
  const started = ctx.now();
  const report = emptyReport();
  const { db } = ctx;
  if (!db) {
    report.scanned = (await scanRolloutFiles(ctx.home)).length;
    report.durationMs = ctx.now() - started;
    return report;
  }
  const owner = randomUUID();
  if (!(await claimLease(db, owner))) {
    report.problems.push({ path: ctx.home, reason: "another process is indexing this home; its results are used" });
    report.durationMs = ctx.now() - started;
    return report;
  }
  try {
    const files = await scanRolloutFiles(ctx.home, {
      onRefused: (error) => report.problems.push({ path: error.message, reason: "symlink resolves outside the home" }),
    });
    const known = new Map(db.listIndexedFiles().map((f) => [f.path, f]));
    const names = (await readSessionIndex(ctx.home)).names;
    const seenIds = new Set<string>();
    let rows: ThreadRow[] = [];
    let records: IndexedFileInput[] = [];
    const commit = () => {
      if (rows.length > 0) db.upsertMany(rows);
      if (records.length > 0) db.recordIndexedFiles(records);
      rows = [];
      records = [];
      db.renewLease(REINDEX_LEASE, owner, LEASE_TTL_MS);
    };
    for (const file of files) {
      report.scanned++;
      seenIds.add(file.threadId);
      const prev = known.get(file.path);
      known.delete(file.path);
      if (!options.full && prev && prev.size === file.size && prev.mtimeMs === file.mtimeMs && prev.status !== "failed") {
        report.unchanged++;
      } else {
        await indexOne(ctx, db, file, prev !== undefined, names, report, rows, records);
      }
      if (rows.length + records.length >= BATCH_SIZE) {
        commit();
        options.onProgress?.({ scanned: report.scanned, total: files.length, indexed: report.indexed, path: file.path });
        options.signal?.throwIfAborted();
      }
    }
    commit();
    report.removed = removeVanished(db, known.values(), seenIds);
    options.onProgress?.({ scanned: report.scanned, total: files.length, indexed: report.indexed });
    const now = ctx.now();
    db.setMeta(META_LAST_FULL_REINDEX_AT, String(now));
    db.setMeta(META_HOME_INDEXED_AT, String(now));
    await rememberDirs(ctx, db);
  } finally {
    db.releaseLease(REINDEX_LEASE, owner);
  }
  report.durationMs = ctx.now() - started;
  return report;
}

async function indexOne(
  ctx: SyncContext,
  db: StateDb,
  file: RolloutFileInfo,
  known: boolean,
  names: Map<string, string>,
  report: ReindexReport,
  rows: ThreadRow[],
  records: IndexedFileInput[],
): Promise<void> {
  try {
    const existing = db.getThread(file.threadId);
    if (shadowedBy(existing, file)) {
      records.push({ path: file.path, threadId: file.threadId, size: file.size, mtimeMs: file.mtimeMs, byteOffset: file.size, status: "indexed" });
      report.unchanged++;
      return;
    }
    const { row, record } = await extractRow(ctx, file, existing ? undefined : names.get(file.threadId));
    rows.push(row);
    records.push(record);
    report.indexed++;
    if (existing || known) report.changed++;
    else report.added++;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report.unreadable++;
    report.problems.push({ path: file.path, threadId: file.threadId, reason } satisfies ReindexProblem);
    records.push({ path: file.path, threadId: file.threadId, size: file.size, mtimeMs: file.mtimeMs, byteOffset: 0, status: "failed", error: reason });
  }
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

/** `sessions/YYYY/MM/DD` folders plus `archived_sessions` (only those that exist). */
async function watchedDirs(home: string): Promise<{ dir: string; archived: boolean }[]> {
  const out: { dir: string; archived: boolean }[] = [];
  const sessions = join(home, SESSIONS_SUBDIR);
  const digits = async (dir: string, n: number) =>
    (await readdir(dir).catch(() => [] as string[])).filter((name) => name.length === n && /^\d+$/.test(name));
  for (const y of await digits(sessions, 4)) {
    for (const m of await digits(join(sessions, y), 2)) {
      for (const d of await digits(join(sessions, y, m), 2)) out.push({ dir: join(sessions, y, m, d), archived: false });
    }
  }
  if (existsSync(join(home, ARCHIVED_SESSIONS_SUBDIR))) out.push({ dir: join(home, ARCHIVED_SESSIONS_SUBDIR), archived: true });
  return out;
}

const dirKey = (home: string, dir: string) => `dir_mtime:${relative(home, dir)}`;
const SESSION_INDEX_KEY = "session_index_stat";

async function statKey(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st ? `${st.size}:${Math.trunc(st.mtimeMs)}` : undefined;
}

/** Remembers every watched folder's mtime and the session index's size/mtime. */
async function rememberDirs(ctx: SyncContext, db: StateDb): Promise<void> {
  for (const { dir } of await watchedDirs(ctx.home)) {
    const key = await statKey(dir);
    if (key) db.setMeta(dirKey(ctx.home, dir), key.split(":")[1]!);
  }
  const idx = await statKey(join(ctx.home, SESSION_INDEX_FILE));
  if (idx) db.setMeta(SESSION_INDEX_KEY, idx);
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
 * A never-indexed home, or `mode: "full"`, runs {@link reindexHome} instead.
 */
export async function catchUp(ctx: SyncContext, mode: "quick" | "full"): Promise<CatchUpReport | undefined> {
  const { db } = ctx;
  if (!db) return undefined;
  if (mode === "full" || db.getMeta(META_HOME_INDEXED_AT) === undefined) {
    return { mode: "full", staleLocks: 0, changedDirs: 0, indexedFiles: 0, removedRows: 0, renamed: 0, reindex: await reindexHome(ctx) };
  }
  const report: CatchUpReport = { mode: "quick", staleLocks: 0, changedDirs: 0, indexedFiles: 0, removedRows: 0, renamed: 0 };
  const names = (await readSessionIndex(ctx.home)).names;
  // 1. A dead writer may have appended history without its metadata patch: re-extract its file.
  for (const lock of listWriterLocks(ctx.home)) {
    const state = inspectWriterLock(lock.path);
    if (state.kind !== "stale") continue;
    const key = `stale_lock:${lock.threadId}`;
    if (db.getMeta(key) === state.holder.token) continue;
    const found = await findRolloutPath(ctx.home, lock.threadId, { includeArchived: true });
    if (found && (await indexPath(ctx, db, found.path, found.archived, names))) report.indexedFiles++;
    db.setMeta(key, state.holder.token);
    report.staleLocks++;
  }
  // 2. Folders whose mtime changed gained or lost files.
  const indexed = db.listIndexedFiles();
  for (const { dir, archived } of await watchedDirs(ctx.home)) {
    const mtime = (await statKey(dir))?.split(":")[1];
    if (mtime === undefined || db.getMeta(dirKey(ctx.home, dir)) === mtime) continue;
    report.changedDirs++;
    const present = new Set<string>();
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!parseRolloutFileName(name)) continue;
      const path = join(dir, name);
      present.add(path);
      if (!db.getIndexedFile(path) && (await indexPath(ctx, db, path, archived, names))) report.indexedFiles++;
    }
    for (const file of indexed) {
      if (dirname(file.path) !== dir || present.has(file.path)) continue;
      db.forgetIndexedFile(file.path);
      const row = file.threadId ? db.getThread(file.threadId) : undefined;
      if (!row || row.rolloutPath !== file.path) continue;
      const moved = await findRolloutPath(ctx.home, row.threadId, { includeArchived: true });
      if (moved) await indexPath(ctx, db, moved.path, moved.archived, names);
      else {
        db.deleteThread(row.threadId);
        report.removedRows++;
      }
    }
    db.setMeta(dirKey(ctx.home, dir), mtime);
  }
  // 3. Names changed by another writer of session_index.jsonl (e.g. Codex).
  const idxPath = join(ctx.home, SESSION_INDEX_FILE);
  const idxKey = await statKey(idxPath);
  if (idxKey && db.getMeta(SESSION_INDEX_KEY) !== idxKey) {
    const latest = new Map<string, string>();
    for (const entry of (await readSessionIndex(ctx.home)).entries) latest.set(entry.threadId, entry.name);
    for (const [threadId, name] of latest) {
      const row = db.getThread(threadId);
      if (!row || (row.name ?? "") === name) continue;
      db.applyMetadataPatch(threadId, { name: name === "" ? null : name });
      report.renamed++;
    }
    db.setMeta(SESSION_INDEX_KEY, idxKey);
  }
  return report;
}

async function indexPath(ctx: SyncContext, db: StateDb, path: string, archived: boolean, names: Map<string, string>): Promise<boolean> {
  const threadId = parseRolloutFileName(path)?.threadId;
  try {
    const existing = threadId ? db.getThread(threadId) : undefined;
    if (shadowedBy(existing, { path, archived })) return false;
    const { row, record } = await extractRow(ctx, { path, archived }, existing ? undefined : names.get(threadId ?? ""));
    db.upsertThread(row);
    db.recordIndexedFiles([record]);
    return true;
  } catch (error) {
    const st = await stat(path).catch(() => undefined);
    db.recordIndexedFiles([{
      path, ...(threadId ? { threadId } : {}), size: st?.size ?? 0, mtimeMs: Math.trunc(st?.mtimeMs ?? 0), byteOffset: 0,
      status: "failed", error: error instanceof Error ? error.message : String(error),
    }]);
    return false;
  }
}
