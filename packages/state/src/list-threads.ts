import { z } from "zod";
import { statement, type Connection } from "./internal/connection.js";
import { decodeCursor, encodeCursor, queryFingerprint } from "./internal/cursor.js";
import { parseArgument } from "./internal/parse-argument.js";
import { rowFromSql, THREAD_SELECT, type SqlThreadRow } from "./internal/thread-columns.js";
import type { ThreadRow } from "./thread-row.js";

// Behaviour: docs/state-index.md, "Listing", with an id tie-break on every sort key.

/** Sort keys of a listing: creation, last update, or product recency (turn starts). */
export const ThreadSortKey = z.enum(["created", "updated", "recency"]);
export type ThreadSortKey = z.infer<typeof ThreadSortKey>;

/** Page sizes run from 1 to 1000; the default is 50. */
export const PageSize = z.number().int().min(1).max(1000).default(50);

/**
 * Parameters of `StateDb.listThreads`. `sources` / `modelProviders`: absent or empty means
 * every value. `cwdFilters`: absent means every cwd, `[]` means none. `searchTerm`: a
 * case-insensitive substring of name, title or preview. Rows with an empty preview are
 * hidden unless `includeEmptyPreview` (Codex hides threads with no user message yet).
 */
export const ListThreadsParams = z.strictObject({
  pageSize: PageSize,
  cursor: z.string().optional(),
  sortKey: ThreadSortKey.default("recency"),
  sortDirection: z.enum(["asc", "desc"]).default("desc"),
  archived: z.boolean().default(false),
  sources: z.array(z.string()).optional(),
  modelProviders: z.array(z.string()).optional(),
  cwdFilters: z.array(z.string()).optional(),
  searchTerm: z.string().optional(),
  parentThreadId: z.string().optional(),
  includeEmptyPreview: z.boolean().default(false),
});
export type ListThreadsParams = z.input<typeof ListThreadsParams>;

/** One page of a listing. `nextCursor` is absent on the last page. */
export interface ThreadPage {
  items: ThreadRow[];
  nextCursor?: string;
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
 * @throws InvalidArgumentError for params outside the contract.
 * @throws InvalidCursorError for a malformed, tampered or foreign cursor.
 */
export function buildListQuery(input: ListThreadsParams): BuiltQuery | "empty" {
  const p = parseArgument(ListThreadsParams, input, "list params");
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

/** Runs a keyset-paginated listing. See `StateDb.listThreads`. */
export function listThreads(conn: Connection, input: ListThreadsParams): ThreadPage {
  const query = buildListQuery(input);
  if (query === "empty") return { items: [] };
  const rows = statement(conn, query.sql).all(...query.params) as SqlThreadRow[];
  return pageOf(rows, query.params.at(-1) as number, query.fingerprint, query.sortColumn, rowFromSql);
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
