import { isThreadId, type ThreadId } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import type { ListThreadsParams, SortDirection, ThreadSortKey } from "../types.js";

// The checks of `listThreads` params and the field checks other requests share, without zod or
// the protocol schemas: the read-only listing path (read-only/, docs/cli-startup.md) loads this
// module and must stay small. request-validation.ts re-exports everything here.

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

/** @throws InvalidRequestError unless `value` is absent or an integer in 1..{@link MAX_PAGE_SIZE}. */
export function parsePageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_PAGE_SIZE) return value;
  throw new InvalidRequestError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(value)}`);
}

/** @throws InvalidRequestError when the term is longer than {@link MAX_SEARCH_TERM_LENGTH}. */
export function parseSearchTermLength(term: string | undefined): string | undefined {
  if (term !== undefined && term.length > MAX_SEARCH_TERM_LENGTH) {
    throw new InvalidRequestError(`searchTerm must be at most ${MAX_SEARCH_TERM_LENGTH} characters, got ${term.length}`);
  }
  return term;
}

export function parseSortKey(value: unknown): ThreadSortKey {
  if (value === undefined) return "created";
  if (SORT_KEYS.includes(value as ThreadSortKey)) return value as ThreadSortKey;
  throw new InvalidRequestError(`sortKey must be one of ${SORT_KEYS.join(", ")}, got ${String(value)}`);
}

export function parseSortDirection(value: unknown): SortDirection {
  if (value === undefined) return "desc";
  if (SORT_DIRECTIONS.includes(value as SortDirection)) return value as SortDirection;
  throw new InvalidRequestError(`sortDirection must be one of ${SORT_DIRECTIONS.join(", ")}, got ${String(value)}`);
}

export function parseBoolean(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  throw new InvalidRequestError(`${field} must be a boolean`);
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  throw new InvalidRequestError(`${field} must be a string`);
}

export function optionalStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value];
  throw new InvalidRequestError(`${field} must be an array of strings`);
}
