import { hostname } from "node:os";
import {
  formatRolloutTimestamp,
  isEmptyPatch,
  mergePatch,
  type GitInfo,
  type RolloutItem,
  type RolloutLine,
  type SessionSource,
  type StoredThread,
  type ThreadId,
  type ThreadMetadataPatch,
} from "@skein/protocol";
import { persistedRolloutItems } from "@skein/rollout";
import { ConflictError, InvalidRequestError, ThreadNotFoundError } from "./errors.js";
import {
  archivedThreadDetail,
  assertRolloutItems,
  createSessionMetaItem,
  DEFAULT_CLI_VERSION,
  normalizeHistoryPageParams,
  normalizeListThreadsParams,
  normalizeSearchParams,
  pageItems,
  pageThreads,
  pageTurns,
  parseMetadataPatch,
  parseThreadId,
  requireCwd,
  searchCandidates,
  searchableTexts,
  dropInherited,
  type SearchCandidate,
} from "./history/index.js";
import type { ThreadStore } from "./thread-store.js";
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

// Behaviour: docs/thread-store.md, "InMemoryThreadStore": completed into a full store (lists, pages, archive).

/** Options of {@link InMemoryThreadStore}. */
export interface InMemoryThreadStoreOptions {
  /** The clock for timestamps (epoch ms). Default `Date.now`. */
  now?: () => number;
}

/** Facts fixed when a thread is created (the `session_meta` of its history). */
interface ThreadOrigin {
  forkedFromId: ThreadId | undefined;
  parentThreadId: ThreadId | undefined;
  source: SessionSource;
  threadSource: string | undefined;
  cwd: string;
  modelProvider: string;
  cliVersion: string;
  memoryMode: "enabled" | "disabled";
  historyMode: "legacy" | "paginated";
}

/** A durable thread. */
interface ThreadEntry {
  readonly threadId: ThreadId;
  readonly origin: ThreadOrigin;
  readonly history: RolloutLine[];
  /** Every metadata patch merged, presence semantics. */
  patch: ThreadMetadataPatch;
  gitInfo: GitInfo;
  rolloutPath: string | undefined;
  createdAt: number;
  updatedAt: number;
  recencyAt: number;
  archivedAt: number | undefined;
}

/** A live writer. Before `materialized`, the thread exists only here. */
interface LiveWriter {
  materialized: boolean;
  /** Items appended before materialization (dropped by discard). */
  pending: RolloutLine[];
  /** The entry to insert on materialization (created threads only). */
  draft: ThreadEntry | undefined;
}

const REGISTRY = new Map<string, InMemoryThreadStore>();

/**
 * A complete `ThreadStore` that keeps everything in process memory: the same contract as the
 * local store (it passes the same conformance suite), without files. Use it for tests, for
 * embedding an agent that needs no persistence, and as a reference implementation.
 *
 * Nothing survives the process. Stored values are copies: mutating an argument after a call,
 * or a returned object, never changes the store. `close()` releases live writers (flushing
 * their pending items) and leaves the data readable.
 *
 * @example
 * ```ts
 * const store = new InMemoryThreadStore();
 * const threadId = newThreadId();
 * await store.createThread({ threadId, source: "cli", metadata: { cwd: "/work", modelProvider: "openai" } });
 * await store.appendItems({ threadId, items: [{ type: "event_msg", payload: { type: "user_message", message: "hi" } }] });
 * await store.shutdownThread({ threadId });
 * await store.updateThreadMetadata({ threadId, patch: { preview: "hi" } });
 * const { items } = await store.listThreads({});
 * ```
 */
export class InMemoryThreadStore implements ThreadStore {
  readonly #now: () => number;
  readonly #threads = new Map<ThreadId, ThreadEntry>();
  readonly #writers = new Map<ThreadId, LiveWriter>();
  readonly #holder = `${process.pid}@${hostname()}`;

