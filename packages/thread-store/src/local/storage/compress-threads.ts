import { statSync, unlinkSync } from "node:fs";
import type { ThreadId } from "@skein/protocol";
import { compressRolloutFile, compressedRolloutPath, plainRolloutPath, restorePlainRolloutSync } from "@skein/rollout";
import { recordFile } from "../index-sync.js";
import type { LocalStoreContext } from "../store-context.js";
import { crashPoint } from "./crash-points.js";
import { sizedThreads, type SizedThread } from "./storage-rows.js";
import { busyReason, withThreadLock } from "./thread-lock.js";

// `skein compress` / `skein decompress` (docs/storage-care.md, "Compress"): cold plain rollouts
// become `.jsonl.zst` the way Codex's own worker writes them (`compressRolloutFile`: the
// compressed file complete, verified and synced before the plain one goes), one thread at a
// time under its writer lock. Codex's index is left alone: Codex records the plain name and
// reads either form.

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
}

export async function compressThreads(ctx: LocalStoreContext, options: CompressThreadsOptions): Promise<CompressReport> {
  const cutoff = ctx.now() - options.olderThanMs;
  const wanted = options.threadIds ? new Set(options.threadIds.map((id) => id.toLowerCase())) : undefined;
  const candidates = (await sizedThreads(ctx)).filter(
    (t) => t.present && !t.compressed && (!options.archivedOnly || t.archived) && (!wanted || wanted.has(t.threadId)),
  );
  const report: CompressReport = { threads: [], tooRecent: 0, bytesBefore: 0, bytesAfter: 0, savedBytes: 0 };
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
    settle(report, entry, await withThreadLock(ctx, t.threadId as ThreadId, () => compressOne(ctx, t, cutoff, entry)));
  }
  return report;
}

async function compressOne(ctx: LocalStoreContext, t: SizedThread, cutoff: number, entry: CompressedThread): Promise<void> {
  // Re-checked under the lock: a writer may have appended between the listing and now.
  const st = statSync(t.rolloutPath, { throwIfNoEntry: false });
  if (!st) return void Object.assign(entry, { outcome: "skipped", reason: "file gone" });
  if (st.mtimeMs > cutoff) return void Object.assign(entry, { outcome: "skipped", reason: "modified inside the window" });
  entry.bytes = st.size;
  crashPoint("compress:before");
  let result = await compressRolloutFile(t.rolloutPath);
  if (result.outcome === "already_compressed") {
    // A `.zst` next to the plain file is the leftover of an interrupted move (the plain file wins
    // and is complete): drop it and compress again.
    unlinkSync(result.path);
    result = await compressRolloutFile(t.rolloutPath);
  }
  if (result.outcome !== "compressed") return void Object.assign(entry, { outcome: "skipped", reason: result.outcome === "changed" ? "changed while compressing" : "already compressed" });
  crashPoint("compress:after-file");
  await repointRow(ctx, t.threadId, t.rolloutPath, result.path);
  Object.assign(entry, { outcome: "compressed", path: result.path, newBytes: result.compressedBytes });
}

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
  const report: CompressReport = { threads: [], tooRecent: 0, bytesBefore: 0, bytesAfter: 0, savedBytes: 0 };
  for (const t of candidates.sort((a, b) => a.rolloutPath.localeCompare(b.rolloutPath))) {
    const entry: CompressedThread = { threadId: t.threadId, path: t.rolloutPath, bytes: t.bytes, outcome: "would-decompress" };
    report.threads.push(entry);
    if (options.dryRun) continue;
    const done = await withThreadLock(ctx, t.threadId as ThreadId, async () => {
      crashPoint("decompress:before");
      const plain = restorePlainRolloutSync(t.rolloutPath);
      crashPoint("decompress:after-file");
      await repointRow(ctx, t.threadId, compressedRolloutPath(plain), plain);
      Object.assign(entry, { outcome: "decompressed", path: plain, newBytes: statSync(plain).size });
    });
    settle(report, entry, done);
  }
  return report;
}

/** Records a thread's outcome: skipped when its lock was busy, else its sizes go into the totals. */
function settle(report: CompressReport, entry: CompressedThread, done: { busy: string } | { value: unknown }): void {
  if ("busy" in done) Object.assign(entry, { outcome: "skipped", reason: done.busy });
  if (entry.outcome !== "compressed" && entry.outcome !== "decompressed") return;
  report.bytesBefore += entry.bytes;
  report.bytesAfter += entry.newBytes!;
  report.savedBytes = report.bytesBefore - report.bytesAfter;
}

/** The index row and file record follow the file to its other form; the item index of the old name goes. */
async function repointRow(ctx: LocalStoreContext, threadId: string, from: string, to: string): Promise<void> {
  await ctx.itemIndexes.forget(plainRolloutPath(from));
  if (!ctx.db) return;
  const row = ctx.db.getThread(threadId);
  if (row && row.rolloutPath === from) ctx.db.upsertThread({ ...row, rolloutPath: to });
  ctx.db.forgetIndexedFile(from);
  await recordFile(ctx.db, to, threadId, ctx.now());
}
