import { statement, type Connection } from "./internal/connection.js";
import { MESSAGE_ID_SPAN } from "./thread-messages.js";

// The ranking step of content search (docs/search.md "Ranking" and "Query cost"): which threads
// make the page, before any row, message or snippet is read.

/** A name match outranks a message match of the same bm25 by this factor. */
export const SUMMARY_WEIGHT = 2;
/** bm25 (a small negative float, lower is better) → an integer score, higher is better (cursor-safe). */
export const SCORE_SCALE = 1_000_000_000;

/** A matching thread of the page before its row is read. */
export interface RankedThread {
  seq: number;
  score: number;
  id: string;
  updated_at_ms: number;
}

export interface RankThreadsInput {
  /** FTS5 query over `thread_messages_fts`. */
  messageMatch: string;
  /** FTS5 query over `threads_fts` (the name). */
  summaryMatch: string;
  sort: "relevance" | "updated";
  /** Conditions on `t` (threads), with their parameters in order. */
  where: readonly string[];
  whereParams: readonly (string | number)[];
  /** Keyset position of the previous page's last thread. */
  position?: { value: number; id: string } | undefined;
  /** Rows wanted: the page size plus one. */
  limit: number;
}

const NAME_HIT_SQL = "SELECT 1 FROM threads_fts WHERE threads_fts MATCH ? LIMIT 1";

/**
 * The best `limit` matching threads, best first (score or last update, then id, descending).
 * Messages are grouped by thread from the FTS rowid alone (seq << 24 | n: no join per hit); each
 * matching thread is then looked up by its seq (CROSS JOIN keeps that order: walking every thread
 * of the collection to probe the hits costs more than the search itself for a rare term), and
 * only (seq, score, id) is sorted. In relevance order only the best candidates by score are
 * looked up at all; when the filters leave that short, the full lookup runs.
 */
export function rankThreads(conn: Connection, input: RankThreadsInput): RankedThread[] {
  // Names rarely match: without a name hit, one grouping of the message hits is all it takes.
  const nameHit = statement(conn, NAME_HIT_SQL).get(input.summaryMatch) !== undefined;
  const best = nameHit
    ? `WITH hits AS (
        SELECT rowid / ${MESSAGE_ID_SPAN} AS seq, min(rank) AS r FROM thread_messages_fts WHERE thread_messages_fts MATCH ? GROUP BY 1
        UNION ALL
        SELECT rowid AS seq, rank * ${SUMMARY_WEIGHT} AS r FROM threads_fts WHERE threads_fts MATCH ?
      ), best AS /*M*/ (SELECT seq, CAST(round(-min(r) * ${SCORE_SCALE}) AS INTEGER) AS score FROM hits GROUP BY seq)`
    : `WITH best AS /*M*/ (
        SELECT rowid / ${MESSAGE_ID_SPAN} AS seq, CAST(round(-min(rank) * ${SCORE_SCALE}) AS INTEGER) AS score
          FROM thread_messages_fts WHERE thread_messages_fts MATCH ? GROUP BY 1
      )`;
  const bestParams = nameHit ? [input.messageMatch, input.summaryMatch] : [input.messageMatch];
  const sortExpr = input.sort === "relevance" ? "b.score" : "t.updated_at_ms";
  const where = [...input.where];
  const whereParams = [...input.whereParams];
  if (input.position) {
    where.push(`(${sortExpr}, t.id) < (?, ?)`);
    whereParams.push(input.position.value, input.position.id);
  }
  const select = `SELECT b.seq AS seq, b.score AS score, t.id AS id, t.updated_at_ms AS updated_at_ms`;
  const tail = `WHERE ${where.join(" AND ")} ORDER BY ${sortExpr} DESC, t.id DESC LIMIT ?`;
  if (input.sort === "relevance") {
    const cut = rankFromCandidates(conn, best, bestParams, select, tail, whereParams, input);
    if (cut) return cut;
  }
  const sql = `${best.replace("/*M*/", "")} ${select} FROM best b CROSS JOIN threads t ON t.seq = b.seq ${tail}`;
  return statement(conn, sql).all(...bestParams, ...whereParams, input.limit) as RankedThread[];
}

/**
 * Relevance order from the best candidates only: the threads scoring at least the
 * `2 × limit + 16`-th best score (ties included), a top-N sort instead of a lookup for each of
 * the thousands of threads a common word matches. A thread left out scores below every
 * candidate, so the page is exact when it filled up, or when every thread was a candidate;
 * otherwise (filters that remove the best threads, such as an archived search) undefined.
 */
function rankFromCandidates(
  conn: Connection,
  best: string,
  bestParams: readonly string[],
  select: string,
  tail: string,
  whereParams: readonly (string | number)[],
  input: RankThreadsInput,
): RankedThread[] | undefined {
  const candidates = 2 * input.limit + 16;
  const below = input.position ? "WHERE score <= ?" : "";
  // `best` is read twice (the cut, then the candidates): materialized once.
  const sql = `${best.replace("/*M*/", "MATERIALIZED")}, kth AS (SELECT score FROM best ${below} ORDER BY score DESC LIMIT 1 OFFSET ?)
    ${select}, (SELECT score FROM kth) AS kth FROM best b CROSS JOIN threads t ON t.seq = b.seq
    ${tail.replace("WHERE ", "WHERE b.score >= coalesce((SELECT score FROM kth), -9223372036854775808) AND ")}`;
  const params = [...bestParams, ...(input.position ? [input.position.value] : []), candidates - 1, ...whereParams, input.limit];
  const rows = statement(conn, sql).all(...params) as (RankedThread & { kth: number | null })[];
  const last = rows.at(-1);
  // No row at all says nothing about the candidates: the full lookup answers.
  if (last === undefined) return undefined;
  if (rows.length < input.limit && last.kth !== null) return undefined;
  return rows.map(({ seq, score, id, updated_at_ms }) => ({ seq, score, id, updated_at_ms }));
}
