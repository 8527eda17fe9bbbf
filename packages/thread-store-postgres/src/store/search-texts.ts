import { searchWords } from "@skein/protocol";
import { MessageCollector } from "@skein/rollout";
import type { PgStoreContext } from "./context.js";

// Keeps thread_search_texts (migration 0002, docs/search.md) in step with thread_items. Run
// before every search: whichever process searches first indexes what any writer appended,
// whatever path wrote the rows (append, import, copy). Idempotent (ON CONFLICT DO NOTHING).

/** PostgreSQL's limits: a lexeme under 2 KB, positions up to 16383. */
const MAX_LEXEME_BYTES = 2046;
const MAX_POSITION = 16_383;

/** A tsvector literal of `text`'s folded words with their positions (1-based, capped). */
export function tsvectorOf(text: string): string {
  const byWord = new Map<string, number[]>();
  let position = 0;
  for (const { word } of searchWords(text)) {
    position = Math.min(position + 1, MAX_POSITION);
    if (Buffer.byteLength(word) > MAX_LEXEME_BYTES) continue;
    const list = byWord.get(word);
    if (list) {
      if (list.length < 256 && list.at(-1) !== position) list.push(position);
    } else byWord.set(word, [position]);
  }
  return [...byWord].map(([word, positions]) => `'${word}':${positions.join(",")}`).join(" ");
}

interface StaleRow {
  thread_id: string;
  forked_from_id: string | null;
  base_thread_id: string | null;
  base_seq_exclusive: string | null;
  next_seq: string;
  done_seq: string | null;
  open_turn: string | null;
  name: string | null;
  indexed_name: string | null;
}

interface ItemRow {
  seq: string;
  ts: string;
  type: string;
  payload: unknown;
}

/** Reads every thread's history rows not yet in the search texts, then resolves copying forks. */
export async function syncSearchTexts(ctx: PgStoreContext): Promise<void> {
  const t = ctx.tables;
  const { rows: stale } = await ctx.pool.query<StaleRow>(
    `SELECT th.thread_id, th.forked_from_id, th.base_thread_id, th.base_seq_exclusive, th.next_seq, th.name,
            s.next_seq AS done_seq, s.open_turn, s.name AS indexed_name
       FROM ${t.threads} th LEFT JOIN ${t.searchState} s ON s.thread_id = th.thread_id
      WHERE s.thread_id IS NULL OR s.next_seq < th.next_seq OR s.name IS DISTINCT FROM th.name`,
  );
  for (const thread of stale) await syncThread(ctx, thread);
  await resolveInherited(ctx);
}