  constructor(options: InMemoryThreadStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * The process-wide store registered under `id`, created on first use. Every caller with
   * the same id shares one store (Codex's `experimental_thread_store = InMemory{id}`).
   */
  static forId(id: string): InMemoryThreadStore {
    let store = REGISTRY.get(id);
    if (!store) {
      store = new InMemoryThreadStore();
      REGISTRY.set(id, store);
    }
    return store;
  }

  /** Drops the registered store `id` (its data goes with it). True when one was registered. */
  static removeId(id: string): boolean {
    return REGISTRY.delete(id);
  }

  async createThread(params: CreateThreadParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const forkedFromId = optionalId(params.forkedFromId, "forkedFromId");
    const parentThreadId = optionalId(params.parentThreadId, "parentThreadId");
    const cwd = requireCwd(params.metadata);
    this.#assertNoWriter(threadId);
    if (this.#threads.has(threadId)) throw new ConflictError(`thread ${threadId} already exists`);
    const now = this.#now();
    const meta = toLine(createSessionMetaItem(params, cwd, now), now);
    const draft: ThreadEntry = {
      threadId,
      origin: {
        forkedFromId,
        parentThreadId,
        source: structuredClone(params.source),
        threadSource: params.threadSource,
        cwd,
        modelProvider: params.metadata.modelProvider,
        cliVersion: params.cliVersion ?? DEFAULT_CLI_VERSION,
        memoryMode: params.metadata.memoryMode === "disabled" ? "disabled" : "enabled",
        historyMode: params.historyMode ?? "legacy",
      },
      history: [meta],
      patch: {},
      gitInfo: {},
      rolloutPath: undefined,
      createdAt: now,
      updatedAt: now,
      recencyAt: now,
      archivedAt: undefined,
    };
    this.#writers.set(threadId, { materialized: false, pending: [], draft });
  }

  async resumeThread(params: ResumeThreadParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    requireCwd(params.metadata);
    this.#assertNoWriter(threadId);
    const entry = this.#visible(threadId, params.includeArchived ?? false);
    if (params.rolloutPath !== undefined) this.#setRolloutPath(entry, params.rolloutPath);
    this.#writers.set(threadId, { materialized: true, pending: [], draft: undefined });
  }

  async appendItems(params: AppendThreadItemsParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    assertRolloutItems(params.items);
    const writer = this.#writer(threadId);
    const kept = persistedRolloutItems(params.items);
    if (kept.length === 0) return;
    const now = this.#now();
    const lines = kept.map((item) => toLine(structuredClone(item), now));
    if (!writer.materialized) {
      writer.pending.push(...lines);
      return;
    }
    const entry = this.#threads.get(threadId);
    if (!entry) throw new ThreadNotFoundError(threadId);
    entry.history.push(...lines);
    entry.updatedAt = Math.max(entry.updatedAt, now);
  }

  async persistThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    this.#materialize(threadId, this.#writer(threadId));
  }

  async flushThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const writer = this.#writer(threadId);
    if (!writer.materialized && writer.pending.length > 0) this.#materialize(threadId, writer);
  }

  async shutdownThread(params: ThreadIdParams): Promise<void> {
    await this.flushThread(params);
    this.#writers.delete(params.threadId);
  }

  async discardThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    this.#writer(threadId);
    this.#writers.delete(threadId);
  }

  async loadHistory(params: LoadHistoryParams): Promise<StoredThreadHistory> {
    const threadId = parseThreadId(params?.threadId);
    const entry = this.#visible(threadId, params.includeArchived ?? false);
    return { threadId, items: structuredClone(entry.history) };
  }

  async readThread(params: ReadThreadParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    return this.#record(this.#visible(threadId, params.includeArchived ?? false), params.includeHistory ?? false);
  }

