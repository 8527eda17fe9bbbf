import type pg from "pg";
import type { ThreadId } from "@skein/protocol";
import { parseThreadId, ThreadNotFoundError, type ThreadIdParams } from "@skein/thread-store";
import { historySegments } from "../internal/history-rows.js";
import { guard, transaction, type PgStoreContext } from "./context.js";

// deleteThread: forks first get a copy of the prefix they inherit, so nothing of theirs is lost.

export async function deleteThread(ctx: PgStoreContext, params: ThreadIdParams): Promise<void> {
  const threadId = parseThreadId(params?.threadId);
  return guard(async () => {
    const writer = ctx.writers.get(threadId);
    ctx.writers.delete(threadId);
    await writer?.queue.catch(() => undefined);
    const deleted = await transaction(ctx, async (client) => {
      const { rows } = await client.query(`SELECT 1 FROM ${ctx.tables.threads} WHERE thread_id = $1 FOR UPDATE`, [threadId]);
      if (rows.length === 0) return false;
      await detachForks(ctx, client, threadId);
      await client.query(`DELETE FROM ${ctx.tables.threads} WHERE thread_id = $1`, [threadId]);
      await client.query(`DELETE FROM ${ctx.tables.writers} WHERE thread_id = $1`, [threadId]);
      return true;
    });
    ctx.leases.forget(threadId);
    if (!deleted) {
      if (writer) await ctx.leases.release(threadId);
      throw new ThreadNotFoundError(threadId);
    }
  });
}

/** Copies each fork's inherited prefix into the fork, so deleting its parent loses nothing. */
export async function detachForks(ctx: PgStoreContext, client: pg.PoolClient, threadId: ThreadId): Promise<void> {
  const { rows } = await client.query<{ thread_id: string }>(
    `SELECT thread_id FROM ${ctx.tables.threads} WHERE base_thread_id = $1 FOR UPDATE`,
    [threadId],
  );
  for (const { thread_id: forkId } of rows) {
    const segments = (await historySegments(client, ctx.tables, forkId)) ?? [];
    for (const segment of segments.filter((s) => s.threadId !== forkId)) {
      await client.query(
        `INSERT INTO ${ctx.tables.items} (thread_id, seq, ts, type, payload, metadata, raw)
         SELECT $1, seq, ts, type, payload, metadata, raw FROM ${ctx.tables.items}
         WHERE thread_id = $2 AND seq >= $3 AND seq < $4`,
        [forkId, segment.threadId, segment.from, segment.to],
      );
    }
    await client.query(
      `UPDATE ${ctx.tables.threads} SET base_thread_id = NULL, base_seq_exclusive = NULL WHERE thread_id = $1`,
      [forkId],
    );
  }
}
