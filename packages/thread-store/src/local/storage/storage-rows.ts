import { statSync } from "node:fs";
import { sessionSourceKey } from "@skein/protocol";
import { isCompressedRolloutPath, readHeadSummary, scanRolloutFiles } from "@skein/rollout";
import type { StorageRow } from "@skein/state";
import type { LocalStoreContext } from "../store-context.js";
import { RolloutPathGuard } from "../home-paths.js";

// The rows storage care works on (docs/storage-care.md): every thread of the home with the size
// of its file on disk. From the index when there is one (one query, one stat per file); from a
// scan of the folders and each file's head in files-only mode.

/** A thread with its file's size and form. */
export interface SizedThread extends StorageRow {
  /** Size on disk of the rollout (`0` when the file vanished since it was indexed). */
  bytes: number;
  /** Modification time of the file on disk. */
  mtimeMs: number;
  compressed: boolean;
  /** False when the indexed file is gone (the next index catch-up drops the row). */
  present: boolean;
}

/** Every thread of the home, with its file's size (stat now, not the index's record). */
export async function sizedThreads(ctx: LocalStoreContext): Promise<SizedThread[]> {
  const rows = ctx.db ? ctx.db.listStorageRows() : await rowsFromFiles(ctx);
  // Storage care moves and removes files: a row whose path leads outside this home's rollout
  // folders (a moved or copied home's index, a link out) is treated as gone, never touched.
  const guard = new RolloutPathGuard(ctx.home);
  return rows.map((row) => {
    // The guard's own stat of the file (one per row) gives its size and mtime.
    const state = guard.inspect(row.rolloutPath);
    const st = state.kind === "file" || state.kind === "empty" ? state.stats : state.kind === "not_file" ? statSync(row.rolloutPath, { throwIfNoEntry: false }) : undefined;
    return {
      ...row,
      bytes: st?.size ?? 0,
      mtimeMs: st?.mtimeMs ?? row.updatedAtMs,
      compressed: isCompressedRolloutPath(row.rolloutPath),
      present: st !== undefined,
    };
  });
}

async function rowsFromFiles(ctx: LocalStoreContext): Promise<StorageRow[]> {
  const rows: StorageRow[] = [];
  for (const file of await scanRolloutFiles(ctx.home)) {
    let summary;
    try {
      summary = readHeadSummary(file.path);
    } catch {
      continue; // empty or unreadable: not a thread
    }
    const row: StorageRow = {
      threadId: file.threadId,
      rolloutPath: file.path,
      createdAtMs: summary.createdAtMs ?? file.fileNameTimestampMs,
      updatedAtMs: Math.trunc(file.mtimeMs),
      archived: file.archived,
      source: sessionSourceKey(summary.source),
      cwd: summary.cwd,
      historyMode: summary.historyMode,
      label: summary.preview ?? "",
    };
    if (summary.forkedFromId) row.forkedFromId = summary.forkedFromId;
    rows.push(row);
  }
  return rows;
}

/** A thread's display label: its name, else its title, else its preview (one row read from the index). */
export function labelOf(ctx: LocalStoreContext, t: StorageRow): string {
  if (t.label !== undefined) return t.label;
  const row = ctx.db?.getThread(t.threadId);
  return row?.name || row?.title || row?.preview || "";
}
