import { isThreadId, MAX_SEARCH_TERMS, parseSearchQuery, ThreadMetadataPatch, type RolloutItem, type SearchQuery, type ThreadId } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import type {
  SearchSortKey,
  ListItemsParams,
  ListThreadsParams,
  ListTurnsParams,
  SearchThreadsParams,
  SortDirection,
  ThreadPersistenceMetadata,
  ThreadSortKey,
} from "../types.js";

// Every store validates caller params with these, so both stores reject the same input with
// the same message (the conformance suite asserts the wording).

/** Page size used when a list call gives none. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page size a list call accepts. */
export const MAX_PAGE_SIZE = 1000;
/**
 * Longest search term (UTF-16 code units, as `String.length` counts) that `searchThreads` and
 * `listThreads({ searchTerm })` accept. A term is typed by a person: 4,096 is far above any real
 * one, and it is also what the SQLite index's search accepts, so every store refuses the same
 * terms with the same message instead of failing inside one backend.
 */
export const MAX_SEARCH_TERM_LENGTH = 16_384;
/** The `InvalidRequestError` detail for a create/resume without `metadata.cwd`. */
export const MISSING_CWD_DETAIL = "thread store requires a cwd";

const SORT_KEYS: readonly ThreadSortKey[] = ["created", "updated", "recency"];
const SORT_DIRECTIONS: readonly SortDirection[] = ["asc", "desc"];

/**
 * Returns `value` as a thread id. Runs before any lookup, so an id can never name a path.
 * @throws InvalidRequestError `invalid thread id: <value>` for anything but a UUID string.
 */
export function parseThreadId(value: unknown, field = "threadId"): ThreadId {
  if (isThreadId(value)) return value;
  const shown = typeof value === "string" ? value.slice(0, 120) : `expected a string, got ${typeof value}`;
  throw new InvalidRequestError(field === "threadId" ? `invalid thread id: ${shown}` : `invalid ${field}: ${shown}`);
}

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

/** `listThreads` params with defaults applied and every field checked. */
export interface NormalizedListThreadsQuery {
  pageSize: number;
  cursor: string | undefined;
  sortKey: ThreadSortKey;
  sortDirection: SortDirection;
  sources: string[] | undefined;
  modelProviders: string[] | undefined;
  cwdFilters: string[] | undefined;
  archived: boolean;
  searchTerm: string | undefined;
  parentThreadId: ThreadId | undefined;
}

/** Validates `listThreads` params. @throws InvalidRequestError naming the bad field. */
export function normalizeListThreadsParams(params: ListThreadsParams | undefined): NormalizedListThreadsQuery {
  const p = params ?? {};
  const sources = optionalStrings(p.sources, "sources");
  const modelProviders = optionalStrings(p.modelProviders, "modelProviders");
  const searchTerm = parseSearchTermLength(optionalString(p.searchTerm, "searchTerm"));
  return {
    pageSize: parsePageSize(p.pageSize),
    cursor: optionalString(p.cursor, "cursor"),
    sortKey: parseSortKey(p.sortKey),
    sortDirection: parseSortDirection(p.sortDirection),
    // Empty source/provider lists mean "no filter" (Codex: implementation default).
    sources: sources && sources.length > 0 ? sources : undefined,
    modelProviders: modelProviders && modelProviders.length > 0 ? modelProviders : undefined,
    cwdFilters: optionalStrings(p.cwdFilters, "cwdFilters"),
    archived: parseBoolean(p.archived, "archived"),
    searchTerm: searchTerm && searchTerm.length > 0 ? searchTerm : undefined,
    parentThreadId: p.parentThreadId === undefined ? undefined : parseThreadId(p.parentThreadId, "parentThreadId"),
  };
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

/** @throws InvalidRequestError unless `value` is absent or an integer in 1..{@link MAX_PAGE_SIZE}. */
export function parsePageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_PAGE_SIZE) return value;
  throw new InvalidRequestError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(value)}`);
}

/** @throws InvalidRequestError when the term is longer than {@link MAX_SEARCH_TERM_LENGTH}. */
function parseSearchTermLength(term: string | undefined): string | undefined {
  if (term !== undefined && term.length > MAX_SEARCH_TERM_LENGTH) {
    throw new InvalidRequestError(`searchTerm must be at most ${MAX_SEARCH_TERM_LENGTH} characters, got ${term.length}`);
  }
  return term;
}

function parseSortKey(value: unknown): ThreadSortKey {
  if (value === undefined) return "created";
  if (SORT_KEYS.includes(value as ThreadSortKey)) return value as ThreadSortKey;
  throw new InvalidRequestError(`sortKey must be one of ${SORT_KEYS.join(", ")}, got ${String(value)}`);
}

function parseSortDirection(value: unknown): SortDirection {
  if (value === undefined) return "desc";
  if (SORT_DIRECTIONS.includes(value as SortDirection)) return value as SortDirection;
  throw new InvalidRequestError(`sortDirection must be one of ${SORT_DIRECTIONS.join(", ")}, got ${String(value)}`);
}

function parseBoolean(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  throw new InvalidRequestError(`${field} must be a boolean`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  throw new InvalidRequestError(`${field} must be a string`);
}

function optionalStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value];
  throw new InvalidRequestError(`${field} must be an array of strings`);
}
