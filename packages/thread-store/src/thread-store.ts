import type {
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
 * Contract:
 * - `appendItems` is the raw canonical-history append. It never infers metadata from items.
 * - `updateThreadMetadata` is the only metadata write. It takes one literal patch shape.
 * - A thread has at most one live writer (created or resumed) at a time, across processes.
 * - Every method rejects only with a `ThreadStoreError` subclass.
 */
export interface ThreadStore {
  /** Opens a new live writer. Persistence may be lazy: nothing is written until items exist. */
  createThread(params: CreateThreadParams): Promise<void>;
  /** Reopens an existing thread for live appends. */
  resumeThread(params: ResumeThreadParams): Promise<void>;
  /** Appends history to a live thread (persistence policy applied). No metadata side effects. */
  appendItems(params: AppendThreadItemsParams): Promise<void>;
  /** Materializes a lazily created thread and writes queued items. Idempotent. */
  persistThread(params: ThreadIdParams): Promise<void>;
  /** Resolves once every queued item is written (readable by other readers). */
  flushThread(params: ThreadIdParams): Promise<void>;
  /** Flushes, then closes and releases the live writer. */
  shutdownThread(params: ThreadIdParams): Promise<void>;
  /** Releases the live writer without writing pending items. Durable data is kept. */
  discardThread(params: ThreadIdParams): Promise<void>;

  loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory>;
  readThread(params: ReadThreadParams): Promise<ThreadRecord>;
  readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord>;
  listThreads(params: ListThreadsParams): Promise<ThreadPage>;
  searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage>;
  listTurns(params: ListTurnsParams): Promise<TurnPage>;
  listItems(params: ListItemsParams): Promise<ItemPage>;

  /** Applies the literal patch and returns the updated thread. */
  updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord>;
  archiveThread(params: ThreadIdParams): Promise<void>;
  unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord>;
  /** Deletes history and metadata. Explicit and irreversible. */
  deleteThread(params: ThreadIdParams): Promise<void>;

  /** Releases every resource (writers are flushed and closed). Idempotent. */
  close(): Promise<void>;
}
