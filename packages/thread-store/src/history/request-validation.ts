import { MAX_SEARCH_TERMS, parseSearchQuery, ThreadMetadataPatch, type RolloutItem, type SearchQuery, type ThreadId } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_SEARCH_TERM_LENGTH,
  normalizeListThreadsParams,
  optionalString,
  optionalStrings,
  parseBoolean,
  parsePageSize,
  parseSearchTermLength,
  parseSortDirection,
  parseThreadId,
  type NormalizedListThreadsQuery,
} from "./list-params.js";

export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_SEARCH_TERM_LENGTH,
  normalizeListThreadsParams,
  parsePageSize,
  parseThreadId,
  type NormalizedListThreadsQuery,
};
import type {
  SearchSortKey,
  ListItemsParams,
  ListTurnsParams,
  SearchThreadsParams,
  SortDirection,
  ThreadPersistenceMetadata,
} from "../types.js";

// Every store validates caller params with these, so both stores reject the same input with
// the same message (the conformance suite asserts the wording).

/** The `InvalidRequestError` detail for a create/resume without `metadata.cwd`. */
export const MISSING_CWD_DETAIL = "thread store requires a cwd";

/** The `InvalidRequestError` detail for reading an archived thread without `includeArchived`. */
export function archivedThreadDetail(threadId: ThreadId): string {
  return `thread ${threadId} is archived`;
}

/** Returns `metadata.cwd`. @throws InvalidRequestError {@link MISSING_CWD_DETAIL} when absent or blank. */
export function requireCwd(metadata: ThreadPersistenceMetadata | undefined): string {
  const cwd = metadata?.cwd;
  if (typeof cwd !== "string" || cwd.trim() === "") throw new InvalidRequestError(MISSING_CWD_DETAIL);
  return cwd;
}

/**
 * Parses a metadata patch with protocol's strict `ThreadMetadataPatch`.
 * @throws InvalidRequestError `invalid metadata patch: <field>: <problem>` (never a ZodError).
 */
export function parseMetadataPatch(patch: unknown): ThreadMetadataPatch {
  const parsed = ThreadMetadataPatch.safeParse(patch ?? undefined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    throw new InvalidRequestError(`invalid metadata patch: unknown field ${issue.keys.join(", ")}`, { cause: parsed.error });
  }
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "patch";
  throw new InvalidRequestError(`invalid metadata patch: ${field}: ${issue?.message ?? "invalid"}`, {
    cause: parsed.error,
  });
}

/**
 * Checks the shape of appended records without a full schema parse (appends are the hot
 * path): each must be an object with a string `type` and a `payload`.
 * @throws InvalidRequestError `invalid items[<i>]: …`
 */
export function assertRolloutItems(items: unknown): asserts items is RolloutItem[] {
  if (!Array.isArray(items)) throw new InvalidRequestError("invalid items: expected an array");
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as { type?: unknown; payload?: unknown } | null;
    if (typeof item !== "object" || item === null) throw new InvalidRequestError(`invalid items[${i}]: expected an object`);
    if (typeof item.type !== "string") throw new InvalidRequestError(`invalid items[${i}]: type must be a string`);
    if (!("payload" in item)) throw new InvalidRequestError(`invalid items[${i}]: payload is missing`);
  }
}

/** `searchThreads` params with defaults applied and every field checked. */
export interface NormalizedSearchQuery {
  searchTerm: string;
  /** The term parsed (docs/search.md); its terms are what every store matches. */
  query: SearchQuery;
  pageSize: number;
  cursor: string | undefined;
  archived: boolean;
  sources: string[] | undefined;
  modelProviders: string[] | undefined;
  cwdFilters: string[] | undefined;
  includeTools: boolean;
  sortKey: SearchSortKey;
  hitsPerThread: number;
}

/** Places reported per thread by default. */
export const DEFAULT_HITS_PER_THREAD = 3;

/** Validates `searchThreads` params. @throws InvalidRequestError for an empty term or a bad field. */
export function normalizeSearchParams(params: SearchThreadsParams | undefined): NormalizedSearchQuery {
  const term = parseSearchTermLength(optionalString(params?.searchTerm, "searchTerm"));
  if (term === undefined || term.trim() === "") throw new InvalidRequestError("searchThreads requires a searchTerm");
  const sources = optionalStrings(params?.sources, "sources");
  const providers = optionalStrings(params?.modelProviders, "modelProviders");
  const query = parseSearchQuery(term);
  if (query.terms.length > MAX_SEARCH_TERMS) {
    throw new InvalidRequestError(`searchTerm has ${query.terms.length} distinct terms, at most ${MAX_SEARCH_TERMS}`);
  }
  const sortKey = params?.sortKey ?? "relevance";
  if (sortKey !== "relevance" && sortKey !== "updated") {
    throw new InvalidRequestError(`sortKey must be one of relevance, updated, got ${String(sortKey)}`);
  }
  const hits = params?.hitsPerThread ?? DEFAULT_HITS_PER_THREAD;
  if (!Number.isInteger(hits) || hits < 1 || hits > 100) {
    throw new InvalidRequestError(`hitsPerThread must be an integer from 1 to 100, got ${String(hits)}`);
  }
  return {
    searchTerm: term,
    query,
    pageSize: parsePageSize(params?.pageSize),
    cursor: optionalString(params?.cursor, "cursor"),
    archived: parseBoolean(params?.archived, "archived"),
    sources: sources && sources.length > 0 ? sources : undefined,
    modelProviders: providers && providers.length > 0 ? providers : undefined,
    cwdFilters: optionalStrings(params?.cwdFilters, "cwdFilters"),
    includeTools: parseBoolean(params?.includeTools, "includeTools"),
    sortKey,
    hitsPerThread: hits,
  };
}

/** `listTurns`/`listItems` params with defaults applied and every field checked. */
export interface NormalizedHistoryPageQuery {
  threadId: ThreadId;
  includeArchived: boolean;
  cursor: string | undefined;
  pageSize: number;
  sortDirection: SortDirection;
  includeItems: boolean;
  turnId: string | undefined;
}

/** Validates `listTurns`/`listItems` params (default direction `asc`: oldest first). */
export function normalizeHistoryPageParams(params: ListTurnsParams | ListItemsParams): NormalizedHistoryPageQuery {
  const p = params as ListTurnsParams & ListItemsParams;
  return {
    threadId: parseThreadId(p?.threadId),
    includeArchived: parseBoolean(p.includeArchived, "includeArchived"),
    cursor: optionalString(p.cursor, "cursor"),
    pageSize: parsePageSize(p.pageSize),
    sortDirection: p.sortDirection === undefined ? "asc" : parseSortDirection(p.sortDirection),
    includeItems: parseBoolean(p.includeItems, "includeItems"),
    turnId: optionalString(p.turnId, "turnId"),
  };
}

