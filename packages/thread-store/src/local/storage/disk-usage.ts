import { measureRolloutStorage } from "@skein/rollout";
import type { LocalStoreContext } from "../store-context.js";
import { labelOf, sizedThreads } from "./storage-rows.js";
import { monthOf, reportFromIndexedUsage, usageReport, type DeepUsage, type DiskUsageOptions, type DiskUsageReport } from "./usage-report.js";

// `skein du`: where a home's bytes are (docs/storage-care.md). Fast by default: from the index
// (grouped in SQL, with the sizes it recorded; usage-report.ts); `deep` stats and reads every
// file once for its size now, inline-image bytes and real zstd sizes.

export * from "./usage-report.js";

export async function diskUsage(ctx: LocalStoreContext, options: DiskUsageOptions = {}): Promise<DiskUsageReport> {
  const largest = options.largest ?? 10;
  if (ctx.db && !options.deep) return reportFromIndexedUsage(ctx.home, ctx.db.indexedUsage(largest), largest);
  const threads = (await sizedThreads(ctx)).filter((t) => t.present);
  const sized = threads.map((t) => ({
    threadId: t.threadId, rolloutPath: t.rolloutPath, archived: t.archived, compressed: t.compressed, updatedAtMs: t.updatedAtMs,
    month: monthOf(t.createdAtMs), cwd: t.cwd, source: t.source, label: "", bytes: t.bytes,
  }));
  const cells = sized.map((t) => ({ archived: t.archived, compressed: t.compressed, month: t.month, cwd: t.cwd, source: t.source, threads: 1, bytes: t.bytes }));
  const report = usageReport(ctx.home, { cells, threads: sized }, largest);
  const byId = new Map(threads.map((t) => [t.threadId, t]));
  for (const t of report.largest) t.label = labelOf(ctx, byId.get(t.threadId)!);
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
    report.compression = { plainBytes: report.plain.bytes, savingsBytes: savings, basis: "measured" };
    report.deep = deep;
  }
  return report;
}
