import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { ThreadId } from "@skein/protocol";
import { extractThreadMetadata, isArchivedPath, loadThreadHistory, parseRolloutFileName, readSessionNames } from "@skein/rollout";
import type { ThreadRow } from "@skein/state";
import { InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { archivedThreadDetail } from "../history/index.js";
import type { ThreadRecord } from "../types.js";
import { RolloutPathGuard, findUsableRollout, outsideHomeDetail, type UsableRollout } from "./home-paths.js";
import { recordFile } from "./index-sync.js";
import { internal } from "./live-writers.js";
import type { LocalStoreContext, Located } from "./store-context.js";
import { applyPatchToRow, rowFromExtracted, storedThreadFromRow, type ExtractedMetadata } from "./thread-row-mapping.js";

// Finding a thread's rollout and its summary row; the index row is repaired on the way (the files are the truth).

/** True when the thread has a rollout with content (a 0-byte file is a thread never written). */
export async function existsDurably(ctx: LocalStoreContext, threadId: ThreadId): Promise<boolean> {
  const row = ctx.db?.getThread(threadId);
  if (row && new RolloutPathGuard(ctx.home).usable(row.rolloutPath)) return true;
  return (await findUsableRollout(ctx.home, threadId)) !== undefined;
}

/**
 * Finds a thread's rollout: the live writer's file, then the index row (when its file still
 * exists and is named for the thread), then a search of the folders, repairing the row on the
 * way. An archived result with `includeArchived` false → `InvalidRequestError("thread <id> is archived")`.
 */
export async function locate(ctx: LocalStoreContext, threadId: ThreadId, includeArchived: boolean): Promise<Located | undefined> {
  const found = await locateAny(ctx, threadId);
  if (found && "refused" in found) throw new InvalidRequestError(outsideHomeDetail(found.refused, ctx.home));
  if (found?.archived && !includeArchived) throw new InvalidRequestError(archivedThreadDetail(threadId));
  return found;
}

export async function locateAny(ctx: LocalStoreContext, threadId: ThreadId): Promise<Located | Extract<UsableRollout, { refused: string }> | undefined> {
  const writer = ctx.writers.get(threadId);
  if (writer?.recorder.materialized && existsSync(writer.recorder.path)) {
    return { path: writer.recorder.path, archived: isArchivedPath(ctx.home, writer.recorder.path) };
  }
  const row = ctx.db?.getThread(threadId);
  if (row && parseRolloutFileName(row.rolloutPath)?.threadId === threadId.toLowerCase() && new RolloutPathGuard(ctx.home).usable(row.rolloutPath)) {
    return { path: row.rolloutPath, archived: isArchivedPath(ctx.home, row.rolloutPath) };
  }
  // Files that are empty (never written) or lead outside the home count as no file.
  let hit = await findUsableRollout(ctx.home, threadId);
  // A file that another process moves between folders can slip past one scan (active, then archived).
  if (!hit && row) hit = await findUsableRollout(ctx.home, threadId);
  const found = hit && !("refused" in hit) ? hit : undefined;
  if (ctx.db) {
    if (found) await indexFile(ctx, threadId, found.path, found.archived);
    // The file vanished: drop the stale row, unless another process has moved the thread meanwhile.
    else if (row && ctx.db.getThread(threadId)?.rolloutPath === row.rolloutPath) ctx.db.deleteThread(threadId);
  }
  return hit;
}

/** Extracts a file into the index (insert or refresh), keeping an existing row's name. */
export async function indexFile(ctx: LocalStoreContext, threadId: ThreadId, path: string, archived: boolean): Promise<ThreadRow | undefined> {
  const db = ctx.db;
  if (!db) return undefined;
  const existing = db.getThread(threadId);
  let extracted: ExtractedMetadata;
  try {
    extracted = await extractMetadata(ctx, path);
  } catch (error) {
    // Moved before it could be read (another process archiving or unarchiving it): the mover
    // updates the row; a reader must not fail because of it.
    if (!existsSync(path)) return db.getThread(threadId);
    throw error;
  }
  const name = existing ? undefined : (await readSessionNames(ctx.home)).get(threadId);
  // Moved while it was read: the mover updates the row, and a row for the old place written
  // now would undo that.
  if (!existsSync(path)) return db.getThread(threadId);
  const row = rowFromExtracted(extracted, { archived, name, defaultModelProvider: ctx.defaultProvider });
  db.upsertThread(row);
  await recordFile(db, path, threadId, ctx.now());
  return db.getThread(threadId);
}

export async function extractMetadata(ctx: LocalStoreContext, path: string): Promise<ExtractedMetadata> {
  try {
    return (await extractThreadMetadata(path, { defaultProvider: ctx.defaultProvider })) as ExtractedMetadata;
  } catch (error) {
    throw internal(`failed to read rollout ${path}`, error);
  }
}

/** The thread's summary row: from the index (created from the file when missing) or from the file. */
export async function rowFor(ctx: LocalStoreContext, threadId: ThreadId, loc: Located): Promise<ThreadRow> {
  if (ctx.db) {
    const row = ctx.db.getThread(threadId);
    if (row && row.rolloutPath === loc.path && row.archived === loc.archived) return row;
    const indexed = await indexFile(ctx, threadId, loc.path, loc.archived);
    if (indexed) return indexed;
  }
  return fileRow(ctx, threadId, loc);
}

/** Files-only summary: extracted from the file (cached by size+mtime), named from the session index, patched from the sidecar. */
export async function fileRow(ctx: LocalStoreContext, threadId: ThreadId, loc: Located, names?: Map<string, string>): Promise<ThreadRow> {
  const st = await stat(loc.path);
  const cached = ctx.fileRowCache.get(loc.path);
  let row: ThreadRow;
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
    row = cached.row;
  } else {
    row = rowFromExtracted(await extractMetadata(ctx, loc.path), { archived: loc.archived, defaultModelProvider: ctx.defaultProvider });
    ctx.fileRowCache.set(loc.path, { size: st.size, mtimeMs: st.mtimeMs, row });
  }
  const name = (names ?? (await readSessionNames(ctx.home))).get(threadId);
  const patched = applyPatchToRow({ ...row, ...(name ? { name } : {}) }, await ctx.sidecar.read(threadId));
  if (!name) delete (patched as { name?: string }).name;
  return patched;
}

export async function recordOf(ctx: LocalStoreContext, threadId: ThreadId, loc: Located, includeHistory: boolean): Promise<ThreadRecord> {
  const thread: ThreadRecord = storedThreadFromRow(await rowFor(ctx, threadId, loc));
  if (includeHistory) thread.history = await historyLines(ctx, loc.path);
  return thread;
}

export async function historyLines(ctx: LocalStoreContext, path: string) {
  try {
    return (await loadThreadHistory({ home: ctx.home, path })).lines;
  } catch (error) {
    throw internal(`failed to load history from ${path}`, error);
  }
}

export async function pathOf(ctx: LocalStoreContext, threadId: ThreadId, includeArchived: boolean): Promise<string> {
  const loc = await locate(ctx, threadId, includeArchived);
  if (!loc) throw new ThreadNotFoundError(threadId);
  return loc.path;
}
