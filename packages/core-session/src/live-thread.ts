import { ThreadMetadataPatch, type RolloutItem, type RolloutLine, type ThreadId } from "@skein/protocol";
import {
  type PreparedRawRolloutItem,
  type RawRolloutItem,
  isPersistedRawRolloutItem,
  isPersistedRolloutItem,
  persistedRolloutItems,
  prepareRawRolloutItems,
} from "@skein/rollout";
import type { CreateThreadParams, ResumeThreadParams, ThreadRecord, ThreadStore } from "@skein/thread-store";
import { InvalidSessionRequestError, MetadataUpdateError, ThreadClosedError } from "./errors.js";
import { type PendingMetadataUpdate, ThreadMetadataSync, type ThreadMetadataSyncOptions } from "./thread-metadata-sync.js";

// Behaviour: docs/live-threads.md, "LiveThread", with one strengthening: the store is
// flushed before a derived patch is sent, so the index never describes history that a crash
// could still lose (a store may buffer appends of a lazily created thread).

/** Options of a {@link LiveThread}: the sync helper's clock and window, plus instrumentation. */
export interface LiveThreadOptions extends ThreadMetadataSyncOptions {
  /**
   * Flush the store before each derived patch (default true). Turning it off trades the
   * ordering guarantee for one fewer store call per append; only for stores whose
   * `appendItems` is already durable.
   */
  flushBeforeMetadata?: boolean;
  /**
   * Called after the history of an append is durable and before its derived patch is sent.
   * Crash tests pause here; applications may trace it. A rejection fails like a store error.
   */
  beforeMetadataUpdate?: (update: PendingMetadataUpdate) => void | Promise<void>;
}

/** Options of {@link LiveThread.updateMetadata}. */
export interface LiveThreadUpdateOptions {
  includeArchived?: boolean;
}

/**
 * The handle of an active thread: it appends canonical history through a `ThreadStore` and
 * then sends the metadata derived from it through `updateThreadMetadata`.
 *
 * Guarantees:
 * - **Ordering**: every operation of one handle runs in call order (one queue). A derived
 *   patch is sent only after the history it comes from was accepted and flushed, so the
 *   index never runs ahead of the history; an explicit patch first drains pending ones.
 * - **Batching**: one derived patch per `appendItems` call, merged with whatever is pending.
 * - **Retry**: a failed patch stays pending and goes out with the next append or barrier.
 * - A thread that never receives an item writes nothing, not even on `shutdown`.
 *
 * @example
 * const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { modelProvider: "openai", cwd } });
 * await live.appendItems([{ type: "event_msg", payload: { type: "user_message", message: "hi", images: [] } }]);
 * await live.shutdown();
 */
export class LiveThread {
  readonly threadId: ThreadId;
  readonly store: ThreadStore;
  /** The history loaded on resume (empty for a created thread). */
  readonly initialHistory: readonly RolloutLine[];
  readonly #sync: ThreadMetadataSync;
  readonly #options: LiveThreadOptions;
  #tail: Promise<unknown> = Promise.resolve();
  /** Operations started by `#serial` that have not settled yet. */
  #inFlight = 0;
  #closed = false;

  private constructor(store: ThreadStore, sync: ThreadMetadataSync, history: readonly RolloutLine[], options: LiveThreadOptions) {
    this.threadId = sync.threadId;
    this.store = store;
    this.#sync = sync;
    this.initialHistory = history;
    this.#options = options;
  }

  /**
   * Opens a live writer for a new thread. The create patch (created time, provider, source,
   * cwd, ...) is queued and sent with the first append's patch.
   * @throws the store's error (e.g. `ConflictError` for a duplicate live writer).
   */
  static async create(store: ThreadStore, params: CreateThreadParams, options: LiveThreadOptions = {}): Promise<LiveThread> {
    const sync = ThreadMetadataSync.forCreate(
      params.threadId,
      {
        modelProvider: params.metadata.modelProvider,
        source: params.source,
        ...(params.threadSource !== undefined && { threadSource: params.threadSource }),
        ...(params.metadata.cwd !== undefined && { cwd: params.metadata.cwd }),
        ...(params.cliVersion !== undefined && { cliVersion: params.cliVersion }),
        ...(params.metadata.memoryMode !== undefined && { memoryMode: params.metadata.memoryMode }),
      },
      options,
    );
    await store.createThread(params);
    return new LiveThread(store, sync, [], options);
  }

