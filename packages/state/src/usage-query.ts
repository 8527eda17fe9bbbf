import type Database from "better-sqlite3";

// `skein du` from the index (docs/storage-care.md, "du"): the threads grouped by everything a
// breakdown needs, with the sizes `indexed_files` recorded for their rollouts, in one pass; the
// largest threads; and the few rows whose file has no record (the caller stats those). Used by
// `StateDb.indexedUsage` and the read-only `ReadOnlyIndex.indexedUsage` alike.

/** Threads and bytes of one combination of the breakdown keys. */
export interface UsageCell {
  archived: boolean;
  compressed: boolean;
  /** `YYYY-MM` (UTC) of the thread's creation, or `unknown`. */
  month: string;
  cwd: string;
  source: string;
  threads: number;
  bytes: number;
}

/** One thread as the largest-threads list and the unsized rows show it. */
export interface UsageThread {
  threadId: string;
  rolloutPath: string;
  archived: boolean;
  compressed: boolean;
  updatedAtMs: number;
  month: string;
  cwd: string;
  source: string;
  /** Name, else title, else preview. */
  label: string;
  /** Recorded size; absent for an unsized row. */
  bytes?: number;
}

/** What {@link readIndexedUsage} returns. */
export interface IndexedUsage {
  /** Rows whose rollout has a size record, grouped. */
  cells: UsageCell[];
  /** The `largest` biggest of those, biggest first (ties by id). */
  largest: UsageThread[];
  /** Rows whose rollout has no record (never indexed under this path): sizes unknown. */
  unsized: UsageThread[];
}

const COMPRESSED = "substr(t.rollout_path, -10) = '.jsonl.zst'";
const DAY_MS = 86_400_000;
/** The UTC day of creation, floored (grouping by it and naming months in JS costs far less than `strftime` per row). */
const DAY = `(t.created_at_ms - ((t.created_at_ms % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS}) / ${DAY_MS}`;
const LABEL = "COALESCE(NULLIF(t.name, ''), NULLIF(t.title, ''), t.preview, '')";
const THREAD_COLUMNS = `t.id, t.rollout_path, t.archived, ${COMPRESSED} AS compressed, t.updated_at_ms, t.created_at_ms, t.cwd, t.source, ${LABEL} AS label`;

/** Where the passes read: the covering indexes of migration 0006, or (without them) the tables. */
interface UsageSources {
  threads: string;
  files: string;
}
// The grouping pass and the cut of the largest read only the covering indexes of migration 0006
// (named: the planner would otherwise walk `idx_threads_cwd` and look every row up again); the
// wide rows are read for the largest threads alone. A database whose indexes were dropped by hand
// is read from its tables (`NOT INDEXED`), slower and with the same answer.
const COVERING: UsageSources = { threads: "threads t INDEXED BY idx_threads_usage", files: "indexed_files f INDEXED BY idx_indexed_files_size" };
const TABLES: UsageSources = { threads: "threads t NOT INDEXED", files: "indexed_files f" };

/** Every row once: rows without a file record form their own groups (`sized` 0), so one pass tells whether any exist. */
const cellsSql = (from: UsageSources) => `SELECT t.archived, ${COMPRESSED} AS compressed, ${DAY} AS day, t.cwd, t.source, f.size IS NOT NULL AS sized, COUNT(*) AS threads, SUM(f.size) AS bytes
  FROM ${from.threads} LEFT JOIN ${from.files} ON f.path = t.rollout_path GROUP BY 1, 2, 3, 4, 5, 6`;
const largestSql = (from: UsageSources) => `WITH top AS (SELECT t.id AS id, f.size AS size FROM ${from.threads} JOIN ${from.files} ON f.path = t.rollout_path ORDER BY f.size DESC, t.id ASC LIMIT ?)
  SELECT ${THREAD_COLUMNS}, top.size AS bytes FROM top JOIN threads t ON t.id = top.id ORDER BY top.size DESC, top.id ASC`;
