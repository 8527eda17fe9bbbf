import type { CompressReport } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { formatBytes } from "../format/format-bytes.js";
import { parseDuration } from "../format/parse-duration.js";
import { withStore } from "../open-store.js";
import { resolveThread } from "../resolve-thread.js";
import { assertLocalStore } from "../store-location.js";

/** Options of `skein compress`. */
export interface CompressOptions {
  olderThan?: string;
  archived?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Options of `skein decompress`. */
export interface DecompressOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** Codex's compression worker leaves files younger than this alone. */
const DEFAULT_WINDOW = "7d";

/** `skein compress [<id|name>…]`: cold plain rollouts become `.jsonl.zst` (docs/storage-care.md). */
export async function compressCommand(ctx: CommandContext, refs: string[], options: CompressOptions): Promise<void> {
  assertLocalStore(ctx.store, "compress", "it compresses the rollout files of a home");
  const olderThanMs = parseDuration("--older-than", options.olderThan ?? DEFAULT_WINDOW);
  const report = await withStore(ctx.home, async (store) => {
    const threadIds = await resolveRefs(ctx, store, refs);
    return store.storage().compress({ olderThanMs, archivedOnly: options.archived ?? false, dryRun: options.dryRun ?? false, ...(threadIds && { threadIds }) });
  }, { codexSync: ctx.codexSync });
  printReport(ctx, report, options, "compress");
}

/** `skein decompress [<id|name>…]`: compressed rollouts back to plain `.jsonl`. */
export async function decompressCommand(ctx: CommandContext, refs: string[], options: DecompressOptions): Promise<void> {
  assertLocalStore(ctx.store, "decompress", "it rewrites the rollout files of a home");
  const report = await withStore(ctx.home, async (store) => {
    const threadIds = await resolveRefs(ctx, store, refs);
    return store.storage().decompress({ dryRun: options.dryRun ?? false, ...(threadIds && { threadIds }) });
  }, { codexSync: ctx.codexSync });
  printReport(ctx, report, options, "decompress");
}

async function resolveRefs(ctx: CommandContext, store: Parameters<typeof resolveThread>[0], refs: string[]): Promise<string[] | undefined> {
  if (refs.length === 0) return undefined;
  const ids: string[] = [];
  for (const ref of refs) ids.push((await resolveThread(store, ref, ctx.where, { warn: ctx.out.error })).threadId);
  return ids;
}

function printReport(ctx: CommandContext, report: CompressReport, options: { dryRun?: boolean; json?: boolean }, verb: "compress" | "decompress"): void {
  if (options.json) {
    ctx.out.line(JSON.stringify(report, null, 2));
    return;
  }
  for (const t of report.threads) {
    const size = t.newBytes !== undefined ? `${formatBytes(t.bytes)} -> ${formatBytes(t.newBytes)}` : formatBytes(t.bytes);
    ctx.out.line(`${t.outcome.padEnd(16)} ${t.threadId}  ${size}${t.reason ? `  (${t.reason})` : ""}`);
  }
  const done = report.threads.filter((t) => t.outcome === "compressed" || t.outcome === "decompressed").length;
  const would = report.threads.filter((t) => t.outcome.startsWith("would-")).length;
  const skipped = report.threads.filter((t) => t.outcome === "skipped").length;
  const recent = report.tooRecent > 0 ? `, ${report.tooRecent} too recent` : "";
  if (options.dryRun) {
    const bytes = report.threads.filter((t) => t.outcome.startsWith("would-")).reduce((n, t) => n + t.bytes, 0);
    ctx.out.line(`dry run: would ${verb} ${would} threads (${formatBytes(bytes)}), ${skipped} skipped${recent}; nothing changed`);
    return;
  }
  const change =
    verb === "compress" ? `saved ${formatBytes(report.savedBytes)} (${formatBytes(report.bytesBefore)} -> ${formatBytes(report.bytesAfter)})` : `${formatBytes(report.bytesBefore)} -> ${formatBytes(report.bytesAfter)}`;
  ctx.out.line(`${verb}ed ${done} threads, ${skipped} skipped${recent}; ${change}`);
  if (report.staleTempsRemoved > 0) ctx.out.line(`removed ${report.staleTempsRemoved} temp file(s) left by an interrupted compress`);
}
