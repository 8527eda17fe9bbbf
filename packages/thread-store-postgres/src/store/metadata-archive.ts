import { isEmptyPatch } from "@skein/protocol";
import { parseMetadataPatch, parseThreadId, ThreadNotFoundError, type ThreadIdParams, type ThreadRecord, type UpdateThreadMetadataParams } from "@skein/thread-store";
import { patchSetList, THREAD_COLUMNS, toStoredThread, type ThreadRow } from "../internal/sql.js";
import { guard, rowOf, rolloutSafe, type PgStoreContext } from "./context.js";

// updateThreadMetadata (the literal patch contract), archiveThread, unarchiveThread.

export async function updateThreadMetadata(ctx: PgStoreContext, params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  const patch = parseMetadataPatch(params.patch);
  return guard(async () => {
    if (isEmptyPatch(patch)) return toStoredThread(await rowOf(ctx, threadId));
    const { clauses, values } = patchSetList(patch, 1);
    const rows = await rolloutSafe(ctx, patch.rolloutPath, () =>
      ctx.pool.query<ThreadRow>(
        `UPDATE ${ctx.tables.threads} SET ${clauses.join(", ")} WHERE thread_id = $1 RETURNING ${THREAD_COLUMNS}`,
        [threadId, ...values],
      ),
    );
    if (!rows[0]) throw new ThreadNotFoundError(threadId);
    return toStoredThread(rows[0]);
  });
}

export async function archiveThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    // Archive is not activity: only archived_at moves (and stays on a repeated archive).
    const { rowCount } = await ctx.pool.query(
      `UPDATE ${ctx.tables.threads} SET archived = true, archived_at_ms = COALESCE(archived_at_ms, $2) WHERE thread_id = $1`,
      [threadId, ctx.now()],
    );
    if (rowCount === 0) throw new ThreadNotFoundError(threadId);
  });
}

export async function unarchiveThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<ThreadRecord> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    // Codex bumps updated_at on unarchive, so the thread sorts as freshly updated.
    const { rows } = await ctx.pool.query<ThreadRow>(
      `UPDATE ${ctx.tables.threads}
       SET updated_at_ms = CASE WHEN archived THEN GREATEST(updated_at_ms, $2) ELSE updated_at_ms END,
           archived = false, archived_at_ms = NULL
       WHERE thread_id = $1 RETURNING ${THREAD_COLUMNS}`,
      [threadId, ctx.now()],
    );
    if (!rows[0]) throw new ThreadNotFoundError(threadId);
    return toStoredThread(rows[0]);
  });
}
