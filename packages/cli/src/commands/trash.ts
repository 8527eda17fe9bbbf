import type { CommandContext } from "../context.js";
import { formatBytes } from "../format/format-bytes.js";
import { parseDuration } from "../format/parse-duration.js";
import { withStore } from "../open-store.js";
import { assertLocalStore } from "../store-location.js";

/** `skein trash list [--json]`. */
export async function trashListCommand(ctx: CommandContext, options: { json?: boolean }): Promise<void> {
  assertLocalStore(ctx.store, "trash", "the trash lives in a local home");
  const entries = await withStore(ctx.home, async (store) => store.storage().listTrash(), { codexSync: ctx.codexSync });
  if (options.json) {
    ctx.out.line(JSON.stringify({ items: entries }, null, 2));
    return;
  }
  if (entries.length === 0) {
    ctx.out.line("the trash is empty");
    return;
  }
  for (const e of entries) {
    const label = e.summary.label.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?").slice(0, 60);
    ctx.out.line(`${e.threadId}  ${new Date(e.trashedAtMs).toISOString().slice(0, 16).replace("T", " ")}  ${e.reason.padEnd(6)}  ${formatBytes(e.bytes).padStart(8)}  ${label}`);
  }
  ctx.out.line(`${entries.length} threads, ${formatBytes(entries.reduce((n, e) => n + e.bytes, 0))} in the trash`);
}

/** `skein trash restore <id>…`. */
export async function trashRestoreCommand(ctx: CommandContext, ids: string[]): Promise<void> {
  assertLocalStore(ctx.store, "trash", "the trash lives in a local home");
  await withStore(ctx.home, async (store) => {
    for (const id of ids) {
      const report = await store.storage().restore(id);
      for (const restored of report.restored) ctx.out.line(`restored ${restored}${restored !== id.toLowerCase() ? ` (fork parent of ${id})` : ""}`);
    }
  }, { codexSync: ctx.codexSync });
}

/** `skein trash empty [--older-than 30d] [--dry-run] --yes`. */
export async function trashEmptyCommand(ctx: CommandContext, options: { olderThan?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  assertLocalStore(ctx.store, "trash", "the trash lives in a local home");
  const olderThanMs = options.olderThan === undefined ? undefined : parseDuration("--older-than", options.olderThan);
  const report = await withStore(ctx.home, (store) => store.storage().emptyTrash({ ...(olderThanMs !== undefined && { olderThanMs }), dryRun: options.dryRun ?? false }), {
    codexSync: ctx.codexSync,
  });
  if (options.json) {
    ctx.out.line(JSON.stringify(report, null, 2));
    return;
  }
  for (const r of report.removed) ctx.out.line(`${options.dryRun ? "would delete" : "deleted"} ${r.threadId}  ${formatBytes(r.bytes)}`);
  for (const k of report.kept) ctx.out.line(`kept ${k.threadId}: ${k.reason}`);
  ctx.out.line(`${options.dryRun ? "dry run: would delete" : "deleted"} ${report.removed.length} threads for good (${formatBytes(report.bytes)}); ${report.kept.length} kept`);
}
