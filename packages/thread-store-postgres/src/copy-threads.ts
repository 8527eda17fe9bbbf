import type { RolloutLine, StoredThread, ThreadId, ThreadMetadataPatch } from "@skein/protocol";
import { ConflictError, isThreadStoreError, type ThreadStore } from "@skein/thread-store";
import type { ImportLine, ImportThreadParams } from "./postgres-thread-store.js";

/**
 * A store that can take a whole thread at once, keeping line timestamps and raw text.
 * `PostgresThreadStore` is one; `copyThreads` uses this when the target has it.
 */
export interface ThreadImporter {
  importThread(params: ImportThreadParams): Promise<void>;
}

/** A store that can give a thread's history as its exact stored JSON lines. */
export interface RawHistorySource {
  loadRawHistory(params: { threadId: ThreadId; includeArchived?: boolean }): Promise<string[]>;
}

/** A store that can name every thread it holds, listable or not. */
export interface ThreadIdSource {
  listThreadIds(): Promise<ThreadId[]>;
}

/** Params of {@link copyThreads}. */
export interface CopyThreadsParams {
  /** Where threads are read (any `ThreadStore`). */
  from: ThreadStore;
  /** Where threads are written (any `ThreadStore`; byte-faithful when it is a {@link ThreadImporter}). */
  to: ThreadStore;
  /**
   * Threads to copy. Default: every thread `from` holds — all ids when it is a
   * {@link ThreadIdSource}, otherwise every thread its `listThreads` shows in the active
   * and the archived collection (a store's list hides threads with an empty preview).
   */
  threadIds?: readonly ThreadId[];
  /** Called after each thread. */
  onProgress?: (event: CopyThreadsProgress) => void;
  signal?: AbortSignal;
}

/** One finished thread of a copy. */
export interface CopyThreadsProgress {
  threadId: ThreadId;
  outcome: "copied" | "skipped" | "failed";
  done: number;
  total: number;
}

/** What {@link copyThreads} did. */
export interface CopyThreadsResult {
  /** Threads written to `to`. */
  copied: ThreadId[];
  /** Threads `to` already had (left untouched: a copy never overwrites). */
  skipped: ThreadId[];
  /** Threads that could not be copied, with the error (a ThreadStoreError). */
  failed: { threadId: ThreadId; error: Error }[];
  /**
   * True when every copied line kept its original timestamp and raw text: the target was
   * a {@link ThreadImporter}. Otherwise `to` stamped lines itself (see `copyThreads`).
   */
  faithful: boolean;
}

/**
 * Copies threads between any two stores — a local Codex home and PostgreSQL, or the
 * reverse — without losing history, metadata, names or the archived flag. Run it again
 * after an interruption: threads already in `to` are skipped, never overwritten.
 *
 * - History: read with `loadHistory` (or the exact stored lines when `from` is a
 *   {@link RawHistorySource}). When `to` is a {@link ThreadImporter} the lines are stored
 *   as they are (same timestamps and, where known, the same bytes). Otherwise the thread is
 *   recreated through the public API: `createThread` from the first `session_meta`, then
 *   `appendItems` of the rest (the target stamps new timestamps and writes its own first
 *   `session_meta` from the original's fields).
 * - Metadata: every summary field is written with one `updateThreadMetadata` patch
 *   (name, title, preview, times, git, tokens, …), then `archiveThread` if it was archived.
 *
 * @example
 * ```ts
 * const local = await LocalThreadStore.open({ home: "~/.codex" });
 * const shared = await PostgresThreadStore.open({ connectionString: process.env.SKEIN_PG_URL });
 * const result = await copyThreads({ from: local, to: shared });
 * console.log(`${result.copied.length} copied, ${result.skipped.length} already there`);
 * ```
 */
export async function copyThreads(params: CopyThreadsParams): Promise<CopyThreadsResult> {
  const { from, to } = params;
  const ids = params.threadIds ? [...params.threadIds] : await allThreadIds(from);
  const result: CopyThreadsResult = { copied: [], skipped: [], failed: [], faithful: isImporter(to) };
  for (const threadId of ids) {
    params.signal?.throwIfAborted();
    let outcome: CopyThreadsProgress["outcome"];
    try {
      outcome = (await copyOne(from, to, threadId)) ? "copied" : "skipped";
    } catch (error) {
      if (!isThreadStoreError(error)) throw error;
      result.failed.push({ threadId, error });
      outcome = "failed";
    }
    if (outcome === "copied") result.copied.push(threadId);
    if (outcome === "skipped") result.skipped.push(threadId);
    params.onProgress?.({ threadId, outcome, done: result.copied.length + result.skipped.length + result.failed.length, total: ids.length });
  }
  return result;
}

