import { matchSearchQuery, searchSnippet, type SearchQuery, type SearchTerm } from "@skein/protocol";
import {
  decodeCursor,
  encodeCursor,
  InvalidRequestError,
  normalizeSearchParams,
  searchCursorScope,
  searchMatchOf,
  type SearchThreadsParams,
  type ThreadSearchHit,
  type ThreadSearchMatch,
  type ThreadSearchPage,
} from "@skein/thread-store";
import { THREAD_COLUMNS, toStoredThread, type ThreadRow } from "../internal/sql.js";
import { guard, type PgStoreContext } from "./context.js";
import { syncSearchTexts } from "./search-texts.js";

// searchThreads on PostgreSQL (docs/search.md): the same query rules as every store, matched on
// tsvectors of the shared tokenizer's words; ts_rank (length-normalized) per text, a thread by
// its best text, a name match weighted double.

const SCORE_SCALE = 1_000_000_000;
const MAX_LEXEME_BYTES = 2046;
/**
 * A text's rank: ts_rank with normalization 1 (divided by 1 + log of the length, so short
 * precise texts win); the thread's name (role 'name') weighs double.
 */
const RANK_OF = (query: string) => `ts_rank(x.words, ${query}, 1) * CASE WHEN x.role = 'name' THEN 2 ELSE 1 END`;
const RANK = RANK_OF("q.query");

/** The tsquery of a parsed query, or undefined when nothing can match (no terms, an over-long word). */
export function tsqueryOf(query: SearchQuery): string | undefined {
  if (query.terms.length === 0) return undefined;
  const phrases: string[] = [];
  for (const term of query.terms) {
    if (term.words.some((w) => Buffer.byteLength(w) > MAX_LEXEME_BYTES)) return undefined;
    phrases.push(phraseOf(term));
  }
  return phrases.join(" & ");
}

function phraseOf(term: SearchTerm): string {
  const words = term.words.map((w, i) => `'${w}'${term.prefix && i === term.words.length - 1 ? ":*" : ""}`);
  return words.length === 1 ? words[0]! : `(${words.join(" <-> ")})`;
}

interface PageRow extends ThreadRow {
  score: string;
}

interface TextRow {
  thread_id: string;
  seq: string;
  turn_id: string | null;
  role: "user" | "assistant" | "tool" | "name";
  at_ms: string | null;
  text: string;
  score: string;
}

export async function searchThreads(ctx: PgStoreContext, params: SearchThreadsParams): Promise<ThreadSearchPage> {
  const search = normalizeSearchParams(params);
  const scope = searchCursorScope(search);
  const anchor = search.cursor === undefined ? undefined : keysetFrom(decodeCursor(search.cursor, scope));
  const tsquery = tsqueryOf(search.query);
  if (tsquery === undefined || search.cwdFilters?.length === 0) return { items: [] };
  return guard(async () => {
    await syncSearchTexts(ctx);
    const t = ctx.tables;
    const values: unknown[] = [tsquery, search.archived];
    const add = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const where = ["th.archived = $2", "th.list_preview <> ''"];
    if (search.sources) where.push(`th.source_key = ANY(${add(search.sources)}::text[])`);
    if (search.modelProviders) where.push(`th.model_provider = ANY(${add(search.modelProviders)}::text[])`);
    if (search.cwdFilters) where.push(`th.cwd = ANY(${add(search.cwdFilters)}::text[])`);
    const roles = search.includeTools ? "" : "AND x.role <> 'tool'";
    const sortExpr = search.sortKey === "relevance" ? "b.score" : "th.updated_at_ms";
    if (anchor) where.push(`(${sortExpr}, th.thread_id) < (${add(anchor.v)}::bigint, ${add(anchor.id)}::text)`);
    const limit = add(search.pageSize + 1);
    const sql = `WITH q AS (SELECT $1::tsquery AS query),
      hits AS (
        SELECT x.thread_id, ${RANK} AS r FROM ${t.searchTexts} x, q
         WHERE x.words @@ q.query AND NOT x.inherited ${roles}
      ),
      best AS (SELECT thread_id, round(max(r) * ${SCORE_SCALE})::bigint AS score FROM hits GROUP BY thread_id)
      SELECT ${THREAD_COLUMNS.split(", ").map((c) => `th.${c}`).join(", ")}, b.score
        FROM best b JOIN ${t.threads} th ON th.thread_id = b.thread_id
       WHERE ${where.join(" AND ")}
       ORDER BY ${sortExpr} DESC, th.thread_id DESC LIMIT ${limit}`;
    const { rows } = await ctx.pool.query<PageRow>(sql, values);
    const more = rows.length > search.pageSize;
    const page = more ? rows.slice(0, search.pageSize) : rows;
    const texts = await bestTexts(ctx, page.map((r) => r.thread_id), tsquery, search.includeTools, search.hitsPerThread);
    const items: ThreadSearchHit[] = page.map((row) => {
      const thread = toStoredThread(row);
      const matches: ThreadSearchMatch[] = [];
      const seen = new Set<string>();
      for (const x of texts.get(row.thread_id) ?? []) {
        if (matches.length >= search.hitsPerThread) break;
        const key = `${x.role}\n${x.text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const ranges = matchSearchQuery(x.text, search.query) ?? [];
        const place = x.role === "name" ? {} : { position: Number(x.seq), turnId: x.turn_id ?? undefined, at: x.at_ms === null ? undefined : Number(x.at_ms) };
        matches.push(searchMatchOf(x.role, searchSnippet(x.text, ranges), place));
      }
      return { thread, snippet: matches[0]?.snippet ?? "", score: Number(row.score), matches };
    });
    const last = page.at(-1);
    if (!more || !last) return { items };
    const value = search.sortKey === "relevance" ? Number(last.score) : Number(last.updated_at_ms);
    return { items, nextCursor: encodeCursor(scope, { v: value, id: last.thread_id }) };
  });
}

/** The best texts of each thread on the page, best first. */
async function bestTexts(ctx: PgStoreContext, threadIds: string[], tsquery: string, includeTools: boolean, perThread: number): Promise<Map<string, TextRow[]>> {
  const out = new Map<string, TextRow[]>();
  if (threadIds.length === 0) return out;
  const { rows } = await ctx.pool.query<TextRow>(
    `SELECT thread_id, seq, turn_id, role, at_ms, text, score FROM (
       SELECT x.*, round(${RANK_OF("$2::tsquery")} * ${SCORE_SCALE})::bigint AS score,
              row_number() OVER (PARTITION BY x.thread_id ORDER BY ${RANK_OF("$2::tsquery")} DESC, x.seq) AS n
         FROM ${ctx.tables.searchTexts} x
        WHERE x.thread_id = ANY($1::text[]) AND x.words @@ $2::tsquery AND NOT x.inherited ${includeTools ? "" : "AND x.role <> 'tool'"}
     ) ranked WHERE n <= $3 ORDER BY thread_id, n`,
    [threadIds, tsquery, perThread * 2 + 2],
  );
  for (const row of rows) {
    const list = out.get(row.thread_id) ?? [];
    list.push(row);
    out.set(row.thread_id, list);
  }
  return out;
}

function keysetFrom(value: unknown): { v: number; id: string } {
  const record = value as { v?: unknown; id?: unknown } | null;
  if (record && typeof record.v === "number" && Number.isSafeInteger(record.v) && typeof record.id === "string") return { v: record.v, id: record.id };
  throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
}
