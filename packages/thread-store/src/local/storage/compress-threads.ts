import { statSync, type Stats } from "node:fs";
import type { ThreadId } from "@skein/protocol";
import {
  compressRolloutFiles,
  compressedRolloutPath,
  plainRolloutPath,
  preloadRolloutCompression,
  restorePlainRolloutSync,
  type CompressBatchStep,
} from "@skein/rollout";
import type { MovedRollout } from "@skein/state";
import type { LocalStoreContext } from "../store-context.js";
import type { WriterLock } from "../writer-lock.js";
import { crashPoint } from "./crash-points.js";
import { removeStaleRolloutTemps } from "./stale-temps.js";
import { sizedThreads, type SizedThread } from "./storage-rows.js";
import { busyReason, takeThreadLocks, withThreadLock } from "./thread-lock.js";
import { unlinkIfPresent } from "./trash-layout.js";

// `skein compress` / `skein decompress` (docs/storage-care.md, "Compress"): cold plain rollouts
// become `.jsonl.zst` the way Codex's own worker writes them (`compressRolloutFiles`: each
// compressed file complete, verified and synced before its plain one goes), in batches whose
// threads are all under their writer locks. Codex's index is left alone: Codex records the plain
// name and reads either form.

/** Options of {@link compressThreads}. */
export interface CompressThreadsOptions {
  /** Only files not modified for this long (ms). Codex's worker uses 7 days. */
  olderThanMs: number;
  /** Only archived threads. */
  archivedOnly?: boolean;
  /** Only these threads (default: all that qualify). */
  threadIds?: readonly string[];
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
}

/** What happened to one thread. */
export interface CompressedThread {
  threadId: string;
  path: string;
  /** Size before. */
  bytes: number;
  /** Size after (absent when skipped or in a dry run). */
  newBytes?: number;
  outcome: "compressed" | "decompressed" | "would-compress" | "would-decompress" | "skipped";
  /** Why it was skipped. */
  reason?: string;
}

/** What {@link compressThreads} / {@link decompressThreads} did. */
export interface CompressReport {
  threads: CompressedThread[];
  /** Plain threads left alone because they changed inside the window. */
  tooRecent: number;
  /** Bytes before and after, over the threads changed. */
  bytesBefore: number;
  bytesAfter: number;
  /** `bytesBefore - bytesAfter` (negative for decompress). */
  savedBytes: number;
  /** Temp files of an interrupted compress or decompress removed first (docs/storage-care.md, "Leftovers"). */
  staleTempsRemoved: number;
}

/** Threads compressed per batch (their locks held together, one fsync pass, one index write). */
const BATCH_THREADS = 128;
/** Plain bytes per batch, at most (a single larger thread makes a batch of its own). */
const BATCH_BYTES = 64 << 20;

/**
 * Batches under way at once: one moved into place (fsync waits, links, unlinks, index) while the
 * next is locked and encoded, so the encoder works through the first one's waits.
 */
const BATCHES_IN_FLIGHT = 2;

