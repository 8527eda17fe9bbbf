import { statSync } from "node:fs";
import { join } from "node:path";
import { measureRolloutStorage } from "@skein/rollout";
import type { LocalStoreContext } from "../store-context.js";
import { labelOf, sizedThreads, type SizedThread } from "./storage-rows.js";
import { listCompleteEntries } from "./trash-layout.js";

// `skein du`: where a home's bytes are (docs/storage-care.md). Fast by default (the index and
// one stat per file); `deep` reads every file once for inline-image bytes and real zstd sizes.

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

export async function diskUsage(ctx: LocalStoreContext, options: DiskUsageOptions = {}): Promise<DiskUsageReport> {
  const threads = (await sizedThreads(ctx)).filter((t) => t.present);
  const tally = (pick: (t: SizedThread) => boolean): UsageTally => sum(threads.filter(pick));
  const plain = tally((t) => !t.compressed);
  const report: DiskUsageReport = {
    home: ctx.home,
    total: sum(threads),
    active: tally((t) => !t.archived),
    archived: tally((t) => t.archived),
    plain,
    compressed: tally((t) => t.compressed),
    byMonth: groupBy(threads, (t) => monthOf(t.createdAtMs)).sort((a, b) => b.key.localeCompare(a.key)),
    byCwd: groupBy(threads, (t) => t.cwd || "(none)").sort(largestFirst),
    bySource: groupBy(threads, (t) => t.source).sort(largestFirst),
    largest: [...threads]
      .sort((a, b) => b.bytes - a.bytes || a.threadId.localeCompare(b.threadId))
      .slice(0, options.largest ?? 10)
      .map((t) => ({
        threadId: t.threadId,
        label: labelOf(ctx, t),
        bytes: t.bytes,
        archived: t.archived,
        compressed: t.compressed,
        path: t.rolloutPath,
        updatedAtMs: t.updatedAtMs,
      })),
    compression: { plainBytes: plain.bytes, savingsBytes: Math.round(plain.bytes * (1 - 1 / ASSUMED_COMPRESSION_RATIO)), basis: "assumed" },
    trash: trashTally(ctx),
    indexes: { skein: sqliteBytes(join(ctx.home, "skein_state_1.sqlite")), codex: sqliteBytes(join(ctx.home, "state_5.sqlite")) },
  };
  if (options.deep) {
    const deep: DeepUsage = { plainTextBytes: 0, imageBytes: 0, unreadable: [] };
    let savings = 0;
    for (const t of threads) {
      try {
        const stats = await measureRolloutStorage(t.rolloutPath);
        deep.plainTextBytes += stats.plainBytes;
        deep.imageBytes += stats.imageBytes;
        if (!t.compressed) savings += Math.max(0, stats.diskBytes - stats.zstdBytes);
      } catch (error) {
        deep.unreadable.push({ path: t.rolloutPath, error: (error as Error).message });
      }
    }
    report.compression = { plainBytes: plain.bytes, savingsBytes: savings, basis: "measured" };
    report.deep = deep;
  }
  return report;
}

function sum(threads: readonly { bytes: number }[]): UsageTally {
  let bytes = 0;
  for (const t of threads) bytes += t.bytes;
  return { threads: threads.length, bytes };
}

function groupBy(threads: readonly SizedThread[], keyOf: (t: SizedThread) => string): UsageGroup[] {
  const groups = new Map<string, UsageGroup>();
  for (const t of threads) {
    const key = keyOf(t);
    const group = groups.get(key) ?? { key, threads: 0, bytes: 0 };
    group.threads++;
    group.bytes += t.bytes;
    groups.set(key, group);
  }
  return [...groups.values()];
}

const largestFirst = (a: UsageGroup, b: UsageGroup): number => b.bytes - a.bytes || a.key.localeCompare(b.key);

function monthOf(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "unknown" : d.toISOString().slice(0, 7);
}

function trashTally(ctx: LocalStoreContext): UsageTally {
  const entries = listCompleteEntries(ctx.home);
  return { threads: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0) };
}

function sqliteBytes(path: string): number {
  let bytes = 0;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) bytes += statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return bytes;
}
