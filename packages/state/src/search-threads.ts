import { z } from "zod";
import { InvalidArgumentError } from "./errors.js";
import { statement, type Connection } from "./internal/connection.js";
import { decodeCursor, queryFingerprint } from "./internal/cursor.js";
import { parseArgument } from "./internal/parse-argument.js";
import { foldWord, snippetOf } from "./internal/snippet.js";
import { rowFromSql, THREAD_SELECT, type SqlThreadRow } from "./internal/thread-columns.js";
import { PageSize, pageOf } from "./list-threads.js";
import type { ThreadRow } from "./thread-row.js";

/**
 * Parameters of `StateDb.searchThreads`. `term` is plain text: every word must occur (as a
 * word prefix) in the title, name, preview or first user message. FTS syntax in it has no
 * meaning. `archived` absent searches both collections.
 */
export const SearchThreadsParams = z.strictObject({
  term: z.string().max(4096),
  pageSize: PageSize,
  cursor: z.string().optional(),
  archived: z.boolean().optional(),
  sources: z.array(z.string()).optional(),
});
export type SearchThreadsParams = z.input<typeof SearchThreadsParams>;

/** One search hit: the row and a snippet with each match marked `[` … `]`. */
export interface ThreadSearchHit {
  row: ThreadRow;
  snippet: string;
}

/** One page of search hits, newest recency first. `nextCursor` is absent on the last page. */
export interface ThreadSearchPage {
  items: ThreadSearchHit[];
  nextCursor?: string;
}

/**
 * Turns user text into an FTS5 query that means exactly "all these words": each
 * whitespace-separated token becomes a quoted phrase (inner quotes doubled) with a prefix
 * star, so `"`, `*`, `NEAR(`, `OR`, `-`, `:` and SQL are only ever text. Tokens without a
 * letter or digit are dropped: the tokenizer would index nothing for them. Returns
 * undefined when nothing searchable remains.
 */
export function ftsQueryOf(term: string): string | undefined {
  const phrases = term
    .split(/\s+/u)
    .filter((token) => /[\p{L}\p{N}]/u.test(token))
    .map((token) => `"${token.replaceAll('"', '""')}"*`);
  return phrases.length === 0 ? undefined : phrases.join(" ");
}

/** The words of a term as the tokenizer sees them (letters and digits), for marking snippets. */
function tokensOf(term: string): string[] {
  return term.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Runs a full-text search. See `StateDb.searchThreads`. */
export function searchThreads(conn: Connection, input: SearchThreadsParams): ThreadSearchPage {
  const p = parseArgument(SearchThreadsParams, input, "search params");
  if (p.term.trim() === "") throw new InvalidArgumentError("search params", "term must not be empty");
  const match = ftsQueryOf(p.term);
  const sources = p.sources?.length ? [...new Set(p.sources)].sort() : undefined;
  const fingerprint = queryFingerprint(["search", match ?? p.term, p.archived ?? null, sources ?? null]);
  const position = p.cursor === undefined ? undefined : decodeCursor(p.cursor, fingerprint);
  if (match === undefined) return { items: [] };

  const where = ["threads_fts MATCH ?"];
  const params: (string | number)[] = [match];
  if (p.archived !== undefined) {
    where.push("t.archived = ?");
    params.push(p.archived ? 1 : 0);
  }
  if (sources) {
    where.push("t.source IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(sources));
  }
  if (position) {
    where.push("(t.recency_at_ms, t.id) < (?, ?)");
    params.push(position.value, position.id);
  }
  params.push(p.pageSize + 1);
  // Two steps: sort and cut the page on the index columns alone, then load the page's rows.
  // Loading full rows (or FTS5 snippet()) for every match before the sort costs tens of ms
  // when a term matches thousands of threads.
  const pageSql = `SELECT t.seq AS seq FROM threads_fts JOIN threads t ON t.seq = threads_fts.rowid
    WHERE ${where.join(" AND ")} ORDER BY t.recency_at_ms DESC, t.id DESC LIMIT ?`;
  const seqs = (statement(conn, pageSql).all(...params) as { seq: number }[]).map((r) => r.seq);
  const bySeq = new Map<number, SqlThreadRow>();
  if (seqs.length > 0) {
    for (const r of statement(conn, ROWS_BY_SEQ_SQL).all(JSON.stringify(seqs)) as (SqlThreadRow & { seq: number })[]) {
      bySeq.set(r.seq, r);
    }
  }
  const rows = seqs.map((seq) => bySeq.get(seq)!);
  const prefixes = tokensOf(p.term).map(foldWord);
  return pageOf(rows, p.pageSize + 1, fingerprint, "recency_at_ms", (r) => ({
    row: rowFromSql(r),
    snippet: snippetOf([r.title, r.name, r.preview, r.first_user_message], prefixes),
  }));
}

const ROWS_BY_SEQ_SQL = `SELECT ${THREAD_SELECT}, t.seq AS seq FROM threads t WHERE t.seq IN (SELECT value FROM json_each(?))`;
