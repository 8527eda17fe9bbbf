import { formatRolloutTimestamp, type RolloutItem, type RolloutLine } from "@skein/protocol";
import type { Pool, PoolClient } from "pg";
import type { Tables } from "./sql.js";

/**
 * A history record ready to insert. The raw line is kept in two halves so the sequence
 * number can become the `ordinal` of a paginated thread inside the INSERT itself:
 * `raw = head + (paginated ? ',"ordinal":<seq>' : '') + tail`, Codex's key order.
 */
export interface PreparedLine {
  ts: string;
  type: string;
  payload: string;
  metadata: string | null;
  head: string;
  tail: string;
}

/** Prepares `item` stamped at `nowMs`. One `JSON.stringify` per part; nothing is parsed. */
export function prepareItem(item: RolloutItem, nowMs: number): PreparedLine {
  const ts = formatRolloutTimestamp(nowMs);
  const payload = JSON.stringify(item.payload) ?? "null";
  const metadata = item.metadata === undefined ? null : JSON.stringify(item.metadata);
  const head = `{"timestamp":${JSON.stringify(ts)}`;
  const tail = `,"type":${JSON.stringify(item.type)},"payload":${payload}${metadata === null ? "" : `,"metadata":${metadata}`}}`;
  return { ts, type: item.type, payload, metadata, head, tail };
}

/**
 * Prepares an existing line (an import) so that its raw text is kept byte for byte: the
 * whole line is the head and the tail is empty, and no ordinal is added.
 */
export function prepareRawLine(raw: string, line: RolloutLine): PreparedLine {
  const metadata = (line as { metadata?: unknown }).metadata;
  return {
    ts: line.timestamp,
    type: line.type,
    payload: JSON.stringify(line.payload) ?? "null",
    metadata: metadata === undefined ? null : JSON.stringify(metadata),
    head: raw,
    tail: "",
  };
}

/**
 * jsonb cannot hold U+0000, which tool output sometimes contains. The raw line keeps the
 * truth; the jsonb copy (for queries only) gets U+FFFD instead, and only on this rare path.
 */
function jsonbSafe(json: string | null): string | null {
  if (json === null || !json.includes("\\u0000")) return json;
  return JSON.stringify(JSON.parse(json), (_key, value: unknown) =>
    typeof value === "string" ? value.replaceAll("\u0000", "\ufffd") : value,
  );
}

/** Column arrays for the `unnest` insert. */
export function lineArrays(lines: readonly PreparedLine[]): string[][] & { length: 6 } {
  const ts: string[] = [];
  const type: string[] = [];
  const payload: (string | null)[] = [];
  const metadata: (string | null)[] = [];
  const head: string[] = [];
  const tail: string[] = [];
  for (const line of lines) {
    ts.push(line.ts);
    type.push(line.type);
    payload.push(jsonbSafe(line.payload));
    metadata.push(jsonbSafe(line.metadata));
    head.push(line.head);
    tail.push(line.tail);
  }
  return [ts, type, payload, metadata, head, tail] as string[][] & { length: 6 };
}

/** `SELECT … FROM unnest(…)` over the six arrays starting at placeholder `$<first>`. */
export function unnestSource(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[])
    WITH ORDINALITY AS u(ts, type, payload, metadata, head, tail, ord)`;
}

/** Inserts `lines` as `threadId`'s rows from `firstSeq` on (inside the caller's transaction). */
export async function insertLines(
  client: PoolClient,
  tables: Tables,
  threadId: string,
  firstSeq: number,
  paginated: boolean,
  lines: readonly PreparedLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await client.query(
    `INSERT INTO ${tables.items} (thread_id, seq, ts, type, payload, metadata, raw)
     SELECT $1, $2::bigint + u.ord - 1, u.ts, u.type, u.payload::jsonb, u.metadata::jsonb,
            u.head || CASE WHEN $3 THEN ',"ordinal":' || ($2::bigint + u.ord - 1) ELSE '' END || u.tail
     FROM ${unnestSource(4)}`,
    [threadId, firstSeq, paginated, ...lineArrays(lines)],
  );
}

/** One segment of a resolved history: `threadId`'s own rows with `from <= seq < to`. */
interface Segment {
  threadId: string;
  from: number;
  to: number;
}

interface ChainRow {
  thread_id: string;
  base_thread_id: string | null;
  base_seq_exclusive: string | null;
  next_seq: string;
}

/**
 * The segments that make up `threadId`'s history, oldest first: a fork's parent prefix
 * (recursively) and then its own rows. Undefined when the thread has no row.
 */
export async function historySegments(db: Pool | PoolClient, tables: Tables, threadId: string): Promise<Segment[] | undefined> {
  const { rows } = await db.query<ChainRow>(
    `WITH RECURSIVE chain(thread_id, base_thread_id, base_seq_exclusive, next_seq, depth) AS (
       SELECT thread_id, base_thread_id, base_seq_exclusive, next_seq, 0 FROM ${tables.threads} WHERE thread_id = $1
       UNION ALL
       SELECT t.thread_id, t.base_thread_id, t.base_seq_exclusive, t.next_seq, c.depth + 1
       FROM chain c JOIN ${tables.threads} t ON t.thread_id = c.base_thread_id
       WHERE c.depth < 1000
     )
     SELECT thread_id, base_thread_id, base_seq_exclusive, next_seq FROM chain ORDER BY depth`,
    [threadId],
  );
  if (rows.length === 0) return undefined;
  const segments: Segment[] = [];
  let limit = Number.MAX_SAFE_INTEGER;
  for (const row of rows) {
    const from = row.base_seq_exclusive === null ? 0 : Number(row.base_seq_exclusive);
    const to = Math.min(Number(row.next_seq), limit);
    if (to > from) segments.unshift({ threadId: row.thread_id, from, to });
    limit = Math.min(limit, from);
    if (row.base_thread_id === null) break;
  }
  return segments;
}

/** The raw lines of the segments, in order (one query; fork prefixes are read in place). */
export async function readRawLines(db: Pool | PoolClient, tables: Tables, segments: readonly Segment[]): Promise<string[]> {
  if (segments.length === 0) return [];
  const values: unknown[] = [];
  const parts = segments.map((s, i) => {
    values.push(s.threadId, s.from, s.to);
    const n = values.length;
    return `(SELECT ${i} AS part, seq, raw FROM ${tables.items} WHERE thread_id = $${n - 2} AND seq >= $${n - 1} AND seq < $${n})`;
  });
  const { rows } = await db.query<{ raw: string }>(`${parts.join(" UNION ALL ")} ORDER BY part, seq`, values);
  return rows.map((r) => r.raw);
}

/** Parses raw lines into `RolloutLine`s (plain JSON.parse: the rows were valid when written). */
export function parseLines(raw: readonly string[]): RolloutLine[] {
  return raw.map((line) => JSON.parse(line) as RolloutLine);
}
