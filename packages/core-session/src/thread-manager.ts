import { type RolloutItem, type RolloutLine, type SessionSource, type StoredThread, type ThreadId, type ThreadMetadataPatch, newThreadId } from "@skein/protocol";
import { isThreadStoreError, type ThreadStore } from "@skein/thread-store";
import { currentItemsOfGeneration2025, generation2025CwdOf, isGeneration2025History } from "@skein/rollout";
import { type DynamicToolsMode, dynamicToolsFromHistory, mergeDynamicTools, normalizeDynamicTools, sameDynamicTools } from "./dynamic-tools.js";
import { InvalidSessionRequestError, SessionFatalError, UnsupportedMetadataUpdateError, isCoreSessionError } from "./errors.js";
import { forkHistoryPrefix } from "./fork-history.js";
import { LiveThread, type LiveThreadOptions } from "./live-thread.js";
import { LiveThreadInitGuard } from "./live-thread-init-guard.js";
import { sessionMetaOf } from "./session-meta-of.js";
import { ThreadSession, type ThreadSessionInit, type ToolHandlers } from "./thread-session.js";

// Behaviour: docs/live-threads.md, "ThreadManager" and "Dynamic tools".

/** The model used when neither the caller, the history nor the defaults name one. */
export const DEFAULT_MODEL = "gpt-5";

/** Settings a manager applies when a call does not say otherwise. */
export interface ThreadManagerDefaults {
  modelProvider: string;
  model?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Default `"cli"`. */
  source?: SessionSource;
  originator?: string;
  cliVersion?: string;
  baseInstructions?: string;
  memoryMode?: "enabled" | "disabled";
  approvalPolicy?: string;
  sandboxPolicy?: unknown;
}

/** Options of a {@link ThreadManager}. */
export interface ThreadManagerOptions {
  store: ThreadStore;
  defaults: ThreadManagerDefaults;
  /** Clock for metadata times (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Passed to every `LiveThread` (coalescing window, instrumentation hooks). */
  liveThreadOptions?: LiveThreadOptions;
}

/** Parameters of {@link ThreadManager.startThread}. */
export interface StartSessionParams {
  cwd?: string;
  /** Written into the rollout's `session_meta`; restored on resume and fork. */
  dynamicTools?: readonly unknown[];
  toolHandlers?: ToolHandlers;
  baseInstructions?: string;
  source?: SessionSource;
  threadSource?: string;
  model?: string;
  modelProvider?: string;
  memoryMode?: "enabled" | "disabled";
  parentThreadId?: ThreadId;
}

/** Parameters of {@link ThreadManager.resumeThread}. */
export interface ResumeSessionParams {
  threadId: ThreadId;
  /** Merged with the stored tools (see `mergeDynamicTools`); none = the stored ones. */
  dynamicTools?: readonly unknown[];
  dynamicToolsMode?: DynamicToolsMode;
  toolHandlers?: ToolHandlers;
  includeArchived?: boolean;
  rolloutPath?: string;
  cwd?: string;
  model?: string;
  baseInstructions?: string;
}

/** Parameters of {@link ThreadManager.forkThread}. */
export interface ForkSessionParams {
  threadId: ThreadId;
  /** Keep turns `[0, atTurn)`; default: every finished turn. */
  atTurn?: number;
  name?: string;
  /** Merged with the source's tools, which the fork inherits. */
  dynamicTools?: readonly unknown[];
  dynamicToolsMode?: DynamicToolsMode;
  toolHandlers?: ToolHandlers;
  includeArchived?: boolean;
  cwd?: string;
  model?: string;
}

/** Options of metadata mutations. */
export interface UpdateThreadMetadataOptions {
  includeArchived?: boolean;
}

/** The outcome of {@link ThreadManager.shutdownAll}; ids sorted. */
export interface ShutdownAllReport {
  completed: ThreadId[];
  failed: { threadId: ThreadId; error: unknown }[];
}

