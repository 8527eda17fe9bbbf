import { resolve } from "node:path";
import type { PruneOptions } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../format/format-bytes.js";
import { parseDuration, parseSize } from "../format/parse-duration.js";
import { withStore } from "../open-store.js";
import { assertLocalStore } from "../store-location.js";

/** Options of `skein prune`, as parsed. */
export interface PruneCommandOptions {
  olderThan?: string;
  source?: string[];
  largerThan?: string;
  archivedOnly?: boolean;
  cwd?: string[];
  dryRun?: boolean;
  json?: boolean;
}

/** `skein prune`: threads matching every filter go to the trash (docs/storage-care.md). */
export async function pruneCommand(ctx: CommandContext, options: PruneCommandOptions): Promise<void> {
  assertLocalStore(ctx.store, "prune", "the trash lives in a local home");
  const filters: PruneOptions = {
    ...(options.olderThan !== undefined && { olderThanMs: parseDuration("--older-than", options.olderThan) }),
    ...(options.source !== undefined && { sources: options.source }),
    ...(options.largerThan !== undefined && { largerThanBytes: parseSize("--larger-than", options.largerThan) }),
    ...(options.archivedOnly && { archivedOnly: true }),
    ...(options.cwd !== undefined && { cwds: options.cwd.map((dir) => resolve(ctx.cwd, dir)) }),
  };
  if (Object.keys(filters).length === 0) throw new UsageError("skein prune needs at least one filter: --older-than, --source, --larger-than, --archived-only or --cwd");
  const report = await withStore(ctx.home, (store) => store.storage().prune({ ...filters, dryRun: options.dryRun ?? false }), { codexSync: ctx.codexSync });
  if (options.json) {
    ctx.out.line(JSON.stringify(report, null, 2));
    return;
  }
  for (const t of report.threads) {
    const label = t.label.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?").slice(0, 60);
    ctx.out.line(`${t.outcome.padEnd(12)} ${t.threadId}  ${formatBytes(t.bytes).padStart(8)}  ${t.archived ? "archived  " : ""}${label}${t.reason ? `\n${" ".repeat(13)}${t.reason}` : ""}`);
  }
  const moving = report.threads.filter((t) => t.outcome === "trashed" || t.outcome === "would-trash").length;
  const kept = report.threads.filter((t) => t.outcome === "kept").length;
  const skipped = report.threads.filter((t) => t.outcome === "skipped").length;
  const tail = `${kept} kept as fork parents, ${skipped} skipped`;
  if (options.dryRun) ctx.out.line(`dry run: would move ${moving} threads (${formatBytes(report.bytes)}) to the trash; ${tail}; nothing changed`);
  else ctx.out.line(`moved ${moving} threads (${formatBytes(report.bytes)}) to the trash; ${tail}; \`skein trash list\` shows them, \`skein trash restore <id>\` brings one back`);
}
