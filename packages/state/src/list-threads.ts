import { z } from "zod";
import { statement, type Connection } from "./internal/connection.js";
import { parseArgument } from "./internal/parse-argument.js";
import { rowFromSql, type SqlThreadRow } from "./internal/thread-select.js";
import { buildListSql, pageOf, type BuiltQuery } from "./list-query.js";
import type { ThreadRow } from "./thread-row.js";

// Behaviour: docs/state-index.md, "Listing"; the SQL is built in list-query.ts.

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

export { pageOf, type BuiltQuery } from "./list-query.js";

/**
 * Builds the listing SQL (list-query.ts) from caller params, checked here.
 *
 * @throws InvalidArgumentError for params outside the contract.
 * @throws InvalidCursorError for a malformed, tampered or foreign cursor.
 */
export function buildListQuery(input: ListThreadsParams): BuiltQuery | "empty" {
  return buildListSql(parseArgument(ListThreadsParams, input, "list params"));
}

/** Runs a keyset-paginated listing. See `StateDb.listThreads`. */
export function listThreads(conn: Connection, input: ListThreadsParams): ThreadPage {
  const query = buildListQuery(input);
  if (query === "empty") return { items: [] };
  const rows = statement(conn, query.sql).all(...query.params) as SqlThreadRow[];
  return pageOf(rows, query.params.at(-1) as number, query.fingerprint, query.sortColumn, rowFromSql);
}