async function syncThread(ctx: PgStoreContext, thread: StaleRow): Promise<void> {
  const t = ctx.tables;
  const from = thread.done_seq !== null ? Number(thread.done_seq) : Number(thread.base_seq_exclusive ?? 0);
  const { rows } = await ctx.pool.query<ItemRow>(
    `SELECT seq, ts, type, payload FROM ${t.items} WHERE thread_id = $1 AND seq >= $2 ORDER BY seq`,
    [thread.thread_id, from],
  );
  let next = from;
  const texts: unknown[][] = [];
  let turn = thread.open_turn ?? undefined;
  for (const row of rows) {
    const seq = Number(row.seq);
    const collector = new MessageCollector({ itemCount: seq, ...(turn !== undefined ? { openTurnId: turn } : {}) });
    collector.item({ timestamp: row.ts, type: row.type, payload: row.payload });
    turn = collector.cursor().openTurnId;
    next = seq + 1;
    for (const m of collector.messages) {
      texts.push([thread.thread_id, m.position, m.turnId ?? null, m.role, m.atMs ?? null, m.text, tsvectorOf(m.text)]);
    }
  }
  const copyingFork = thread.forked_from_id !== null && thread.base_thread_id === null;
  const client = await ctx.pool.connect();
  try {
    await client.query("BEGIN");
    for (const values of texts) {
      await client.query(
        `INSERT INTO ${t.searchTexts} (thread_id, seq, turn_id, role, at_ms, text, words) VALUES ($1, $2, $3, $4, $5, $6, $7::tsvector)
         ON CONFLICT DO NOTHING`,
        values,
      );
    }
    if (thread.name !== thread.indexed_name) {
      await client.query(`DELETE FROM ${t.searchTexts} WHERE thread_id = $1 AND seq = -1`, [thread.thread_id]);
      if (thread.name) {
        await client.query(
          `INSERT INTO ${t.searchTexts} (thread_id, seq, role, text, words) VALUES ($1, -1, 'name', $2, $3::tsvector)`,
          [thread.thread_id, thread.name, tsvectorOf(thread.name)],
        );
      }
    }
    await client.query(
      `INSERT INTO ${t.searchState} (thread_id, next_seq, open_turn, name, inherited_open) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (thread_id) DO UPDATE SET next_seq = GREATEST(${t.searchState}.next_seq, EXCLUDED.next_seq), name = EXCLUDED.name,
         open_turn = CASE WHEN EXCLUDED.next_seq > ${t.searchState}.next_seq THEN EXCLUDED.open_turn ELSE ${t.searchState}.open_turn END`,
      [thread.thread_id, next, turn ?? null, thread.name, copyingFork],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    // A thread deleted meanwhile (foreign key) is simply gone; anything else is the caller's.
    if ((error as { code?: string }).code !== "23503") throw error;
  } finally {
    client.release();
  }
}

interface TextKey {
  seq: string;
  role: string;
  text: string;
}

/**
 * Marks a copying fork's leading texts that repeat its parent's lineage as inherited (found in
 * the parent only). The fork stays open while every own text so far repeats the lineage.
 */
async function resolveInherited(ctx: PgStoreContext): Promise<void> {
  const t = ctx.tables;
  const { rows: forks } = await ctx.pool.query<{ thread_id: string; forked_from_id: string }>(
    `SELECT s.thread_id, th.forked_from_id FROM ${t.searchState} s JOIN ${t.threads} th ON th.thread_id = s.thread_id
      WHERE s.inherited_open AND th.forked_from_id IS NOT NULL`,
  );
  for (const fork of forks) {
    const lineage = await lineageTexts(ctx, fork.forked_from_id, 0);
    const { rows: own } = await ctx.pool.query<TextKey>(
      `SELECT seq, role, text FROM ${t.searchTexts} WHERE thread_id = $1 AND seq >= 0 ORDER BY seq`,
      [fork.thread_id],
    );
    let k = 0;
    while (k < own.length && k < lineage.length && own[k]!.role === lineage[k]!.role && own[k]!.text === lineage[k]!.text) k++;
    if (k > 0) {
      await ctx.pool.query(`UPDATE ${t.searchTexts} SET inherited = true WHERE thread_id = $1 AND seq <= $2`, [fork.thread_id, own[k - 1]!.seq]);
    }
    if (k < own.length) await ctx.pool.query(`UPDATE ${t.searchState} SET inherited_open = false WHERE thread_id = $1`, [fork.thread_id]);
  }
}

async function lineageTexts(ctx: PgStoreContext, threadId: string, depth: number): Promise<TextKey[]> {
  const t = ctx.tables;
  const { rows: [thread] } = await ctx.pool.query<{ forked_from_id: string | null; base_thread_id: string | null }>(
    `SELECT forked_from_id, base_thread_id FROM ${t.threads} WHERE thread_id = $1`,
    [threadId],
  );
  if (!thread) return [];
  const { rows: own } = await ctx.pool.query<TextKey>(
    `SELECT seq, role, text FROM ${t.searchTexts} WHERE thread_id = $1 AND seq >= 0 AND NOT inherited ORDER BY seq`,
    [threadId],
  );
  if (thread.forked_from_id === null || thread.base_thread_id !== null || depth >= 64) return own;
  return [...(await lineageTexts(ctx, thread.forked_from_id, depth + 1)), ...own];
}