  async readThreadByRolloutPath(params: ReadThreadByRolloutPathParams): Promise<ThreadRecord> {
    const path = params?.rolloutPath;
    if (typeof path !== "string" || path === "") throw new InvalidRequestError("rolloutPath must be a non-empty string");
    const entry = [...this.#threads.values()].find((e) => e.rolloutPath === path);
    if (!entry) throw new InvalidRequestError(`no thread at rollout path ${path}`);
    return this.#record(this.#visible(entry.threadId, params.includeArchived ?? false), params.includeHistory ?? false);
  }

  async listThreads(params: ListThreadsParams): Promise<ThreadPage> {
    const query = normalizeListThreadsParams(params);
    return pageThreads(this.#summaries(), query);
  }

  async searchThreads(params: SearchThreadsParams): Promise<ThreadSearchPage> {
    const search = normalizeSearchParams(params);
    const candidates = new Map<string, SearchCandidate>();
    for (const entry of this.#threads.values()) {
      candidates.set(entry.threadId, { thread: summarize(entry), texts: searchableTexts(entry.history) });
    }
    dropInherited(candidates);
    return structuredClone(searchCandidates(candidates.values(), search));
  }

  async listTurns(params: ListTurnsParams): Promise<TurnPage> {
    const query = normalizeHistoryPageParams(params);
    const entry = this.#visible(query.threadId, query.includeArchived);
    return structuredClone(pageTurns(entry.history, query));
  }

  async listItems(params: ListItemsParams): Promise<ItemPage> {
    const query = normalizeHistoryPageParams(params);
    const entry = this.#visible(query.threadId, query.includeArchived);
    return structuredClone(pageItems(entry.history, query));
  }

  async updateThreadMetadata(params: UpdateThreadMetadataParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    const patch = parseMetadataPatch(params.patch);
    const entry = this.#threads.get(threadId);
    if (!entry) throw new ThreadNotFoundError(threadId);
    if (isEmptyPatch(patch)) return this.#record(entry, false);
    entry.patch = mergePatch(entry.patch, structuredClone(patch));
    if (patch.rolloutPath !== undefined) this.#setRolloutPath(entry, patch.rolloutPath);
    if (patch.createdAt !== undefined) entry.createdAt = patch.createdAt;
    if (patch.updatedAt !== undefined) entry.updatedAt = patch.updatedAt;
    // Recency only moves forward: a late or replayed observation never reorders the list back.
    if (patch.advanceRecencyAt !== undefined) entry.recencyAt = Math.max(entry.recencyAt, patch.advanceRecencyAt);
    if (patch.gitInfo) entry.gitInfo = mergeGit(entry.gitInfo, patch.gitInfo);
    return this.#record(entry, false);
  }

  async archiveThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    const entry = this.#threads.get(threadId);
    if (!entry) throw new ThreadNotFoundError(threadId);
    // Archive moves the thread between collections; it is not activity, so no time moves
    // except archivedAt (Codex `codex archive` leaves updated_at and recency_at alone).
    entry.archivedAt ??= this.#now();
  }

  async unarchiveThread(params: ThreadIdParams): Promise<ThreadRecord> {
    const threadId = parseThreadId(params?.threadId);
    const entry = this.#threads.get(threadId);
    if (!entry) throw new ThreadNotFoundError(threadId);
    if (entry.archivedAt !== undefined) {
      entry.archivedAt = undefined;
      // Codex bumps the file's mtime on unarchive, so the thread sorts as freshly updated.
      entry.updatedAt = Math.max(entry.updatedAt, this.#now());
    }
    return this.#record(entry, false);
  }

  async deleteThread(params: ThreadIdParams): Promise<void> {
    const threadId = parseThreadId(params?.threadId);
    this.#writers.delete(threadId);
    if (!this.#threads.delete(threadId)) throw new ThreadNotFoundError(threadId);
  }

  async close(): Promise<void> {
    for (const [threadId, writer] of [...this.#writers]) {
      if (!writer.materialized && writer.pending.length > 0) this.#materialize(threadId, writer);
      this.#writers.delete(threadId);
    }
  }

  #assertNoWriter(threadId: ThreadId): void {
    if (this.#writers.has(threadId)) {
      throw new ConflictError(`thread ${threadId} already has a live writer (held by ${this.#holder})`, {
        holder: this.#holder,
      });
    }
  }

  #writer(threadId: ThreadId): LiveWriter {
    const writer = this.#writers.get(threadId);
    if (!writer) throw new ThreadNotFoundError(threadId);
    return writer;
  }

  #materialize(threadId: ThreadId, writer: LiveWriter): void {
    if (writer.materialized) return;
    const entry = writer.draft!;
    entry.history.push(...writer.pending);
    const last = entry.history.at(-1);
    if (last) entry.updatedAt = Math.max(entry.updatedAt, Date.parse(last.timestamp) || entry.updatedAt);
    this.#threads.set(threadId, entry);
    writer.pending = [];
    writer.draft = undefined;
    writer.materialized = true;
  }

  #visible(threadId: ThreadId, includeArchived: boolean): ThreadEntry {
    const entry = this.#threads.get(threadId);
    if (!entry) throw new ThreadNotFoundError(threadId);
    if (entry.archivedAt !== undefined && !includeArchived) throw new InvalidRequestError(archivedThreadDetail(threadId));
    return entry;
  }