export async function compressThreads(ctx: LocalStoreContext, options: CompressThreadsOptions): Promise<CompressReport> {
  if (!options.dryRun) preloadRolloutCompression();
  const cutoff = ctx.now() - options.olderThanMs;
  const wanted = options.threadIds ? new Set(options.threadIds.map((id) => id.toLowerCase())) : undefined;
  const candidates = (await sizedThreads(ctx)).filter(
    (t) => t.present && !t.compressed && (!options.archivedOnly || t.archived) && (!wanted || wanted.has(t.threadId)),
  );
  const report: CompressReport = { threads: [], tooRecent: 0, bytesBefore: 0, bytesAfter: 0, savedBytes: 0, staleTempsRemoved: 0 };
  // Temp files of an earlier compress that was killed (none is written by a live one: see stale-temps.ts).
  if (!options.dryRun) report.staleTempsRemoved = removeStaleRolloutTemps(ctx).length;
  let batch: { thread: SizedThread; entry: CompressedThread }[] = [];
  let batchBytes = 0;
  const running: Promise<void>[] = [];
  const start = async (items: typeof batch): Promise<void> => {
    if (running.length >= BATCHES_IN_FLIGHT) await running.shift();
    const done = compressBatch(ctx, items, cutoff);
    done.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    running.push(done);
  };
  try {
    for (const t of candidates.sort((a, b) => a.rolloutPath.localeCompare(b.rolloutPath))) {
      if (t.mtimeMs > cutoff || t.updatedAtMs > cutoff) {
        report.tooRecent++;
        continue;
      }
      const entry: CompressedThread = { threadId: t.threadId, path: t.rolloutPath, bytes: t.bytes, outcome: "would-compress" };
      report.threads.push(entry);
      if (options.dryRun) {
        const busy = busyReason(ctx, t.threadId as ThreadId);
        if (busy) Object.assign(entry, { outcome: "skipped", reason: busy });
        continue;
      }
      if (batch.length > 0 && (batch.length >= BATCH_THREADS || batchBytes + t.bytes > BATCH_BYTES)) {
        await start(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push({ thread: t, entry });
      batchBytes += t.bytes;
    }
    if (batch.length > 0) await start(batch);
  } finally {
    // Every batch started ends (its locks released) before this returns or throws.
    const failed = (await Promise.allSettled(running)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
  for (const entry of report.threads) settle(report, entry);
  return report;
}

/**
 * One batch: each thread's writer lock taken (a busy thread is skipped), the file re-checked
 * under it, all files compressed together (`compressRolloutFiles`: the ordering that keeps one
 * complete form on disk at every moment), the index moved to the new names in one transaction,
 * the locks released.
 */
async function compressBatch(ctx: LocalStoreContext, batch: readonly { thread: SizedThread; entry: CompressedThread }[], cutoff: number): Promise<void> {
  const locks: WriterLock[] = [];
  try {
    const ready: { thread: SizedThread; entry: CompressedThread; st: Stats }[] = [];
    const taken = await takeThreadLocks(ctx, batch.map((item) => item.thread.threadId as ThreadId));
    for (const t of taken) if ("lock" in t) locks.push(t.lock);
    for (const [i, item] of batch.entries()) {
      const lock = taken[i]!;
      if ("busy" in lock) {
        Object.assign(item.entry, { outcome: "skipped", reason: lock.busy });
        continue;
      }
      // Re-checked under the lock: a writer may have appended between the listing and now.
      const st = statSync(item.thread.rolloutPath, { throwIfNoEntry: false });
      if (!st) Object.assign(item.entry, { outcome: "skipped", reason: "file gone" });
      else if (st.mtimeMs > cutoff) Object.assign(item.entry, { outcome: "skipped", reason: "modified inside the window" });
      else {
        item.entry.bytes = st.size;
        // A `.zst` next to the plain file is the leftover of an interrupted move (the plain file
        // wins and is complete): dropped, and the thread compressed again.
        unlinkIfPresent(compressedRolloutPath(item.thread.rolloutPath));
        ready.push({ ...item, st });
      }
    }
    if (ready.length === 0) return;
    crashPoint("compress:before");
    const results = await compressRolloutFiles(
      ready.map((item) => item.thread.rolloutPath),
      // The stats just taken under the locks are the ones the move checks the files against.
      { onStep: (step) => crashPoint(STEP_CRASH_POINTS[step]), sourceStats: ready.map((item) => item.st) },
    );
    const moved: MovedRollout[] = [];
    results.forEach((result, i) => {
      const { thread, entry } = ready[i]!;
      if (result.outcome !== "compressed") {
        Object.assign(entry, { outcome: "skipped", reason: result.outcome === "changed" ? "changed while compressing" : "already compressed" });
        return;
      }
      Object.assign(entry, { outcome: "compressed", path: result.path, newBytes: result.compressedBytes });
      moved.push({ threadId: thread.threadId, from: thread.rolloutPath, to: result.path, size: result.compressedBytes!, mtimeMs: result.mtimeMs!, plainBytes: result.sourceBytes });
    });
    await repointRows(ctx, moved);
  } finally {
    for (const lock of locks) lock.release();
  }
}

/** Where the torture campaign can kill a compress (docs/storage-care.md, "Crash safety"). */
const STEP_CRASH_POINTS: Record<CompressBatchStep, string> = {
  "temps-synced": "compress:after-temps",
  linked: "compress:after-link",
  "plain-removed": "compress:after-file",
};

/** Options of {@link decompressThreads}. */
export interface DecompressThreadsOptions {
  /** Only these threads (default: every compressed thread). */
  threadIds?: readonly string[];
  dryRun?: boolean;
}

/** `skein decompress`: compressed threads back to plain `.jsonl` (as Codex does before an append). */
export async function decompressThreads(ctx: LocalStoreContext, options: DecompressThreadsOptions): Promise<CompressReport> {
  const wanted = options.threadIds ? new Set(options.threadIds.map((id) => id.toLowerCase())) : undefined;
  const candidates = (await sizedThreads(ctx)).filter((t) => t.present && t.compressed && (!wanted || wanted.has(t.threadId)));
  const report: CompressReport = { threads: [], tooRecent: 0, bytesBefore: 0, bytesAfter: 0, savedBytes: 0, staleTempsRemoved: 0 };
  for (const t of candidates.sort((a, b) => a.rolloutPath.localeCompare(b.rolloutPath))) {
    const entry: CompressedThread = { threadId: t.threadId, path: t.rolloutPath, bytes: t.bytes, outcome: "would-decompress" };
    report.threads.push(entry);
    if (options.dryRun) continue;
    const done = await withThreadLock(ctx, t.threadId as ThreadId, async () => {
      crashPoint("decompress:before");
      const plain = restorePlainRolloutSync(t.rolloutPath);
      crashPoint("decompress:after-file");
      const st = statSync(plain);
      await repointRows(ctx, [{ threadId: t.threadId, from: compressedRolloutPath(plain), to: plain, size: st.size, mtimeMs: st.mtimeMs, plainBytes: st.size }]);
      Object.assign(entry, { outcome: "decompressed", path: plain, newBytes: st.size });
    });
    if ("busy" in done) Object.assign(entry, { outcome: "skipped", reason: done.busy });
    settle(report, entry);
  }
  return report;
}

/** Adds a changed thread's sizes to the totals. */
function settle(report: CompressReport, entry: CompressedThread): void {
  if (entry.outcome !== "compressed" && entry.outcome !== "decompressed") return;
  report.bytesBefore += entry.bytes;
  report.bytesAfter += entry.newBytes!;
  report.savedBytes = report.bytesBefore - report.bytesAfter;
}

/**
 * The index rows and file records follow the files to their other form, in one transaction
 * (`recordMovedRollouts`: only the path changes; each row keeps its name, dates and preview);
 * the item index of each old name goes.
 */
async function repointRows(ctx: LocalStoreContext, moved: readonly MovedRollout[]): Promise<void> {
  await ctx.itemIndexes.forgetMany(moved.map((m) => plainRolloutPath(m.from)));
  ctx.db?.recordMovedRollouts(moved);
}
