import type { ThreadId } from "@skein/protocol";
import { appendSessionName, scanRolloutFiles } from "@skein/rollout";
import { ConflictError, InvalidRequestError, ThreadNotFoundError } from "../errors.js";
import { parseThreadId } from "../history/index.js";
import { importedRow, planImport, writeNewRollout } from "./import-thread.js";
import { recordFile } from "./index-sync.js";
import { internal } from "./live-writers.js";
import { existsDurably, locate } from "./locate-thread.js";
import { readRawHistory } from "./raw-history.js";
import { syncThreadMessages } from "./message-sync.js";
import type { LocalStoreContext } from "./store-context.js";
import type { ImportThreadParams, LoadRawHistoryParams } from "./types.js";
import { WriterLock } from "./writer-lock.js";

// Whole-thread copy (used by copyThreads of @skein/thread-store-postgres): raw history out, a whole thread in, every id.

/**
 * The thread's full history as its exact stored lines, lineage prefix first: line `i` is the
 * text of `loadHistory(...).items[i]` (unparsable lines are skipped by both).
 *
 * @throws ThreadNotFoundError for an unknown id; InvalidRequestError for an archived thread
 *   without `includeArchived`.
 */
export async function loadRawHistory(ctx: LocalStoreContext, params: LoadRawHistoryParams): Promise<string[]> {
  const threadId = parseThreadId(params?.threadId);
  const loc = await locate(ctx, threadId, params.includeArchived ?? false);
  if (!loc) throw new ThreadNotFoundError(threadId);
  return (await readRawHistory(ctx.home, loc.path)).map((l) => l.raw);
}

/**
 * Stores a whole thread as given: its own lines, byte for byte (`raw` when given), in a new
 * rollout under `sessions/YYYY/MM/DD/` (or `archived_sessions/` when `thread.archived`), named
 * like the source's file; its name in `session_index.jsonl`; its summary in the index. The
 * file's mtime is `thread.updatedAt`. A fork's inherited prefix (the lines before its own
 * `session_meta`) is not written: its parent must already be here with the same prefix.
 * The file appears atomically, and nothing existing is ever overwritten.
 *
 * @throws ConflictError when the thread (or its file) already exists, or has a live writer.
 * @throws InvalidRequestError for a bad id, a history without the thread's own `session_meta`,
 *   or a fork whose parent prefix is not in this home.
 */
export async function importThread(ctx: LocalStoreContext, params: ImportThreadParams): Promise<void> {
  const threadId = parseThreadId(params?.thread?.threadId);
  if (!Array.isArray(params.lines)) throw new InvalidRequestError("invalid lines: expected an array");
  ctx.writers.assertFree(threadId);
  const lock = await WriterLock.acquire(ctx.home, threadId, ctx.now());
  try {
    if (await existsDurably(ctx, threadId)) throw new ConflictError(`thread ${threadId} already exists`);
    const plan = await planImport(ctx.home, threadId, params);
    await writeNewRollout(plan, { mtimeMs: params.thread.updatedAt, fsync: ctx.fsync });
    if (params.thread.name) {
      await appendSessionName(ctx.home, { threadId, name: params.thread.name, updatedAt: new Date(params.thread.updatedAt) });
    }
    if (ctx.db) {
      try {
        ctx.db.upsertThread(importedRow(params.thread, plan));
      } catch (error) {
        throw internal(`failed to index imported thread ${threadId}`, error);
      }
      await recordFile(ctx.db, plan.path, threadId, ctx.now());
      // Searchable at once, and a later reindex finds the file current (its row is left as imported).
      syncThreadMessages(ctx, threadId, plan.path);
    }
  } finally {
    lock.release();
  }
}

/**
 * Every thread with a rollout file here, active and archived, listable or not (a list hides
 * threads with an empty preview). Oldest file name first, so a fork's parent comes before it.
 */
export async function listThreadIds(ctx: LocalStoreContext): Promise<ThreadId[]> {
  const files = (await scanRolloutFiles(ctx.home)).sort(
    (a, b) => a.fileNameTimestampMs - b.fileNameTimestampMs || (a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0),
  );
  return [...new Set(files.map((f) => f.threadId))];
}