/**
 * Starts, resumes and forks threads over any `ThreadStore`, and is the single entry point for
 * metadata mutations: a loaded thread's mutation goes through its `LiveThread` (ordered with
 * its appends), a cold thread's straight to the store.
 *
 * @example
 * const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: "/work" } });
 * const session = await manager.startThread({ dynamicTools: [lookupTool], toolHandlers: { lookup } });
 * await session.runTurn({ userText: "hi", model });
 * await manager.shutdownAll();
 */
export class ThreadManager {
  readonly store: ThreadStore;
  readonly defaults: ThreadManagerDefaults;
  readonly #now: () => number;
  readonly #liveOptions: LiveThreadOptions;
  readonly #sessions = new Map<ThreadId, ThreadSession>();
  readonly #opening = new Map<ThreadId, Promise<ThreadSession>>();

  constructor(options: ThreadManagerOptions) {
    this.store = options.store;
    this.defaults = options.defaults;
    this.#now = options.now ?? Date.now;
    this.#liveOptions = { now: this.#now, ...options.liveThreadOptions };
  }

  /**
   * Starts a new thread. Nothing is written until its first append (a thread that never gets
   * an item leaves no file and no index row).
   * @throws InvalidSessionRequestError for malformed or duplicate tools; the store's errors.
   */
  async startThread(params: StartSessionParams = {}): Promise<ThreadSession> {
    const tools = normalizeDynamicTools(params.dynamicTools ?? []);
    const threadId = newThreadId(this.#now());
    const cwd = params.cwd ?? this.#cwd();
    const baseInstructions = params.baseInstructions ?? this.defaults.baseInstructions;
    const live = await this.#wrap(`failed to start thread ${threadId}`, () =>
      LiveThread.create(
        this.store,
        {
          threadId,
          source: params.source ?? this.defaults.source ?? "cli",
          ...(params.threadSource !== undefined && { threadSource: params.threadSource }),
          ...(params.parentThreadId !== undefined && { parentThreadId: params.parentThreadId }),
          ...(baseInstructions !== undefined && { baseInstructions }),
          ...this.#writerFacts(),
          dynamicTools: tools,
          // Not paginated: Codex 0.169's thread/read of a paginated thread serves its own
          // projection (thread_history_1.sqlite), which has no rows for a thread Codex never
          // loaded, so it would show none of our turns. Codex reads legacy files directly.
          historyMode: "legacy",
          metadata: this.#metadata(cwd, params.modelProvider, params.memoryMode),
        },
        this.#liveOptions,
      ),
    );
    return this.#register({
      live,
      history: [],
      dynamicTools: tools,
      ...(baseInstructions !== undefined && { baseInstructions }),
      model: params.model ?? this.defaults.model ?? DEFAULT_MODEL,
      cwd,
      ...(params.toolHandlers && { toolHandlers: params.toolHandlers }),
    });
  }

  /**
   * Resumes a stored thread, or returns the loaded session (passed tools are then merged into
   * it). Dynamic tools and base instructions come from the rollout history, never from the
   * index; passed tools are merged with them and the change is recorded on the next append.
   * @throws the store's `ThreadNotFoundError`, `ConflictError` (another writer), ...
   */
  async resumeThread(params: ResumeSessionParams): Promise<ThreadSession> {
    const passed = normalizeDynamicTools(params.dynamicTools ?? []);
    const loaded = this.#sessions.get(params.threadId) ?? (await this.#opening.get(params.threadId)?.catch(() => undefined));
    if (loaded && !loaded.closed) {
      if (passed.length > 0 || params.toolHandlers) loaded.defineDynamicTools(passed, params.dynamicToolsMode, params.toolHandlers);
      return loaded;
    }
    const opening = this.#openResumed(params, passed);
    this.#opening.set(params.threadId, opening);
    try {
      return await opening;
    } finally {
      this.#opening.delete(params.threadId);
    }
  }

  /**
   * Forks a thread into a new one (new id, `forkedFromId` = the source): the fork's own
   * `session_meta` comes first, then a copy of the source's persisted records for turns
   * `[0, atTurn)`. The fork inherits the source's dynamic tools and base instructions. A
   * failure after the writer opened discards it.
   */
  async forkThread(params: ForkSessionParams): Promise<ThreadSession> {
    const passed = normalizeDynamicTools(params.dynamicTools ?? []);
    const sourceId = params.threadId;
    const history = await this.#wrap(`failed to read thread ${sourceId}`, () => this.#sourceHistory(sourceId, params.includeArchived ?? true));
    // A read-only 2025-generation source is copied in the current form (docs/rollout-generations.md).
    const old = isGeneration2025History(history);
    const source = old ? currentItemsOfGeneration2025(history) : history;
    const copied = forkHistoryPrefix(source, params.atTurn).map(toItem);
    const own = sessionMetaOf(history, sourceId)?.first;
    const tools = mergeDynamicTools(dynamicToolsFromHistory(history, sourceId), passed, params.dynamicToolsMode);
    const baseInstructions = own?.base_instructions?.text ?? this.defaults.baseInstructions;
    const cwd = params.cwd ?? (own?.cwd || (old ? generation2025CwdOf(history) : undefined)) ?? this.#cwd();
    const threadId = newThreadId(this.#now());
    const live = await this.#wrap(`failed to fork thread ${sourceId}`, () =>
      LiveThread.create(
        this.store,
        {
          threadId,
          forkedFromId: sourceId,
          source: own?.source ?? this.defaults.source ?? "cli",
          ...(typeof own?.thread_source === "string" && { threadSource: own.thread_source }),
          ...(baseInstructions !== undefined && { baseInstructions }),
          ...this.#writerFacts(),
          dynamicTools: tools,
          historyMode: "legacy",
          metadata: this.#metadata(cwd, own?.model_provider ?? undefined, undefined),
        },
        this.#liveOptions,
      ),
    );
    const guard = new LiveThreadInitGuard(live);
    try {
      if (copied.length > 0) await live.appendItems(copied);
      await live.persist();
      if (params.name !== undefined) await live.updateMetadata({ name: params.name });
      const session = this.#register({
        live: guard.commit(),
        history: copied,
        dynamicTools: tools,
        ...(baseInstructions !== undefined && { baseInstructions }),
        model: params.model ?? lastTurnContextModel(copied) ?? this.defaults.model ?? DEFAULT_MODEL,
        cwd,
        ...(params.toolHandlers && { toolHandlers: params.toolHandlers }),
      });
      return session;
    } catch (error) {
      throw mapError(`failed to fork thread ${sourceId}`, error);
    } finally {
      await guard.discard();
    }
  }

  /**
   * The single entry point for metadata mutations. A loaded thread's patch goes through its
   * `LiveThread` (after its pending derived metadata); a cold thread's straight to the store.
   * Errors: the store's `ThreadNotFoundError`/`InvalidRequestError`/`ConflictError` pass
   * through; `UnsupportedOperationError` becomes {@link UnsupportedMetadataUpdateError};
   * anything else becomes {@link SessionFatalError} "failed to update thread metadata <id>: …".
   */
  async updateThreadMetadata(threadId: ThreadId, patch: ThreadMetadataPatch, options: UpdateThreadMetadataOptions = {}): Promise<StoredThread> {
    const includeArchived = options.includeArchived ?? false;
    try {
      const session = this.#sessions.get(threadId);
      if (session && !session.closed) return await session.updateMetadata(patch, { includeArchived });
      return await this.store.updateThreadMetadata({ threadId, patch, includeArchived });
    } catch (error) {
      if (isThreadStoreError(error) && error.code === "unsupported") {
        throw new UnsupportedMetadataUpdateError((error as { operation?: string }).operation ?? "update_thread_metadata", { cause: error });
      }
      if (isThreadStoreError(error) && error.code === "internal") {
        throw new SessionFatalError(`failed to update thread metadata ${threadId}`, { cause: error });
      }
      throw mapError(`failed to update thread metadata ${threadId}`, error);
    }
  }

  /**
   * Sets (or, with null, clears) the thread's display name. The name is trimmed.
   * @throws InvalidSessionRequestError for an empty name.
   */
  renameThread(threadId: ThreadId, name: string | null, options?: UpdateThreadMetadataOptions): Promise<StoredThread> {
    const normalized = name === null ? null : name.trim();
    if (normalized === "") return Promise.reject(new InvalidSessionRequestError("thread name must not be empty"));
    return this.updateThreadMetadata(threadId, { name: normalized }, options);
  }

  /** Sets whether memories may be generated from the thread. */
  setMemoryMode(threadId: ThreadId, memoryMode: "enabled" | "disabled", options?: UpdateThreadMetadataOptions): Promise<StoredThread> {
    return this.updateThreadMetadata(threadId, { memoryMode }, options);
  }

  /** Archives a thread; a loaded one is shut down first (its pending history and metadata land). */
  async archiveThread(threadId: ThreadId): Promise<void> {
    await this.#unload(threadId);
    await this.#wrap(`failed to archive thread ${threadId}`, () => this.store.archiveThread({ threadId }));
  }

  /** Moves an archived thread back to the active collection and returns it. */
  unarchiveThread(threadId: ThreadId): Promise<StoredThread> {
    return this.#wrap(`failed to unarchive thread ${threadId}`, () => this.store.unarchiveThread({ threadId }));
  }

  /** Deletes a thread's history and metadata (explicit and irreversible); a loaded one is shut down first. */
  async deleteThread(threadId: ThreadId): Promise<void> {
    await this.#unload(threadId);
    await this.#wrap(`failed to delete thread ${threadId}`, () => this.store.deleteThread({ threadId }));
  }

  /** The loaded session of a thread, if any. */
  getLoadedThread(threadId: ThreadId): ThreadSession | undefined {
    return this.#sessions.get(threadId);
  }

  /** Ids of the loaded threads, sorted. */
  loadedThreadIds(): ThreadId[] {
    return [...this.#sessions.keys()].sort();
  }

  /** Shuts every loaded thread down (flushing history, then metadata). Never rejects. */
  async shutdownAll(): Promise<ShutdownAllReport> {
    const sessions = [...this.#sessions.values()];
    const results = await Promise.allSettled(sessions.map((s) => s.shutdown()));
    const report: ShutdownAllReport = { completed: [], failed: [] };
    results.forEach((r, i) => {
      const threadId = sessions[i]!.threadId;
      if (r.status === "fulfilled") report.completed.push(threadId);
      else report.failed.push({ threadId, error: r.reason });
    });
    report.completed.sort();
    report.failed.sort((a, b) => a.threadId.localeCompare(b.threadId));
    return report;
  }

  async #openResumed(params: ResumeSessionParams, passed: ReturnType<typeof normalizeDynamicTools>): Promise<ThreadSession> {
    const { threadId } = params;
    const live = await this.#wrap(`failed to resume thread ${threadId}`, () =>
      LiveThread.resume(
        this.store,
        {
          threadId,
          includeArchived: params.includeArchived ?? false,
          ...(params.rolloutPath !== undefined && { rolloutPath: params.rolloutPath }),
          metadata: this.#metadata(params.cwd ?? this.#cwd(), undefined, undefined),
        },
        this.#liveOptions,
      ),
    );
    const guard = new LiveThreadInitGuard(live);
    try {
      const history = live.initialHistory;
      const own = sessionMetaOf(history, threadId);
      const stored = dynamicToolsFromHistory(history, threadId);
      const tools = mergeDynamicTools(stored, passed, params.dynamicToolsMode);
      const baseInstructions = params.baseInstructions ?? own?.first.base_instructions?.text ?? this.defaults.baseInstructions;
      return this.#register({
        live: guard.commit(),
        history,
        dynamicTools: tools,
        toolsChanged: !sameDynamicTools(tools, stored),
        // Codex keeps a thread in its history form; so do we (a fork's prefix carries the parent's meta).
        historyMode: own?.first.history_mode ?? "legacy",
        ...(baseInstructions !== undefined && { baseInstructions }),
        model: params.model ?? lastTurnContextModel(history) ?? this.defaults.model ?? DEFAULT_MODEL,
        cwd: params.cwd ?? lastTurnContextCwd(history) ?? own?.first.cwd ?? this.#cwd(),
        ...(params.toolHandlers && { toolHandlers: params.toolHandlers }),
      });
    } finally {
      await guard.discard();
    }
  }

  async #sourceHistory(threadId: ThreadId, includeArchived: boolean): Promise<readonly RolloutLine[]> {
    const loaded = this.#sessions.get(threadId);
    if (loaded && !loaded.closed) {
      // Read through the live handle: ordered after its appends, and flushed so the copy is complete.
      await loaded.flush();
      return loaded.live.loadHistory({ includeArchived: true });
    }
    return (await this.store.loadHistory({ threadId, includeArchived })).items;
  }

  #register(init: Omit<ThreadSessionInit, "onClosed" | "now" | "approvalPolicy" | "sandboxPolicy">): ThreadSession {
    const session = new ThreadSession({
      ...init,
      now: this.#now,
      ...(this.defaults.approvalPolicy !== undefined && { approvalPolicy: this.defaults.approvalPolicy }),
      ...(this.defaults.sandboxPolicy !== undefined && { sandboxPolicy: this.defaults.sandboxPolicy }),
      onClosed: (closed) => {
        if (this.#sessions.get(closed.threadId) === closed) this.#sessions.delete(closed.threadId);
      },
    });
    this.#sessions.set(session.threadId, session);
    return session;
  }

  async #unload(threadId: ThreadId): Promise<void> {
    const session = this.#sessions.get(threadId);
    if (session) await session.shutdown();
  }

  #cwd(): string {
    return this.defaults.cwd ?? process.cwd();
  }

  #writerFacts(): { originator?: string; cliVersion?: string } {
    return {
      ...(this.defaults.originator !== undefined && { originator: this.defaults.originator }),
      ...(this.defaults.cliVersion !== undefined && { cliVersion: this.defaults.cliVersion }),
    };
  }

  #metadata(cwd: string, modelProvider: string | undefined, memoryMode: "enabled" | "disabled" | undefined) {
    const mode = memoryMode ?? this.defaults.memoryMode;
    return { cwd, modelProvider: modelProvider ?? this.defaults.modelProvider, ...(mode !== undefined && { memoryMode: mode }) };
  }

  async #wrap<T>(context: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw mapError(context, error);
    }
  }
}

/** Keeps typed errors (the store's and ours); wraps anything else with its context. */
function mapError(context: string, error: unknown): unknown {
  if (isThreadStoreError(error) || isCoreSessionError(error)) return error;
  return new SessionFatalError(context, { cause: error });
}

/** A stored line as a record to append again (fresh timestamp; no ordinal or line metadata). */
function toItem(line: Pick<RolloutLine, "type" | "payload">): RolloutItem {
  return { type: line.type, payload: line.payload } as RolloutItem;
}

function lastTurnContextModel(history: readonly Pick<RolloutItem, "type" | "payload">[]): string | undefined {
  return lastTurnContextField(history, "model");
}

function lastTurnContextCwd(history: readonly Pick<RolloutItem, "type" | "payload">[]): string | undefined {
  return lastTurnContextField(history, "cwd");
}

function lastTurnContextField(history: readonly Pick<RolloutItem, "type" | "payload">[], field: "model" | "cwd"): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i]!;
    if (item.type !== "turn_context") continue;
    const value = (item.payload as Record<string, unknown>)[field];
    if (typeof value === "string" && value) return value;
  }
  return undefined;
}
