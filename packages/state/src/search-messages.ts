import {
  highlightSearchQuery,
  matchSearchQuery,
  parseSearchQuery,
  searchSnippet,
  MAX_SEARCH_TERMS,
  type SearchQuery,
  type SearchSnippet,
} from "@skein/protocol";
import { z } from "zod";
import { InvalidArgumentError } from "./errors.js";
import { statement, type Connection } from "./internal/connection.js";
import { decodeCursor, encodeCursor, queryFingerprint } from "./internal/cursor.js";
import { parseArgument } from "./internal/parse-argument.js";
import { rowFromSql, THREAD_SELECT, type SqlThreadRow } from "./internal/thread-columns.js";
import { PageSize } from "./list-threads.js";
import { rankThreads, SCORE_SCALE } from "./rank-threads.js";
import { MESSAGE_ID_SPAN } from "./thread-messages.js";
import type { ThreadRow } from "./thread-row.js";

// Content search over the message index of migration 0005 (docs/search.md): bm25 per message,
// a thread ranked by its best hit (its name counts too, weighted up).

/**
 * Parameters of `StateDb.searchMessages`. `query` is what a user typed (`parseSearchQuery`
 * rules: words ANDed within one message, `"phrases"`, `prefix*`); `archived` absent = active.
 */
export const SearchMessagesParams = z.strictObject({
  query: z.string().max(65_536),
  includeTools: z.boolean().default(false),
  sort: z.enum(["relevance", "updated"]).default("relevance"),
  pageSize: PageSize,
  cursor: z.string().optional(),
  archived: z.boolean().default(false),
  sources: z.array(z.string()).optional(),
  modelProviders: z.array(z.string()).optional(),
  cwdFilters: z.array(z.string()).optional(),
  hitsPerThread: z.number().int().min(1).max(100).default(3),
});
export type SearchMessagesParams = z.input<typeof SearchMessagesParams>;

/** Where a hit is: a message (by role) of the thread's own history, or its name. */
export type MessageHitRole = "user" | "assistant" | "tool" | "name";

/** One place a thread matched. */
export interface MessageHit {
  role: MessageHitRole;
  /** 0-based position of the item among the non-blank lines of the thread's own file (messages only). */
  position?: number;
  turnId?: string;
  /** Epoch ms of the item's line. */
  atMs?: number;
  /** Higher is better; comparable within one query. */
  score: number;
  snippet: SearchSnippet;
}

/** A matching thread and its best hits, best first. */
export interface ThreadContentHit {
  row: ThreadRow;
  /** The best hit's score (relevance order sorts by it). */
  score: number;
  hits: MessageHit[];
}

/** One page of a content search. `nextCursor` is absent on the last page. */
export interface ContentSearchPage {
  items: ThreadContentHit[];
  nextCursor?: string;
}


/** The FTS5 query for a parsed query: each term a quoted phrase (a prefix with `*`), ANDed. */
export function ftsMatchOf(query: SearchQuery): string | undefined {
  if (query.terms.length === 0) return undefined;
  return query.terms.map((t) => `"${t.words.join(" ")}"${t.prefix ? "*" : ""}`).join(" ");
}

const uniqueSorted = (values: readonly string[] | undefined): string[] | undefined =>
  values === undefined || values.length === 0 ? undefined : [...new Set(values)].sort();

