import { decodeCursor, encodeCursor, queryFingerprint } from "./internal/cursor.js";
import { THREAD_SELECT, type SqlThreadRow } from "./internal/thread-select.js";

// Behaviour: docs/state-index.md, "Listing", with an id tie-break on every sort key. The SQL of a
// listing, built from checked params: the one source of truth for `StateDb.listThreads` (which
// checks the params with its zod schema first, list-threads.ts) and the read-only path
// (read-only.ts, which must not load zod; docs/cli-startup.md).

/** Listing params with every default applied (what `ListThreadsParams` parses to). */
export interface ListQueryParams {
  pageSize: number;
  cursor?: string | undefined;
  sortKey: "created" | "updated" | "recency";
  sortDirection: "asc" | "desc";
  archived: boolean;
  sources?: string[] | undefined;
  modelProviders?: string[] | undefined;
  cwdFilters?: string[] | undefined;
  searchTerm?: string | undefined;
  parentThreadId?: string | undefined;
  includeEmptyPreview: boolean;
}

const SORT_COLUMNS = { created: "created_at_ms", updated: "updated_at_ms", recency: "recency_at_ms" } as const;

/** A built query: the SQL and its positional parameters. Exposed for plan tests. */
export interface BuiltQuery {
  sql: string;
  params: (string | number)[];
  fingerprint: string;
  sortColumn: string;
}

const uniqueSorted = (values: readonly string[] | undefined): string[] | undefined =>
  values === undefined ? undefined : [...new Set(values)].sort();

/**
 * Builds the listing SQL. Every value is a parameter; list filters are passed as one JSON
 * array through `json_each`, so the SQL text (and its cached statement) depends only on which
 * filters are present, never on their values.
 *
 * @throws InvalidCursorError for a malformed, tampered or foreign cursor.
 */
export function buildListSql(p: ListQueryParams): BuiltQuery | "empty" {
  const sources = uniqueSorted(p.sources);
  const providers = uniqueSorted(p.modelProviders);
  const cwds = uniqueSorted(p.cwdFilters);
  const search = p.searchTerm ? p.searchTerm.toLowerCase() : undefined;
  const fingerprint = queryFingerprint([
    "list", p.sortKey, p.sortDirection, p.archived, sources ?? null, providers ?? null, cwds ?? null,
    search ?? null, p.parentThreadId ?? null, p.includeEmptyPreview,
  ]);
  const position = p.cursor === undefined ? undefined : decodeCursor(p.cursor, fingerprint);
  if (cwds !== undefined && cwds.length === 0) return "empty";

  const col = `t.${SORT_COLUMNS[p.sortKey]}`;
  const where = ["t.archived = ?"];
  const params: (string | number)[] = [p.archived ? 1 : 0];
  if (!p.includeEmptyPreview) where.push("t.preview <> ''");
  if (sources?.length) {
    where.push("t.source IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(sources));
  }
  if (providers?.length) {
    where.push("t.model_provider IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(providers));
  }
  if (cwds?.length) {
    where.push("t.cwd IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(cwds));
  }
  if (p.parentThreadId !== undefined) {
    where.push("t.parent_thread_id = ?");
    params.push(p.parentThreadId);
  }
  if (search) {
    where.push("(skein_icontains(t.name, ?) OR skein_icontains(t.title, ?) OR skein_icontains(t.preview, ?))");
    params.push(search, search, search);
  }
  const dir = p.sortDirection === "desc" ? "DESC" : "ASC";
  if (position) {
    where.push(`(${col}, t.id) ${dir === "DESC" ? "<" : ">"} (?, ?)`);
    params.push(position.value, position.id);
  }
  const sql = `SELECT ${THREAD_SELECT} FROM threads t WHERE ${where.join(" AND ")} ORDER BY ${col} ${dir}, t.id ${dir} LIMIT ?`;
  params.push(p.pageSize + 1);
  return { sql, params, fingerprint, sortColumn: SORT_COLUMNS[p.sortKey] };
}

/**
 * Cuts the `LIMIT pageSize + 1` result to a page; when the extra row came back, the cursor
 * points at the last returned row.
 */
export function pageOf<R extends SqlThreadRow, T>(
  rows: R[],
  limit: number,
  fingerprint: string,
  sortColumn: string,
  map: (row: R) => T,
): { items: T[]; nextCursor?: string } {
  const pageSize = limit - 1;
  if (rows.length <= pageSize) return { items: rows.map(map) };
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1]!;
  const value = last[sortColumn as keyof SqlThreadRow] as number;
  return { items: page.map(map), nextCursor: encodeCursor(fingerprint, { value, id: last.id }) };
}
