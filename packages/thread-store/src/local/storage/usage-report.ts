import { statSync } from "node:fs";
import { join } from "node:path";
import { monthOf, type IndexedUsage, type UsageCell, type UsageThread } from "@skein/state/read-only";

export { monthOf };
import { SKEIN_STATE_DB_FILE } from "../home-files.js";
import { listCompleteEntries } from "./trash-layout.js";

// The `skein du` report (docs/storage-care.md, "du") and how it is put together from groups of
// threads: the same code whether the groups come from the index (one GROUP BY, the sizes the index
// recorded) or from every file (`--deep`, files-only homes). Loads nothing heavy: the read-only
// path (read-only/, docs/cli-startup.md) uses it too.

/** Threads and bytes of one group. */
export interface UsageTally {
  threads: number;
  bytes: number;
}

/** One row of a breakdown. */
export interface UsageGroup extends UsageTally {
  key: string;
}

/** One of the largest threads. */
export interface LargeThread {
  threadId: string;
  label: string;
  bytes: number;
  archived: boolean;
  compressed: boolean;
  path: string;
  updatedAtMs: number;
}

/** What compressing the plain rollouts would save. */
export interface CompressionEstimate {
  /** Bytes on disk of plain (`.jsonl`) rollouts. */
  plainBytes: number;
  /** Estimated bytes saved by compressing them all. */
  savingsBytes: number;
  /** `measured`: zstd was run over each plain file (`--deep`); `assumed`: {@link ASSUMED_COMPRESSION_RATIO}. */
  basis: "measured" | "assumed";
}

/** What `--deep` adds. */
export interface DeepUsage {
  /** Plain-text bytes of every thread (compressed ones decoded). */
  plainTextBytes: number;
  /** Plain-text bytes inside inline `data:image/…` URLs. */
  imageBytes: number;
  /** Files that could not be read (named in `unreadable`). */
  unreadable: { path: string; error: string }[];
}

/** The whole report. */
export interface DiskUsageReport {
  home: string;
  total: UsageTally;
  active: UsageTally;
  archived: UsageTally;
  plain: UsageTally;
  compressed: UsageTally;
  /** By the month the thread was created (`YYYY-MM`, UTC), newest first. */
  byMonth: UsageGroup[];
  /** By working directory, largest first. */
  byCwd: UsageGroup[];
  /** By source (`cli`, `exec`, `vscode`, `subagent`, …), largest first. */
  bySource: UsageGroup[];
  largest: LargeThread[];
  compression: CompressionEstimate;
  /** Threads in Skein's trash (`.skein/trash/`). */
  trash: UsageTally;
  /** Index databases: Skein's (`skein_state_1.sqlite`) and Codex's (`state_5.sqlite`), with their WAL files. */
  indexes: { skein: number; codex: number };
  deep?: DeepUsage;
}

/** Options of {@link diskUsage}. */
export interface DiskUsageOptions {
  /** Read every file (image bytes, measured compression). */
  deep?: boolean;
  /** How many largest threads to list (default 10). */
  largest?: number;
}

/** zstd level 3 shrinks real rollouts about 4× (29 MB → 7.3 MB of real-world rollouts). */
export const ASSUMED_COMPRESSION_RATIO = 4;

/** A thread's sized facts, as the report groups them (an index cell of one thread, or one file). */
export type UsageInput = { cells: UsageCell[]; threads: (UsageThread & { bytes: number })[] };

/**
 * The report from index usage: recorded sizes for the grouped rows, a `stat` for each unsized
 * row (one whose file vanished is left out, as the next catch-up drops it), the trash and the index
 * files. `largest` threads are listed.
 */
export function reportFromIndexedUsage(home: string, usage: IndexedUsage, largest: number): DiskUsageReport {
  const cells = [...usage.cells];
  const candidates = usage.largest.map((t) => ({ ...t, bytes: t.bytes ?? 0 }));
  for (const t of usage.unsized) {
    const st = statSync(t.rolloutPath, { throwIfNoEntry: false });
    if (!st) continue;
    cells.push({ archived: t.archived, compressed: t.compressed, month: t.month, cwd: t.cwd, source: t.source, threads: 1, bytes: st.size });
    candidates.push({ ...t, bytes: st.size });
  }
  return usageReport(home, { cells, threads: candidates }, largest);
}

/** Groups `input` into the report (the compression estimate assumes {@link ASSUMED_COMPRESSION_RATIO}). */
export function usageReport(home: string, input: UsageInput, largest: number): DiskUsageReport {
  const { cells } = input;
  const tally = (pick: (c: UsageCell) => boolean): UsageTally => sum(cells.filter(pick));
  const plain = tally((c) => !c.compressed);
  return {
    home,
    total: sum(cells),
    active: tally((c) => !c.archived),
    archived: tally((c) => c.archived),
    plain,
    compressed: tally((c) => c.compressed),
    byMonth: groupBy(cells, (c) => c.month).sort((a, b) => compareText(b.key, a.key)),
    byCwd: groupBy(cells, (c) => c.cwd || "(none)").sort(largestFirst),
    bySource: groupBy(cells, (c) => c.source).sort(largestFirst),
    largest: [...input.threads]
      .sort((a, b) => b.bytes - a.bytes || compareText(a.threadId, b.threadId))
      .slice(0, largest)
      .map((t) => ({
        threadId: t.threadId,
        label: t.label,
        bytes: t.bytes,
        archived: t.archived,
        compressed: t.compressed,
        path: t.rolloutPath,
        updatedAtMs: t.updatedAtMs,
      })),
    compression: { plainBytes: plain.bytes, savingsBytes: Math.round(plain.bytes * (1 - 1 / ASSUMED_COMPRESSION_RATIO)), basis: "assumed" },
    trash: trashTally(home),
    indexes: { skein: sqliteBytes(join(home, SKEIN_STATE_DB_FILE)), codex: sqliteBytes(join(home, "state_5.sqlite")) },
  };
}

function sum(cells: readonly { threads: number; bytes: number }[]): UsageTally {
  let bytes = 0;
  let threads = 0;
  for (const c of cells) {
    bytes += c.bytes;
    threads += c.threads;
  }
  return { threads, bytes };
}

function groupBy(cells: readonly UsageCell[], keyOf: (c: UsageCell) => string): UsageGroup[] {
  const groups = new Map<string, UsageGroup>();
  for (const c of cells) {
    const key = keyOf(c);
    const group = groups.get(key) ?? { key, threads: 0, bytes: 0 };
    group.threads += c.threads;
    group.bytes += c.bytes;
    groups.set(key, group);
  }
  return [...groups.values()];
}

const largestFirst = (a: UsageGroup, b: UsageGroup): number => b.bytes - a.bytes || compareText(a.key, b.key);

/**
 * Code-unit order: stable across locales, and no ICU collator to load (`localeCompare`'s first
 * call cost ~10 ms of a ~150 ms `skein du` process, measured).
 */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function trashTally(home: string): UsageTally {
  const entries = listCompleteEntries(home);
  return { threads: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0) };
}

function sqliteBytes(path: string): number {
  let bytes = 0;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) bytes += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return bytes;
}
