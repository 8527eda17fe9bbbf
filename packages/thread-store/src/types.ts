import type {
  DynamicToolSpec,
  MemoryMode,
  RolloutItem,
  RolloutLine,
  SessionSource,
  StoredThread,
  ThreadId,
  ThreadMetadataPatch,
} from "@skein/protocol";
import type { RawRolloutItem } from "@skein/rollout";

/** Facts a store needs to open a live writer. `cwd` absent = no filesystem context. */
export interface ThreadPersistenceMetadata {
  cwd?: string;
  modelProvider: string;
  memoryMode?: "enabled" | "disabled";
}

export interface CreateThreadParams {
  threadId: ThreadId;
  forkedFromId?: ThreadId;
  parentThreadId?: ThreadId;
  source: SessionSource;
  threadSource?: string;
  baseInstructions?: string;
  /** Defined at thread start; written into the rollout's `session_meta`. */
  dynamicTools?: DynamicToolSpec[];
  /** Originator written into `session_meta` (default `skein`). */
  originator?: string;
  /** CLI version written into `session_meta` (default: the Skein version). */
  cliVersion?: string;
  /** `paginated` forks may reference their parent through `historyBase` instead of copying. */
  historyMode?: "legacy" | "paginated";
  metadata: ThreadPersistenceMetadata;
}

export interface ResumeThreadParams {
  threadId: ThreadId;
  /** An explicit rollout file (may be outside the home's `sessions/`). */
  rolloutPath?: string;
  /** History the caller already has; skips loading it again. */
  history?: RolloutLine[];
  includeArchived?: boolean;
  metadata: ThreadPersistenceMetadata;
}

export interface AppendThreadItemsParams {
  threadId: ThreadId;
  items: RolloutItem[];
}

/** Items whose payload is JSON text (docs/rollout-format.md, "Appending JSON text"). */
export interface AppendRawThreadItemsParams {
  threadId: ThreadId;
  items: readonly RawRolloutItem[];
}

export interface StoredThreadHistory {
  threadId: ThreadId;
  /** Every record, in order; for a paginated fork, the parent's prefix first. */
  items: RolloutLine[];
}

export interface LoadHistoryParams {
  threadId: ThreadId;
  includeArchived?: boolean;
}

export interface ReadThreadParams {
  threadId: ThreadId;
  includeArchived?: boolean;
  includeHistory?: boolean;
}

export interface ReadThreadByRolloutPathParams {
  rolloutPath: string;
  includeArchived?: boolean;
  includeHistory?: boolean;
}

/** A thread summary, plus its history when asked for. */
export type ThreadRecord = StoredThread & { history?: RolloutLine[] };

export type ThreadSortKey = "created" | "updated" | "recency";
export type SortDirection = "asc" | "desc";

export interface ListThreadsParams {
  /** 1..1000, default 50. */
  pageSize?: number;
  /** Opaque; only valid for the same query that produced it. */
  cursor?: string;
  sortKey?: ThreadSortKey;
  sortDirection?: SortDirection;
  /** Empty or absent: every source. Compared by `sessionSourceKey`. */
  sources?: string[];
  /** Empty or absent: every provider. */
  modelProviders?: string[];
  /** Absent: every cwd; `[]` matches nothing. */
  cwdFilters?: string[];
  /** Lists the archived collection instead of the active one. */
  archived?: boolean;
  /** Substring match on name, title and preview. */
  searchTerm?: string;
  parentThreadId?: ThreadId;
}

export interface ThreadPage {
  items: StoredThread[];
  nextCursor?: string;
}

/**
 * A content search (docs/search.md). `searchTerm` is what a user typed: words ANDed within one
 * message, `"quoted phrases"`, `prefix*`, plain words of 3+ characters as prefixes; case and
 * diacritics ignored; FTS or SQL syntax is only text.
 */
export interface SearchThreadsParams {
  searchTerm: string;
  /** 1..1000, default 50. */
  pageSize?: number;
  cursor?: string;
  /** Searches the archived collection instead of the active one. */
  archived?: boolean;
  /** Empty or absent: every source. */
  sources?: string[];
  /** Empty or absent: every provider. */
  modelProviders?: string[];
  /** Absent: every cwd; `[]` matches nothing. */
  cwdFilters?: string[];
  /** Also match tool calls and their outputs (default false). */
  includeTools?: boolean;
  /** `relevance` (default: bm25, a thread by its best hit) or `updated` (last update first). */
  sortKey?: SearchSortKey;
  /** Places reported per thread, best first: 1..100, default 3. */
  hitsPerThread?: number;
}

export type SearchSortKey = "relevance" | "updated";

/** Where a thread matched: a message (by role) of its own history, or its name. */
export interface ThreadSearchMatch {
  role: "user" | "assistant" | "tool" | "name";
  /** Position of the item in the thread's full history (as `listItems` numbers it); messages only. */
  position?: number;
  turnId?: string;
  /** Epoch ms of the item. */
  at?: number;
  /** The excerpt, plain. */
  text: string;
  /** `[start, end)` ranges of `text` that matched. */
  highlights: Array<[number, number]>;
  /** `text` with each match marked `[...]`. */
  snippet: string;
}

export interface ThreadSearchHit {
  thread: StoredThread;
  /** The best match's excerpt with the match marked `[...]`. */
  snippet: string;
  /** Relevance (higher is better; comparable within one search). */
  score: number;
  /** The best places, best first (at least one). */
  matches: ThreadSearchMatch[];
}

export interface ThreadSearchPage {
  items: ThreadSearchHit[];
  nextCursor?: string;
}

export type StoredTurnStatus = "completed" | "interrupted" | "failed" | "in_progress";

export interface StoredTurn {
  turnId: string;
  /** 0-based position of the turn in the thread. */
  index: number;
  status: StoredTurnStatus;
  startedAt?: number;
  completedAt?: number;
  /** The turn's records, in order (empty when `includeItems` was false). */
  items: RolloutLine[];
}

export interface ListTurnsParams {
  threadId: ThreadId;
  includeArchived?: boolean;
  cursor?: string;
  pageSize?: number;
  sortDirection?: SortDirection;
  includeItems?: boolean;
}

export interface TurnPage {
  items: StoredTurn[];
  nextCursor?: string;
}

export interface ListItemsParams {
  threadId: ThreadId;
  /** Only the records of this turn (positions stay those of the full history). */
  turnId?: string;
  includeArchived?: boolean;
  cursor?: string;
  pageSize?: number;
  sortDirection?: SortDirection;
}

export interface StoredThreadItem {
  /** 0-based position of the record in the thread's full history. */
  position: number;
  turnId?: string;
  line: RolloutLine;
}

export interface ItemPage {
  items: StoredThreadItem[];
  nextCursor?: string;
}

export interface UpdateThreadMetadataParams {
  threadId: ThreadId;
  patch: ThreadMetadataPatch;
  includeArchived?: boolean;
}

export interface ThreadIdParams {
  threadId: ThreadId;
}

export type { MemoryMode };