  /**
   * Reopens a thread for appends, then loads its history (unless given) and observes it
   * without a touch. Resuming first lets the store resolve the live writer's own path. If
   * loading fails the writer is discarded and the load error is thrown.
   */
  static async resume(store: ThreadStore, params: ResumeThreadParams, options: LiveThreadOptions = {}): Promise<LiveThread> {
    const { threadId } = params;
    await store.resumeThread(params);
    let history = params.history;
    if (!history) {
      try {
        history = (await store.loadHistory({ threadId, includeArchived: params.includeArchived ?? false })).items;
      } catch (error) {
        await store.discardThread({ threadId }).catch(() => undefined);
        throw error;
      }
    }
    const sync = ThreadMetadataSync.forResume(threadId, history, options);
    if (sync.mayDeriveDisplayName) await markExistingName(store, sync);
    return new LiveThread(store, sync, history, options);
  }

  /** True after `shutdown` or `discard`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True while a derived patch waits to be sent (coalesced, deferred or failed). */
  get hasPendingMetadata(): boolean {
    return this.#sync.takePending() !== undefined;
  }

  /**
   * Appends items: the persistence policy drops transient events, the store appends the rest,
   * then the derived patch is sent. An append error is thrown as the store's error and no
   * metadata is sent; a metadata error is a {@link MetadataUpdateError} (history accepted).
   */
  appendItems(items: readonly RolloutItem[]): Promise<void> {
    return this.#serial(async () => {
      this.#assertOpen();
      // The caller's array is passed on when the policy keeps every item (no copy per append);
      // stores only read `items`.
      const canonical = items.every(isPersistedRolloutItem) ? (items as RolloutItem[]) : persistedRolloutItems(items);
      if (canonical.length === 0) return;
      await this.store.appendItems({ threadId: this.threadId, items: canonical });
      const update = this.#sync.observeAppendedItems(canonical);
      if (update) await this.#sendDerived(update, this.#options.flushBeforeMetadata ?? true);
    });
  }

  /**
   * {@link appendItems} for items whose payload is already JSON text (a model stream's output
   * item): `{ type: "response_item", payloadJson }`. Each payload is checked with one scan and
   * written as given, the same bytes `appendItems` writes for the parsed item (a text in another
   * spelling, e.g. with whitespace, is re-printed). The metadata patch is derived as for objects;
   * only the payloads it reads (user messages, token counts, goals, turn contexts) are parsed.
   * A store without `appendRawItems` gets the parsed items. Docs: docs/live-threads.md, "Appending JSON text".
   * @throws InvalidSessionRequestError when an item is malformed; nothing of the batch is written.
   */
  appendRawItems(items: readonly RawRolloutItem[]): Promise<void> {
    let prepared: readonly PreparedRawRolloutItem[];
    try {
      prepared = prepareRawRolloutItems(items);
    } catch (error) {
      return Promise.reject(new InvalidSessionRequestError((error as Error).message, { cause: error }));
    }
    return this.#serial(async () => {
      this.#assertOpen();
      const canonical = prepared.every(isPersistedRawRolloutItem) ? prepared : prepared.filter(isPersistedRawRolloutItem);
      if (canonical.length === 0) return;
      if (this.store.appendRawItems) await this.store.appendRawItems({ threadId: this.threadId, items: canonical });
      else await this.store.appendItems({ threadId: this.threadId, items: canonical.map(parsedItem) });
      const update = this.#sync.observeAppendedRawItems(canonical);
      if (update) await this.#sendDerived(update, this.#options.flushBeforeMetadata ?? true);
    });
  }

  /** Materializes the thread (writes `session_meta` and queued items), then sends any pending patch. */
  persist(): Promise<void> {
    return this.#serial(async () => {
      this.#assertOpen();
      await this.store.persistThread({ threadId: this.threadId });
      const update = this.#sync.takePending();
      if (update) await this.#sendDerived(update, false);
    });
  }

  /** Flushes queued history, then the pending patch for history that exists. */
  flush(): Promise<void> {
    return this.#serial(async () => {
      this.#assertOpen();
      await this.store.flushThread({ threadId: this.threadId });
      const update = this.#sync.takePendingForExistingHistory();
      if (update) await this.#sendDerived(update, false);
    });
  }

  /**
   * Flushes pending metadata for existing history, then shuts the store's writer down.
   * Idempotent. The writer is released even when the metadata update fails (the history is
   * safe and the index can be rebuilt from it); that failure is thrown afterwards.
   */
  shutdown(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      let metadataError: unknown;
      const update = this.#sync.takePendingForExistingHistory();
      if (update) {
        try {
          await this.#sendDerived(update, true);
        } catch (error) {
          metadataError = error;
        }
      }
      await this.store.shutdownThread({ threadId: this.threadId });
      this.#closed = true;
      if (metadataError !== undefined) throw metadataError;
    });
  }

  /** Releases the writer without writing what is still queued. Durable data stays. Idempotent. */
  discard(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.store.discardThread({ threadId: this.threadId });
    });
  }

  /**
   * Sends an explicit patch after draining the pending derived one, so it lands after every
   * earlier observation. An explicit `name` (set or cleared) is never overwritten by a derived one.
   * @throws InvalidSessionRequestError for a malformed patch; the store's errors otherwise.
   */
  updateMetadata(patch: ThreadMetadataPatch, options: LiveThreadUpdateOptions = {}): Promise<ThreadRecord> {
    const parsed = ThreadMetadataPatch.safeParse(patch);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "patch"}: ${i.message}`).join("; ");
      return Promise.reject(new InvalidSessionRequestError(`invalid metadata patch: ${detail}`, { cause: parsed.error }));
    }
    return this.#serial(async () => {
      this.#assertOpen();
      const pending = this.#sync.takePendingForExistingHistory();
      if (pending) await this.#sendDerived(pending, true);
      this.#sync.observeExplicitPatch(parsed.data);
      return this.store.updateThreadMetadata({
        threadId: this.threadId,
        patch: parsed.data,
        includeArchived: options.includeArchived ?? false,
      });
    });
  }

  /** Sets the thread's memory mode through {@link LiveThread.updateMetadata}. */
  updateMemoryMode(memoryMode: "enabled" | "disabled", options: LiveThreadUpdateOptions = {}): Promise<ThreadRecord> {
    return this.updateMetadata({ memoryMode }, options);
  }

  /** The stored history, ordered after every earlier call on this handle. */
  loadHistory(options: { includeArchived?: boolean } = {}): Promise<readonly RolloutLine[]> {
    return this.#serial(async () => {
      const history = await this.store.loadHistory({ threadId: this.threadId, includeArchived: options.includeArchived ?? true });
      return history.items;
    });
  }

  /** The stored summary (and history on request), ordered after every earlier call on this handle. */
  readThread(options: { includeArchived?: boolean; includeHistory?: boolean } = {}): Promise<ThreadRecord> {
    return this.#serial(() => this.store.readThread({ threadId: this.threadId, includeArchived: options.includeArchived ?? true, ...(options.includeHistory !== undefined && { includeHistory: options.includeHistory }) }));
  }

  async #sendDerived(update: PendingMetadataUpdate, flushFirst: boolean): Promise<void> {
    if (flushFirst) await this.store.flushThread({ threadId: this.threadId });
    try {
      await this.#options.beforeMetadataUpdate?.(update);
      await this.store.updateThreadMetadata({ threadId: this.threadId, patch: update.patch, includeArchived: true });
    } catch (error) {
      throw new MetadataUpdateError(this.threadId, { cause: error });
    }
    this.#sync.markApplied(update);
  }

  /**
   * Runs operations one at a time in call order. When nothing is in flight the operation starts
   * at once instead of a microtask later: an append to an idle thread (the common case) then
   * costs no extra turn of the promise queue.
   */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#inFlight === 0 ? start(operation) : this.#tail.then(operation, operation);
    this.#inFlight++;
    this.#tail = run.then(this.#settled, this.#settled);
    return run;
  }

  readonly #settled = (): void => {
    this.#inFlight--;
  };

  #assertOpen(): void {
    if (this.#closed) throw new ThreadClosedError(this.threadId);
  }
}

/** Calls `operation`; a synchronous throw becomes a rejection, as it would inside `then`. */
function start<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return operation();
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

function parsedItem(item: PreparedRawRolloutItem): RolloutItem {
  return { type: item.type, payload: item.parsePayload() } as RolloutItem;
}

/** A resumed thread that already has a name must not get a derived one. Unknown = assume named. */
async function markExistingName(store: ThreadStore, sync: ThreadMetadataSync): Promise<void> {
  try {
    const thread = await store.readThread({ threadId: sync.threadId, includeArchived: true });
    if (thread.name !== undefined) sync.markDisplayNameSeen();
  } catch {
    sync.markDisplayNameSeen();
  }
}