/** Runs a content search. See `StateDb.searchMessages`. */
export function searchMessages(conn: Connection, input: SearchMessagesParams): ContentSearchPage {
  const p = parseArgument(SearchMessagesParams, input, "search params");
  const query = parseSearchQuery(p.query);
  if (query.terms.length > MAX_SEARCH_TERMS) {
    throw new InvalidArgumentError("search params", `query has ${query.terms.length} distinct terms, at most ${MAX_SEARCH_TERMS}`);
  }
  const sources = uniqueSorted(p.sources);
  const providers = uniqueSorted(p.modelProviders);
  const cwds = p.cwdFilters === undefined ? undefined : [...new Set(p.cwdFilters)].sort();
  const match = ftsMatchOf(query);
  const fingerprint = queryFingerprint([
    "content", match ?? null, p.includeTools, p.sort, p.archived, sources ?? null, providers ?? null, cwds ?? null,
  ]);
  const position = p.cursor === undefined ? undefined : decodeCursor(p.cursor, fingerprint);
  if (match === undefined || (cwds !== undefined && cwds.length === 0)) return { items: [] };

  const messageMatch = p.includeTools ? match : `{text} : (${match})`;
  const summaryMatch = `{name} : (${match})`;
  const where = ["t.archived = ?", "t.preview <> ''"];
  const params: (string | number)[] = [p.archived ? 1 : 0];
  if (sources) {
    where.push("t.source IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(sources));
  }
  if (providers) {
    where.push("t.model_provider IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(providers));
  }
  if (cwds) {
    where.push("t.cwd IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(cwds));
  }
  const ranked = rankThreads(conn, {
    messageMatch,
    summaryMatch,
    sort: p.sort,
    where,
    whereParams: params,
    position,
    limit: p.pageSize + 1,
  });
  const more = ranked.length > p.pageSize;
  const page = more ? ranked.slice(0, p.pageSize) : ranked;
  const rows = threadRowsBySeq(conn, page.map((r) => r.seq));
  const messages = pageMessages(conn, page.map((r) => r.seq), messageMatch, p.hitsPerThread * 2 + 2);
  // A thread that matched only through rows an older build left at its seq has no hits: dropped.
  const items: ThreadContentHit[] = [];
  for (const r of page) {
    const sqlRow = rows.get(r.seq);
    if (!sqlRow) continue;
    const row = rowFromSql(sqlRow);
    const hits = threadHits(messages.get(r.seq) ?? [], row, query, p.hitsPerThread);
    if (hits.length > 0) items.push({ row, score: r.score, hits });
  }
  const last = page.at(-1);
  if (!more || !last) return { items };
  const value = p.sort === "relevance" ? last.score : last.updated_at_ms;
  return { items, nextCursor: encodeCursor(fingerprint, { value, id: last.id }) };
}

const ROWS_BY_SEQ_SQL = `SELECT ${THREAD_SELECT}, t.seq AS seq FROM threads t WHERE t.seq IN (SELECT value FROM json_each(?))`;

/** The page's thread rows by seq. */
function threadRowsBySeq(conn: Connection, seqs: readonly number[]): Map<number, SqlThreadRow> {
  const out = new Map<number, SqlThreadRow>();
  if (seqs.length === 0) return out;
  for (const row of statement(conn, ROWS_BY_SEQ_SQL).all(JSON.stringify(seqs)) as (SqlThreadRow & { seq: number })[]) out.set(row.seq, row);
  return out;
}

interface SqlHit {
  id: number;
  thread_id: string;
  position: number;
  turn_id: string | null;
  role: "user" | "assistant" | "tool";
  at_ms: number | null;
  text: string | null;
  tool_text: string | null;
  r: number;
}

// One FTS pass for the whole page (a rowid range next to MATCH still ranks every match, so a
// query per thread would cost a full pass each), then the chosen rows by id.
const PAGE_HITS_SQL = `SELECT h.rowid AS id, h.r AS r FROM (SELECT rowid, rank AS r FROM thread_messages_fts WHERE thread_messages_fts MATCH ?) h
  WHERE h.rowid / ${MESSAGE_ID_SPAN} IN (SELECT value FROM json_each(?))`;
const ROWS_BY_ID_SQL = `SELECT id, thread_id, position, turn_id, role, at_ms, text, tool_text FROM thread_messages WHERE id IN (SELECT value FROM json_each(?))`;

/** The best `perThread` matching messages of each thread of the page (by seq), best first. */
function pageMessages(conn: Connection, seqs: readonly number[], match: string, perThread: number): Map<number, SqlHit[]> {
  const out = new Map<number, SqlHit[]>();
  if (seqs.length === 0) return out;
  const ranked = statement(conn, PAGE_HITS_SQL).all(match, JSON.stringify(seqs)) as { id: number; r: number }[];
  ranked.sort((a, b) => a.r - b.r || a.id - b.id);
  const chosen = new Map<number, number>();
  const kept: { id: number; r: number }[] = [];
  for (const hit of ranked) {
    const seq = Math.floor(hit.id / MESSAGE_ID_SPAN);
    const n = chosen.get(seq) ?? 0;
    if (n >= perThread) continue;
    chosen.set(seq, n + 1);
    kept.push(hit);
  }
  const rows = new Map<number, Omit<SqlHit, "r">>();
  for (const row of statement(conn, ROWS_BY_ID_SQL).all(JSON.stringify(kept.map((k) => k.id))) as Omit<SqlHit, "r">[]) rows.set(row.id, row);
  for (const hit of kept) {
    const row = rows.get(hit.id);
    if (!row) continue;
    const seq = Math.floor(hit.id / MESSAGE_ID_SPAN);
    const list = out.get(seq) ?? [];
    list.push({ ...row, r: hit.r });
    out.set(seq, list);
  }
  return out;
}

/** The best hits of one thread: its name (when it matches), then its best messages; identical texts once. */
function threadHits(messages: readonly SqlHit[], row: ThreadRow, query: SearchQuery, limit: number): MessageHit[] {
  const hits: MessageHit[] = [];
  const seen = new Set<string>();
  const summary = (role: "name", text: string | undefined) => {
    if (!text || seen.has(`${role}\n${text}`)) return;
    const ranges = matchSearchQuery(text, query);
    if (!ranges) return;
    seen.add(`${role}\n${text}`);
    hits.push({ role, score: 0, snippet: searchSnippet(text, ranges) });
  };
  summary("name", row.name);
  // A few more than needed were fetched: identical texts (a message repeated) are shown once.
  for (const m of messages) {
    if (hits.length >= limit) break;
    if (m.thread_id !== row.threadId) continue;
    const text = m.text ?? m.tool_text ?? "";
    const key = `${m.role}\n${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ranges = matchSearchQuery(text, query) ?? highlightSearchQuery(text, query);
    hits.push({
      role: m.role,
      position: m.position,
      ...(m.turn_id !== null ? { turnId: m.turn_id } : {}),
      ...(m.at_ms !== null ? { atMs: m.at_ms } : {}),
      score: Math.round(-m.r * SCORE_SCALE),
      snippet: searchSnippet(text, ranges),
    });
  }
  const name = hits[0]?.role === "name" ? hits[0] : undefined;
  if (name) name.score = Math.max(0, ...hits.map((h) => h.score)) + 1;
  return hits.slice(0, limit);
}
