import type { NormalizedListThreadsQuery, ThreadSortKey } from "@skein/thread-store";
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
