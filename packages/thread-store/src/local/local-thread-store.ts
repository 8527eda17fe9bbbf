import type { ThreadStore } from "../thread-store.js";
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
} from "../types.js";
import { UnsupportedOperationError } from "../errors.js";
import type { HomeCheckReport, LocalThreadStoreOptions, ReindexOptions, ReindexReport } from "./types.js";

/**
 * A {@link ThreadStore} over a Codex-compatible home: per-thread JSONL rollouts (the truth) plus a
 * SQLite index (`skein_state_1.sqlite`, a cache rebuilt from the JSONL whenever needed).
 *
 * Reads and lists come from the index, never from a scan of every file; without SQLite the store
 * answers the same from the files (slower). One live writer per thread across processes
 * (`<home>/.skein/locks/<id>.lock`); a lock left by a dead process is taken over.
 *
 * @example
 * ```ts
 * await using store = await LocalThreadStore.open({ home: "/home/me/.codex" });
 * const page = await store.listThreads({ pageSize: 20 });
 * ```
 */
export class LocalThreadStore implements ThreadStore {
  readonly home: string;

  private constructor(home: string) {
    this.home = home;
  }

  /**
   * Opens the store: opens (or recovers) the index, then catches up with the files
   * (see {@link LocalThreadStoreOptions.catchUp}). Never fails because of the index: a corrupt DB
   * is moved aside and rebuilt; without SQLite the store runs on files only.
   */
  static async open(options: LocalThreadStoreOptions): Promise<LocalThreadStore> {
    return new LocalThreadStore(options.home);
  }

  /** Which backend answers reads: `sqlite`, or `none` (files only). */
  get indexMode(): "sqlite" | "none" {
    return "none";
  }

  /**
   * Reconciles the index with the files: only files whose size or mtime changed are re-extracted,
   * rows of vanished files are removed, one bad file is reported and never fails the run.
   * Guarded by a state lease so two processes don't backfill at once.
   */
  async reindex(_options: ReindexOptions = {}): Promise<ReindexReport> {
    throw new UnsupportedOperationError("reindex");
  }

  /** Checks index vs file parity, torn tails, unreadable lines, writer locks and DB health. Read-only. */
  async checkHome(): Promise<HomeCheckReport> {
    throw new UnsupportedOperationError("check_home");
  }

  async createThread(_params: CreateThreadParams): Promise<void> {
    throw new UnsupportedOperationError("create_thread");
  }
  async resumeThread(_params: ResumeThreadParams): Promise<void> {
    throw new UnsupportedOperationError("resume_thread");
  }
  async appendItems(_params: AppendThreadItemsParams): Promise<void> {
    throw new UnsupportedOperationError("append_items");
  }
  async persistThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("persist_thread");
  }
  async flushThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("flush_thread");
  }
  async shutdownThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("shutdown_thread");
  }
  async discardThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("discard_thread");
  }
  async loadHistory(_params: LoadHistoryParams): Promise<StoredThreadHistory> {
    throw new UnsupportedOperationError("load_history");
  }
  async readThread(_params: ReadThreadParams): Promise<ThreadRecord> {
    throw new UnsupportedOperationError("read_thread");
  }
  async readThreadByRolloutPath(_params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    throw new UnsupportedOperationError("read_thread_by_rollout_path");
  }
  async listThreads(_params: ListThreadsParams): Promise<ThreadPage> {
    throw new UnsupportedOperationError("list_threads");
  }
  async searchThreads(_params: SearchThreadsParams): Promise<ThreadSearchPage> {
    throw new UnsupportedOperationError("thread/search");
  }
  async listTurns(_params: ListTurnsParams): Promise<TurnPage> {
    throw new UnsupportedOperationError("list_turns");
  }
  async listItems(_params: ListItemsParams): Promise<ItemPage> {
    throw new UnsupportedOperationError("list_items");
  }
  async updateThreadMetadata(_params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    throw new UnsupportedOperationError("update_thread_metadata");
  }
  async archiveThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("archive_thread");
  }
  async unarchiveThread(_params: ThreadIdParams): Promise<ThreadRecord> {
    throw new UnsupportedOperationError("unarchive_thread");
  }
  async deleteThread(_params: ThreadIdParams): Promise<void> {
    throw new UnsupportedOperationError("delete_thread");
  }

  /** Flushes and releases every live writer and closes the index. Idempotent. */
  async close(): Promise<void> {}

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
