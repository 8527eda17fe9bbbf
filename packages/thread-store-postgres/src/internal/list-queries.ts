import type { NormalizedListThreadsQuery, NormalizedSearchQuery, ThreadSortKey } from "@skein/thread-store";
import { THREAD_COLUMNS, type Tables } from "./sql.js";

const SORT_COLUMN: Record<ThreadSortKey, string> = {
  created: "created_at_ms",
  updated: "updated_at_ms",
  recency: "recency_at_ms",
};

/** A keyset position: the last row's sort value and id. */
export interface Keyset {
  v: number;
  id: string;
}

/** A parameterised statement. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** The sort column of a key. */
export function sortColumn(key: ThreadSortKey): string {
  return SORT_COLUMN[key];
}

/**
 * The page query of `listThreads`: the collection, listability (non-empty list preview),
 * every filter, the keyset after `anchor`, then `pageSize + 1` rows (one extra tells whether
 * a next page exists). Written so the partial list index for the sort key serves it.
 */
export function listThreadsStatement(tables: Tables, query: NormalizedListThreadsQuery, anchor: Keyset | undefined): Statement {
  const values: unknown[] = [query.archived];
  const where = ["archived = $1", "list_preview <> ''"];
  const add = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.sources) where.push(`source_key = ANY(${add(query.sources)}::text[])`);
  if (query.modelProviders) where.push(`model_provider = ANY(${add(query.modelProviders)}::text[])`);
  if (query.cwdFilters) where.push(`cwd = ANY(${add(query.cwdFilters)}::text[])`);
  if (query.parentThreadId !== undefined) where.push(`parent_thread_id = ${add(query.parentThreadId)}`);
  if (query.searchTerm !== undefined) {
    // Plain case-insensitive substring (strpos, not LIKE: no pattern characters to escape).
    const term = add(query.searchTerm);
    where.push(
      `(strpos(lower(coalesce(name, '')), lower(${term})) > 0 OR strpos(lower(coalesce(title, '')), lower(${term})) > 0` +
        ` OR strpos(lower(list_preview), lower(${term})) > 0)`,
    );
  }
  const column = sortColumn(query.sortKey);
  const dir = query.sortDirection === "asc" ? "ASC" : "DESC";
  if (anchor) where.push(`(${column}, thread_id) ${dir === "ASC" ? ">" : "<"} (${add(anchor.v)}::bigint, ${add(anchor.id)}::text)`);
  const limit = add(query.pageSize + 1);
  return {
    text: `SELECT ${THREAD_COLUMNS} FROM ${tables.threads} WHERE ${where.join(" AND ")}
           ORDER BY ${column} ${dir}, thread_id ${dir} LIMIT ${limit}`,
    values,
  };
}

/** ts_headline options: the match marked `[...]`, a short window around it. */
const HEADLINE = "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=1'";

/**
 * The page query of `searchThreads`: listable threads of the collection whose summary
 * (name, title, preview) matches the term by full-text search or as a substring, or whose
 * user/agent messages match by full-text search. The term goes through
 * `websearch_to_tsquery`, which never raises on syntax, so hostile input is plain text.
 * Newest first (created, then id), keyset after `anchor`.
 */
export function searchThreadsStatement(tables: Tables, query: NormalizedSearchQuery, anchor: Keyset | undefined): Statement {
  const values: unknown[] = [query.archived, query.searchTerm];
  const where = ["t.archived = $1", "t.list_preview <> ''"];
  const add = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.sources) where.push(`t.source_key = ANY(${add(query.sources)}::text[])`);
  if (anchor) where.push(`(t.created_at_ms, t.thread_id) < (${add(anchor.v)}::bigint, ${add(anchor.id)}::text)`);
  const summary = `coalesce(t.name, '') || ' ' || coalesce(t.title, '') || ' ' || t.list_preview`;
  const message = `(SELECT i.payload->>'message' FROM ${tables.items} i
      WHERE i.thread_id = t.thread_id AND i.type = 'event_msg' AND i.payload ? 'message'
        AND to_tsvector('simple', i.payload->>'message') @@ q.query
      ORDER BY i.seq LIMIT 1)`;
  where.push(`(t.search_document @@ q.query
      OR strpos(lower(coalesce(t.name, '')), lower($2)) > 0 OR strpos(lower(coalesce(t.title, '')), lower($2)) > 0
      OR strpos(lower(t.list_preview), lower($2)) > 0
      OR m.message IS NOT NULL)`);
  const limit = add(query.pageSize + 1);
  return {
    text: `SELECT ${THREAD_COLUMNS.split(", ").map((c) => `t.${c}`).join(", ")},
             CASE WHEN t.search_document @@ q.query THEN ts_headline('simple', ${summary}, q.query, ${HEADLINE}) END AS summary_headline,
             CASE WHEN m.message IS NOT NULL THEN ts_headline('simple', m.message, q.query, ${HEADLINE}) END AS message_headline
           FROM ${tables.threads} t
           CROSS JOIN (SELECT websearch_to_tsquery('simple', $2) AS query) q
           LEFT JOIN LATERAL (SELECT ${message} AS message) m ON true
           WHERE ${where.join(" AND ")}
           ORDER BY t.created_at_ms DESC, t.thread_id DESC LIMIT ${limit}`,
    values,
  };
}