  #setRolloutPath(entry: ThreadEntry, path: string): void {
    const other = [...this.#threads.values()].find((e) => e.rolloutPath === path && e !== entry);
    if (other) throw new ConflictError(`rollout path ${path} already belongs to thread ${other.threadId}`);
    entry.rolloutPath = path;
  }

  *#summaries(): Iterable<StoredThread> {
    for (const entry of this.#threads.values()) yield summarize(entry);
  }

  #record(entry: ThreadEntry, includeHistory: boolean): ThreadRecord {
    const thread = summarize(entry);
    return includeHistory ? { ...thread, history: structuredClone(entry.history) } : thread;
  }
}

function optionalId(value: unknown, field: string): ThreadId | undefined {
  return value === undefined ? undefined : parseThreadId(value, field);
}

function toLine(item: RolloutItem, nowMs: number): RolloutLine {
  return { timestamp: formatRolloutTimestamp(nowMs), ...item } as RolloutLine;
}

function mergeGit(current: GitInfo, patch: NonNullable<ThreadMetadataPatch["gitInfo"]>): GitInfo {
  const next: Record<string, string | undefined> = { ...current };
  for (const key of ["sha", "branch", "originUrl"] as const) {
    const value = patch[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as GitInfo;
}

/** The `StoredThread` view of an entry: explicit patches over the creation facts. */
function summarize(entry: ThreadEntry): StoredThread {
  const p = entry.patch;
  const o = entry.origin;
  const thread: StoredThread = {
    threadId: entry.threadId,
    preview: p.preview ?? p.firstUserMessage ?? "",
    modelProvider: p.modelProvider ?? o.modelProvider,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    recencyAt: entry.recencyAt,
    archived: entry.archivedAt !== undefined,
    cwd: p.cwd ?? o.cwd,
    cliVersion: p.cliVersion ?? o.cliVersion,
    source: structuredClone(p.source ?? o.source),
    memoryMode: p.memoryMode ?? o.memoryMode,
    historyMode: p.historyMode ?? o.historyMode,
  };
  const optional: Partial<StoredThread> = {
    rolloutPath: entry.rolloutPath,
    forkedFromId: o.forkedFromId,
    parentThreadId: o.parentThreadId,
    name: p.name ?? undefined,
    title: p.title,
    firstUserMessage: p.firstUserMessage,
    model: p.model,
    reasoningEffort: p.reasoningEffort,
    archivedAt: entry.archivedAt,
    threadSource: p.threadSource === undefined ? o.threadSource : (p.threadSource ?? undefined),
    agentNickname: p.agentNickname ?? undefined,
    agentRole: p.agentRole ?? undefined,
    agentPath: p.agentPath ?? undefined,
    gitInfo: Object.keys(entry.gitInfo).length > 0 ? { ...entry.gitInfo } : undefined,
    approvalMode: p.approvalMode,
    permissionProfile: p.permissionProfile === undefined ? undefined : structuredClone(p.permissionProfile),
    tokensUsed: p.tokenUsage ? Math.max(p.tokenUsage.totalTokens, 0) : undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (thread as Record<string, unknown>)[key] = value;
  }
  return thread;
}
