import { resolve } from "node:path";
import type { ThreadId } from "@skein/protocol";
import type { LocalStoreContext } from "../store-context.js";
import { forkParents } from "./fork-parents.js";
import { labelOf, sizedThreads, type SizedThread } from "./storage-rows.js";
import { busyReason } from "./thread-lock.js";
import { recoverTrash, trashThread } from "./trash.js";
import { isWithin } from "../home-paths.js";

// `skein prune` (docs/storage-care.md, "Prune"): threads matching every filter go to the trash.
// A thread a kept paginated fork reads through `history_base` is kept, and the dry run says why.

/** Filters of {@link pruneThreads}; a thread must match every one given. */
export interface PruneOptions {
  /** Not updated (and file not modified) for this long (ms). */
  olderThanMs?: number;
  /** Source is one of these (`cli`, `exec`, `vscode`, `subagent`, …). */
  sources?: readonly string[];
  /** Rollout larger than this many bytes on disk. */
  largerThanBytes?: number;
  archivedOnly?: boolean;
  /** Started in one of these folders or below them (absolute). */
  cwds?: readonly string[];
  dryRun?: boolean;
}

/** One thread in the prune plan. */
export interface PrunedThread {
  threadId: string;
  label: string;
  bytes: number;
  archived: boolean;
  updatedAtMs: number;
  outcome: "trashed" | "would-trash" | "kept" | "skipped";
  /** Why it was kept or skipped. */
  reason?: string;
}

/** What {@link pruneThreads} did (or would do). */
export interface PruneReport {
  threads: PrunedThread[];
  /** Bytes moved (or that would move) to the trash. */
  bytes: number;
}

export async function pruneThreads(ctx: LocalStoreContext, options: PruneOptions): Promise<PruneReport> {
  recoverTrash(ctx);
  const all = (await sizedThreads(ctx)).filter((t) => t.present);
  const cutoff = options.olderThanMs === undefined ? undefined : ctx.now() - options.olderThanMs;
  const sources = options.sources?.map((s) => s.toLowerCase());
  const cwds = options.cwds?.map((c) => resolve(c));
  const matches = (t: SizedThread): boolean =>
    (cutoff === undefined || (t.updatedAtMs <= cutoff && t.mtimeMs <= cutoff)) &&
    (!sources || sources.includes(t.source.toLowerCase())) &&
    (options.largerThanBytes === undefined || t.bytes > options.largerThanBytes) &&
    (!options.archivedOnly || t.archived) &&
    (!cwds || cwds.some((c) => t.cwd !== "" && isWithin(c, t.cwd)));
  const chosen = new Map(all.filter(matches).map((t) => [t.threadId, t]));
  // Keep every chosen thread a kept fork reads through, and, in turn, that thread's own parent.
  const parents = forkParents(all);
  const keptBecause = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [parent, children] of parents) {
      const child = children.find((c) => !chosen.has(c));
      if (chosen.has(parent) && child !== undefined) {
        chosen.delete(parent);
        keptBecause.set(parent, child);
        changed = true;
      }
    }
  }
  const report: PruneReport = { threads: [], bytes: 0 };
  const byId = new Map(all.map((t) => [t.threadId, t]));
  for (const [parent, child] of keptBecause) {
    const t = byId.get(parent)!;
    report.threads.push({ ...summary(ctx, t), outcome: "kept", reason: `kept: fork ${child} reads its history through it (history_base); prune the fork too to remove it` });
  }
  for (const t of [...chosen.values()].sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.threadId.localeCompare(b.threadId))) {
    const item: PrunedThread = { ...summary(ctx, t), outcome: options.dryRun ? "would-trash" : "trashed" };
    const busy = busyReason(ctx, t.threadId as ThreadId);
    if (busy) Object.assign(item, { outcome: "skipped", reason: busy });
    else if (!options.dryRun) {
      try {
        await trashThread(ctx, t.threadId as ThreadId, "prune");
      } catch (error) {
        Object.assign(item, { outcome: "skipped", reason: (error as Error).message });
      }
    }
    if (item.outcome !== "skipped") report.bytes += item.bytes;
    report.threads.push(item);
  }
  return report;
}

function summary(ctx: LocalStoreContext, t: SizedThread): Pick<PrunedThread, "threadId" | "label" | "bytes" | "archived" | "updatedAtMs"> {
  return { threadId: t.threadId, label: labelOf(ctx, t), bytes: t.bytes, archived: t.archived, updatedAtMs: t.updatedAtMs };
}
