import type {
  AppendRawThreadItemsParams,
  AppendThreadItemsParams,
  CreateThreadParams,
  ItemPage,
  ListItemsParams,
  ListThreadsParams,
  ListTurnsParams,
  LoadHistoryParams,
  ReadThreadByRolloutPathParams,
  ReadThreadParams,
  ResumeThreadParams,
  SearchThreadsParams,
  StoredThreadHistory,
  ThreadIdParams,
  ThreadPage,
  ThreadRecord,
  ThreadSearchPage,
  TurnPage,
  UpdateThreadMetadataParams,
} from "./types.js";

/**
 * Durable storage of agent threads: canonical history plus queryable metadata.
 *
 * Contract (the conformance suite in `@skein/thread-store/conformance` checks every point):
 * - Ids are validated before anything else: a non-UUID id (`../x`, `/abs/path`) rejects with
 *   `InvalidRequestError("invalid thread id: …")`. Params are validated too (page size 1..1000,
 *   sort key, direction, patch fields); a zod error never escapes.
 * - `appendItems` is the raw canonical-history append. It never infers metadata from items.
 * - `updateThreadMetadata` is the only metadata write. It takes one literal patch shape.
 * - A thread has at most one live writer (created or resumed) at a time, across processes.
 * - Only threads with a non-empty preview are listed (Codex's rule).
 * - Every method rejects only with a `ThreadStoreError` subclass.
 */
export interface ThreadStore {
  /**
   * Opens a new live writer. Lazy: nothing is durable or visible (read → ThreadNotFoundError,
   * not listed) until `persistThread`, or a `flushThread`/`shutdownThread` with pending items.
   * The first history line is a `session_meta` built from the params.
   * @throws InvalidRequestError "thread store requires a cwd" without `metadata.cwd`.
   * @throws ConflictError when the id exists durably or a live writer holds it (names the holder when known).
   */
  createThread(params: CreateThreadParams): Promise<void>;
  /**
   * Reopens an existing thread for live appends.
   * @throws ThreadNotFoundError for an unknown thread; ConflictError while another writer is live;
   * InvalidRequestError without a cwd, or for an archived thread without `includeArchived`.
   */
  resumeThread(params: ResumeThreadParams): Promise<void>;
  /**
   * Appends history to a live thread: applies the persistence policy, keeps call order across
   * calls, and never changes metadata. A store may make items durable at once; only
   * persist/flush/shutdown guarantee it.
   * @throws ThreadNotFoundError without a live writer.
   */
  appendItems(params: AppendThreadItemsParams): Promise<void>;
  /**
   * Optional: `appendItems` for items whose payload is JSON text, written as given when it is
   * in `JSON.stringify`'s spelling (the same bytes `appendItems` writes for the parsed items).
   * Every item is checked before any is written. A store without it gets parsed items through
   * `appendItems` (LiveThread does that).
   * @throws InvalidRequestError for a malformed item (nothing written); ThreadNotFoundError without a live writer.
   */
  appendRawItems?(params: AppendRawThreadItemsParams): Promise<void>;
  /** Materializes a lazily created thread and writes queued items. Idempotent. @throws ThreadNotFoundError without a live writer. */
  persistThread(params: ThreadIdParams): Promise<void>;
  /** Resolves once every queued item is written (readable by other readers). @throws ThreadNotFoundError without a live writer. */
  flushThread(params: ThreadIdParams): Promise<void>;
  /** Flushes, then closes and releases the live writer; later appends reject with ThreadNotFoundError. */
  shutdownThread(params: ThreadIdParams): Promise<void>;
  /** Releases the live writer without writing pending items. Durable data is kept. @throws ThreadNotFoundError without a live writer. */
  discardThread(params: ThreadIdParams): Promise<void>;

  /**
   * Every history line in order. @throws ThreadNotFoundError; InvalidRequestError
   * "thread <id> is archived" for an archived thread without `includeArchived`.
   */
  loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory>;
  /** The summary, plus every history line on request. Errors as `loadHistory`. */
  readThread(params: ReadThreadParams): Promise<ThreadRecord>;
  /** Deprecated, path-addressed read. @throws InvalidRequestError for a path that holds no thread. */
  readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord>;
  /**
   * One keyset page of listable threads (non-empty preview) of the active or archived
   * collection, sorted by key then id. Each page continues after the last (sort value, id) of
   * the page before, so pages never repeat or skip a thread while others are created.
   *
   * A thread whose sort value changes while a caller pages (`updated`/`recency` move on every
   * append or patch; `created` never changes) is placed by its new value: it may be skipped
   * (it moved behind the cursor) or listed twice (it moved ahead). A thread archived or
   * unarchived meanwhile changes collection. Every other thread is listed exactly once.
   * @throws InvalidRequestError "invalid cursor: …" for a tampered or foreign cursor.
   */
  listThreads(params: ListThreadsParams): Promise<ThreadPage>;
  /** Threads whose text contains the term (plain text), each with a snippet marking it `[...]`. */
  searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage>;
  /** One page of the thread's turns (see `segmentTurns`), in either direction. */
  listTurns(params: ListTurnsParams): Promise<TurnPage>;
  /** One page of the thread's lines with 0-based full-history positions, in either direction. */
  listItems(params: ListItemsParams): Promise<ItemPage>;

  /**
   * Applies the literal patch (absent = unchanged, null = clear, value = set; `gitInfo`
   * merges per field; `advanceRecencyAt` only moves forward) and returns the updated thread.
   * An empty patch returns the thread unchanged. `name` is never overwritten by title/preview.
   * @throws ThreadNotFoundError for a thread that is not durable; InvalidRequestError naming a bad field.
   */
  updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord>;
  /** Moves a thread to the archived collection; a no-op when archived. Keeps `recencyAt`. @throws ThreadNotFoundError */
  archiveThread(params: ThreadIdParams): Promise<void>;
  /** Moves a thread back to the active collection and returns it; a no-op when active. @throws ThreadNotFoundError */
  unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord>;
  /** Deletes history, metadata and any live writer. Explicit and irreversible. @throws ThreadNotFoundError */
  deleteThread(params: ThreadIdParams): Promise<void>;

  /** Releases every resource (writers are flushed and closed). Idempotent. */
  close(): Promise<void>;
}