/** Copies one thread; false when `to` already has it. */
async function copyOne(from: ThreadStore, to: ThreadStore, threadId: ThreadId): Promise<boolean> {
  if (await exists(to, threadId)) return false;
  const record = await from.readThread({ threadId, includeArchived: true, includeHistory: true });
  const { history = [], ...thread } = record;
  const raw = isRawSource(from) ? await from.loadRawHistory({ threadId, includeArchived: true }) : undefined;
  const lines: ImportLine[] = history.map((line, i) => (raw?.[i] !== undefined ? { line, raw: raw[i] } : { line }));
  if (isImporter(to)) {
    try {
      await to.importThread({ thread, lines });
    } catch (error) {
      if (error instanceof ConflictError || (isThreadStoreError(error) && error.code === "conflict")) return false;
      throw error;
    }
    return true;
  }
  await recreate(to, thread, history);
  return true;
}

/** The public-API path: create from the first session_meta, append the rest, patch, archive. */
async function recreate(to: ThreadStore, thread: StoredThread, history: readonly RolloutLine[]): Promise<void> {
  const meta = history[0]?.type === "session_meta" ? (history[0].payload as Record<string, unknown>) : {};
  const baseInstructions = (meta["base_instructions"] as { text?: unknown } | null | undefined)?.text;
  await to.createThread({
    threadId: thread.threadId,
    ...(thread.forkedFromId !== undefined ? { forkedFromId: thread.forkedFromId } : {}),
    ...(thread.parentThreadId !== undefined ? { parentThreadId: thread.parentThreadId } : {}),
    source: thread.source,
    ...(thread.threadSource !== undefined ? { threadSource: thread.threadSource } : {}),
    ...(typeof baseInstructions === "string" ? { baseInstructions } : {}),
    ...(Array.isArray(meta["dynamic_tools"]) ? { dynamicTools: meta["dynamic_tools"] } : {}),
    ...(typeof meta["originator"] === "string" ? { originator: meta["originator"] } : {}),
    cliVersion: thread.cliVersion,
    historyMode: thread.historyMode,
    metadata: { cwd: thread.cwd, modelProvider: thread.modelProvider, memoryMode: thread.memoryMode === "disabled" ? "disabled" : "enabled" },
  });
  try {
    const rest = history.slice(history[0]?.type === "session_meta" ? 1 : 0);
    const items = rest.map(({ timestamp: _ts, ordinal: _ordinal, ...item }) => item);
    if (items.length > 0) await to.appendItems({ threadId: thread.threadId, items });
    await to.persistThread({ threadId: thread.threadId });
  } finally {
    await to.shutdownThread({ threadId: thread.threadId });
  }
  await to.updateThreadMetadata({ threadId: thread.threadId, patch: patchOf(thread), includeArchived: true });
  if (thread.archived) await to.archiveThread({ threadId: thread.threadId });
}

/** A patch that sets every summary field the thread has. */
export function patchOf(thread: StoredThread): ThreadMetadataPatch {
  const patch: ThreadMetadataPatch = {
    preview: thread.preview,
    modelProvider: thread.modelProvider,
    createdAt: thread.createdAt,
    updatedAt: thread.updatedAt,
    advanceRecencyAt: thread.recencyAt,
    cwd: thread.cwd,
    cliVersion: thread.cliVersion,
    source: thread.source,
    memoryMode: thread.memoryMode,
    historyMode: thread.historyMode,
  };
  const optional: Partial<ThreadMetadataPatch> = {
    name: thread.name,
    rolloutPath: undefined,
    title: thread.title,
    model: thread.model,
    reasoningEffort: thread.reasoningEffort,
    threadSource: thread.threadSource,
    agentNickname: thread.agentNickname,
    agentRole: thread.agentRole,
    agentPath: thread.agentPath,
    approvalMode: thread.approvalMode,
    permissionProfile: thread.permissionProfile,
    tokenUsage: thread.tokensUsed === undefined ? undefined : { totalTokens: thread.tokensUsed },
    firstUserMessage: thread.firstUserMessage,
    gitInfo: thread.gitInfo ? { ...thread.gitInfo } : undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
  }
  return patch;
}

async function exists(store: ThreadStore, threadId: ThreadId): Promise<boolean> {
  try {
    await store.readThread({ threadId, includeArchived: true });
    return true;
  } catch (error) {
    if (isThreadStoreError(error) && error.code === "thread_not_found") return false;
    throw error;
  }
}

async function allThreadIds(store: ThreadStore): Promise<ThreadId[]> {
  if (isIdSource(store)) return store.listThreadIds();
  const ids: ThreadId[] = [];
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = await store.listThreads({ archived, pageSize: 1000, sortKey: "created", sortDirection: "asc", ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((t) => t.threadId));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return ids;
}

function isImporter(store: ThreadStore): store is ThreadStore & ThreadImporter {
  return typeof (store as Partial<ThreadImporter>).importThread === "function";
}

function isRawSource(store: ThreadStore): store is ThreadStore & RawHistorySource {
  return typeof (store as Partial<RawHistorySource>).loadRawHistory === "function";
}

function isIdSource(store: ThreadStore): store is ThreadStore & ThreadIdSource {
  return typeof (store as Partial<ThreadIdSource>).listThreadIds === "function";
}