const UNSIZED_SQL = `SELECT ${THREAD_COLUMNS} FROM threads t WHERE NOT EXISTS (SELECT 1 FROM indexed_files f WHERE f.path = t.rollout_path)`;

/**
 * How much of the file the pass may map (SQLite's `mmap_size`): on this project's VM a `pread`
 * per page is dear; mapped, a cold pass over the `threads` table of 10k threads took ~7 ms
 * instead of ~30-65 ms, and the grouping pass over the covering indexes ~33 ms instead of ~42.
 */
const SCAN_MMAP_BYTES = 1 << 30;

interface SqlThread {
  id: string;
  rollout_path: string;
  archived: number;
  compressed: number;
  updated_at_ms: number;
  created_at_ms: number;
  cwd: string;
  source: string;
  label: string;
  bytes?: number;
}

function usageThread(r: SqlThread): UsageThread {
  const t: UsageThread = {
    threadId: r.id, rolloutPath: r.rollout_path, archived: r.archived === 1, compressed: r.compressed === 1,
    updatedAtMs: r.updated_at_ms, month: monthOf(r.created_at_ms), cwd: r.cwd, source: r.source, label: r.label,
  };
  if (r.bytes !== undefined) t.bytes = r.bytes;
  return t;
}

/** The `YYYY-MM` (UTC) of `ms`, or `unknown` (also what a per-file `du` groups by). */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "unknown" : d.toISOString().slice(0, 7);
}

/** Reads the index's view of disk usage (see {@link IndexedUsage}), with the file mapped while it reads. */
export function readIndexedUsage(db: Database.Database, prepare: (sql: string) => Database.Statement, largest: number): IndexedUsage {
  const mmapBefore = db.pragma("mmap_size", { simple: true }) as number;
  if (mmapBefore < SCAN_MMAP_BYTES) db.pragma(`mmap_size = ${SCAN_MMAP_BYTES}`);
  try {
    return readUsage(prepare, largest);
  } finally {
    if (mmapBefore < SCAN_MMAP_BYTES) db.pragma(`mmap_size = ${mmapBefore}`);
  }
}

interface SqlCell {
  archived: number;
  compressed: number;
  day: number;
  cwd: string;
  source: string;
  sized: number;
  threads: number;
  bytes: number | null;
}

const missingIndex = (error: unknown) => error instanceof Error && error.message.startsWith("no such index");

function readUsage(prepare: (sql: string) => Database.Statement, largest: number): IndexedUsage {
  try {
    return readUsageFrom(COVERING, prepare, largest);
  } catch (error) {
    if (!missingIndex(error)) throw error;
    return readUsageFrom(TABLES, prepare, largest);
  }
}

function readUsageFrom(from: UsageSources, prepare: (sql: string) => Database.Statement, largest: number): IndexedUsage {
  const cells = new Map<string, UsageCell>();
  let unsizedRows = 0;
  for (const c of prepare(cellsSql(from)).all() as SqlCell[]) {
    if (c.sized === 0) {
      unsizedRows += c.threads;
      continue;
    }
    const month = monthOf(c.day * DAY_MS);
    const key = JSON.stringify([c.archived, c.compressed, month, c.cwd, c.source]);
    const cell = cells.get(key);
    const bytes = c.bytes ?? 0;
    if (cell) {
      cell.threads += c.threads;
      cell.bytes += bytes;
    } else {
      cells.set(key, { archived: c.archived === 1, compressed: c.compressed === 1, month, cwd: c.cwd, source: c.source, threads: c.threads, bytes });
    }
  }
  const top = largest > 0 && cells.size > 0 ? (prepare(largestSql(from)).all(largest) as SqlThread[]).map(usageThread) : [];
  const unsized = unsizedRows > 0 ? (prepare(UNSIZED_SQL).all() as SqlThread[]).map(usageThread) : [];
  return { cells: [...cells.values()], largest: top, unsized };
}
