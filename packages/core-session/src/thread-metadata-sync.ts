import {
  type MemoryMode,
  type RolloutItem,
  type SessionSource,
  type ThreadId,
  type ThreadMetadataPatch,
  goalObjectiveOf,
  mergePatch,
  userMessageOf,
  userMessagePreview,
} from "@skein/protocol";
import type { PreparedRawRolloutItem } from "@skein/rollout";

// Behaviour: docs/live-threads.md, "Metadata sync" (what each record derives).

/** The part of a history record the sync helper reads. Both `RolloutItem` and `RolloutLine` fit. */
export type ObservedItem = Pick<RolloutItem, "type" | "payload">;

/** Codex coalesces metadata-irrelevant touches that come within this window of the last one. */
export const DEFAULT_TOUCH_COALESCE_MS = 5_000;

/** A derived patch ready to send, tagged with the generation of the pending state it copies. */
export interface PendingMetadataUpdate {
  readonly generation: number;
  readonly patch: ThreadMetadataPatch;
}

/** Clock and coalescing window of a {@link ThreadMetadataSync}. */
export interface ThreadMetadataSyncOptions {
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Touches closer than this to the last applied one stay pending. Default 5000. */
  touchCoalesceMs?: number;
}

/** Facts known when a thread is created (the store writes `session_meta` itself, unobserved). */
export interface CreateMetadataFacts {
  modelProvider: string;
  source: SessionSource;
  threadSource?: string;
  agentNickname?: string;
  agentRole?: string;
  agentPath?: string;
  cwd?: string;
  cliVersion?: string;
  memoryMode?: "enabled" | "disabled";
}

const AFFECTING_EVENTS = new Set(["token_count", "user_message", "thread_goal_updated"]);
const TURN_START_EVENTS = new Set(["task_started", "turn_started"]);

/**
 * Derives `ThreadMetadataPatch`es for one thread from the history appended to it. Pure and
 * synchronous: it never talks to a store. `LiveThread` sends what it returns and reports
 * success back with {@link ThreadMetadataSync.markApplied}.
 *
 * Rules: `createdAt`, source, provider, cwd, CLI version, git and memory mode come from the
 * thread's own `session_meta`; model, effort, approval and permission profile from every
 * `turn_context`; first user message, preview and title once, from the first user message
 * (`[Image]` for an image-only one); token usage from `token_count`; a goal sets the preview
 * when nothing did. Every observation touches `updatedAt`; only a turn start advances recency.
 * A touch with nothing else new is coalesced when the last applied touch is recent.
 *
 * @example
 * const sync = ThreadMetadataSync.forCreate(id, { modelProvider: "openai", source: "cli" });
 * const update = sync.observeAppendedItems(items);
 * if (update) { await store.updateThreadMetadata({ threadId: id, patch: update.patch }); sync.markApplied(update.generation); }
 */
export class ThreadMetadataSync {
  readonly threadId: ThreadId;
  readonly #now: () => number;
  readonly #coalesceMs: number;
  #pending: ThreadMetadataPatch | undefined;
  #generation = 0;
  #lastTouchAppliedAt: number | undefined;
  #deferCreate = false;
  #deferResume = false;
  #cwdSeen = false;
  #previewSeen = false;
  #firstUserMessageSeen = false;
  #titleSeen = false;
  #displayNameSeen = false;
  #preview: string | undefined;
  #firstUserMessage: string | undefined;
  #replaying = false;

  constructor(threadId: ThreadId, options: ThreadMetadataSyncOptions = {}) {
    this.threadId = threadId;
    this.#now = options.now ?? Date.now;
    this.#coalesceMs = options.touchCoalesceMs ?? DEFAULT_TOUCH_COALESCE_MS;
  }

  /**
   * A helper for a new thread. Queues the create patch (`createdAt = updatedAt = now`,
   * provider, source, cwd, ...) and defers it until the thread has history, so a thread that
   * never receives an item writes no metadata.
   */
  static forCreate(threadId: ThreadId, facts: CreateMetadataFacts, options?: ThreadMetadataSyncOptions): ThreadMetadataSync {
    const sync = new ThreadMetadataSync(threadId, options);
    const now = sync.#now();
    const patch: ThreadMetadataPatch = {
      modelProvider: facts.modelProvider,
      createdAt: now,
      updatedAt: now,
      source: facts.source,
      cwd: facts.cwd ?? "",
    };
    if (facts.threadSource !== undefined) patch.threadSource = facts.threadSource;
    if (facts.agentNickname !== undefined) patch.agentNickname = facts.agentNickname;
    if (facts.agentRole !== undefined) patch.agentRole = facts.agentRole;
    if (facts.agentPath !== undefined) patch.agentPath = facts.agentPath;
    if (facts.cliVersion) patch.cliVersion = facts.cliVersion;
    if (facts.memoryMode !== undefined) patch.memoryMode = facts.memoryMode;
    sync.#cwdSeen = Boolean(facts.cwd);
    sync.#merge(patch);
    sync.#deferCreate = true;
    return sync;
  }

  /**
   * A helper for a resumed thread. Observes the loaded history without touching `updatedAt`
   * (loading is not activity) and keeps the derived facts pending until the first append,
   * so a resume that appends nothing writes nothing.
   */
  static forResume(threadId: ThreadId, history: readonly ObservedItem[], options?: ThreadMetadataSyncOptions): ThreadMetadataSync {
    const sync = new ThreadMetadataSync(threadId, options);
    sync.#replaying = true;
    const { patch } = sync.#derive(history);
    sync.#replaying = false;
    if (Object.keys(patch).length > 0) {
      sync.#merge(patch);
      sync.#deferResume = true;
    }
    return sync;
  }

  /** The current generation; it grows with every merge into the pending patch. */
  get generation(): number {
    return this.#generation;
  }

  /** True while a create or resume patch waits for the first append. */
  get deferred(): boolean {
    return this.#deferCreate || this.#deferResume;
  }

  /**
   * Observes items that the store accepted and returns the patch to send now, or undefined
   * when there is nothing to send (a coalesced touch stays pending for the next barrier).
   */
  observeAppendedItems(items: readonly ObservedItem[]): PendingMetadataUpdate | undefined {
    this.#deferCreate = false;
    this.#deferResume = false;
    const now = this.#now();
    if (!items.some(isDerivingItem)) return this.#touch(now);
    const { patch, affected, turnStarted } = this.#derive(items);
    patch.updatedAt = now;
    if (turnStarted) patch.advanceRecencyAt = now;
    this.#merge(patch);
    if (!affected && onlyTouch(this.#pending!) && this.#touchIsRecent(now)) return undefined;
    return this.takePending();
  }

  /**
   * {@link observeAppendedItems} for raw items (payload as JSON text). Only the payloads the
   * rules read are parsed: `session_meta`, `turn_context` and the `event_msg`s of
   * {@link PAYLOAD_READING_EVENTS}; every other record is seen through its kinds alone.
   */
  observeAppendedRawItems(items: readonly PreparedRawRolloutItem[]): PendingMetadataUpdate | undefined {
    let observed: ObservedItem[] | undefined;
    for (const item of items) {
      if (!isDerivingKind(item.type)) continue;
      (observed ??= []).push(readsPayload(item) ? { type: item.type, payload: item.parsePayload() } : kindsOnly(item));
    }
    if (observed === undefined) {
      this.#deferCreate = false;
      this.#deferResume = false;
      return this.#touch(this.#now());
    }
    // The other records would only touch `updatedAt`, which observing the deriving ones does too.
    return this.observeAppendedItems(observed);
  }

  /**
   * Items that derive nothing (assistant output, tool calls: most of a turn) only touch
   * `updatedAt`. The hot path of an append: the pending patch is updated in place (it is never
   * shared, `takePending` hands out copies) and no patch object is built or merged.
   */
  #touch(now: number): PendingMetadataUpdate | undefined {
    if (this.#pending) this.#pending.updatedAt = now;
    else this.#pending = { updatedAt: now };
    this.#generation++;
    if (this.#touchIsRecent(now) && onlyTouch(this.#pending)) return undefined;
    return this.takePending();
  }

  #touchIsRecent(now: number): boolean {
    return this.#lastTouchAppliedAt !== undefined && now - this.#lastTouchAppliedAt < this.#coalesceMs;
  }

  /** A copy of the pending patch, whatever the defer flags say; it stays pending until applied. */
  takePending(): PendingMetadataUpdate | undefined {
    if (!this.#pending) return undefined;
    return { generation: this.#generation, patch: { ...this.#pending } };
  }

  /**
   * The pending patch only when it describes history that exists: nothing while a create or
   * resume patch still waits for the first append. Used by `flush` and `shutdown`.
   */
  takePendingForExistingHistory(): PendingMetadataUpdate | undefined {
    return this.deferred ? undefined : this.takePending();
  }

  /**
   * Records that the update of `generation` was applied. The pending patch is cleared only
   * when nothing was merged since that copy was taken; a newer one stays pending.
   */
  markApplied(update: PendingMetadataUpdate): void {
    if (update.patch.updatedAt !== undefined) this.#lastTouchAppliedAt = update.patch.updatedAt;
    if (update.generation === this.#generation) this.#pending = undefined;
  }

  /**
   * Records an explicit patch the caller sent. An explicit `name` (set or cleared) blocks any
   * later derived display name.
   */
  observeExplicitPatch(patch: ThreadMetadataPatch): void {
    if (patch.name !== undefined) this.#displayNameSeen = true;
  }

  /** Marks a display name as already present (a resumed thread that has a name). */
  markDisplayNameSeen(): void {
    this.#displayNameSeen = true;
  }

  /** True while a later user message could still derive a display name. */
  get mayDeriveDisplayName(): boolean {
    return !this.#displayNameSeen && !this.#titleSeen;
  }

  #merge(patch: ThreadMetadataPatch): void {
    this.#pending = this.#pending ? mergePatch(this.#pending, patch) : patch;
    this.#generation++;
  }

  #derive(items: readonly ObservedItem[]): { patch: ThreadMetadataPatch; affected: boolean; turnStarted: boolean } {
    let patch: ThreadMetadataPatch = {};
    let affected = false;
    let turnStarted = false;
    for (const item of items) {
      switch (item.type) {
        case "session_meta": {
          affected = true;
          const facts = this.#fromSessionMeta(item.payload as Record<string, unknown>);
          if (facts) patch = mergePatch(patch, facts);
          break;
        }
        case "turn_context":
          affected = true;
          patch = mergePatch(patch, this.#fromTurnContext(item.payload as Record<string, unknown>));
          break;
        case "event_msg": {
          const type = (item.payload as { type?: unknown }).type;
          if (typeof type !== "string") break;
          if (TURN_START_EVENTS.has(type)) turnStarted = true;
          if (AFFECTING_EVENTS.has(type)) affected = true;
          if (type === "token_count") {
            const usage = tokenUsageOf(item.payload as Record<string, unknown>);
            if (usage) patch.tokenUsage = usage;
          } else if (type === "thread_goal_updated") {
            const objective = goalObjectiveOf(item);
            if (objective !== undefined && !this.#previewSeen) {
              this.#previewSeen = true;
              this.#preview = objective;
              patch.preview = objective;
            }
          } else {
            const message = userMessageOf(item);
            if (message) {
              affected = true;
              this.#fromUserMessage(message, patch);
            }
          }
          break;
        }
        default:
          break;
      }
    }
    return { patch, affected, turnStarted };
  }

  #fromSessionMeta(meta: Record<string, unknown>): ThreadMetadataPatch | undefined {
    // A fork's file embeds its source's session_meta; only this thread's own meta counts.
    if (meta["id"] !== this.threadId) return undefined;
    const patch: ThreadMetadataPatch = {};
    const createdAt = parseMetaTimestamp(meta["timestamp"]);
    if (createdAt !== undefined) patch.createdAt = createdAt;
    if (meta["source"] !== undefined && meta["source"] !== null) patch.source = meta["source"] as SessionSource;
    for (const [wire, key] of CLEARABLE_META_FIELDS) {
      const value = meta[wire];
      if (typeof value === "string") patch[key] = value;
    }
    const provider = meta["model_provider"];
    if (typeof provider === "string" && provider) patch.modelProvider = provider;
    const cliVersion = meta["cli_version"];
    if (typeof cliVersion === "string" && cliVersion) patch.cliVersion = cliVersion;
    const cwd = meta["cwd"];
    if (typeof cwd === "string" && cwd) {
      patch.cwd = cwd;
      this.#cwdSeen = true;
    }
    const git = meta["git"];
    if (git && typeof git === "object") {
      const g = git as Record<string, unknown>;
      patch.gitInfo = { sha: stringOrNull(g["commit_hash"]), branch: stringOrNull(g["branch"]), originUrl: stringOrNull(g["repository_url"]) };
    }
    const memoryMode = meta["memory_mode"] as MemoryMode | undefined;
    if (memoryMode === "enabled" || memoryMode === "disabled") patch.memoryMode = memoryMode;
    return patch;
  }

  #fromTurnContext(context: Record<string, unknown>): ThreadMetadataPatch {
    const patch: ThreadMetadataPatch = {};
    const cwd = context["cwd"];
    if (!this.#cwdSeen && typeof cwd === "string" && cwd) {
      patch.cwd = cwd;
      this.#cwdSeen = true;
    }
    if (typeof context["model"] === "string") patch.model = context["model"];
    const effort = context["effort"] ?? reasoningEffortOf(context["collaboration_mode"]);
    if (typeof effort === "string") patch.reasoningEffort = effort;
    if (typeof context["approval_policy"] === "string") patch.approvalMode = context["approval_policy"];
    const profile = context["permission_profile"] ?? context["sandbox_policy"];
    if (profile !== undefined && profile !== null) patch.permissionProfile = profile;
    return patch;
  }

  #fromUserMessage(message: { text: string; images: number }, patch: ThreadMetadataPatch): void {
    const preview = userMessagePreview(message);
    if (preview === undefined) return;
    if (!this.#firstUserMessageSeen) {
      this.#firstUserMessageSeen = true;
      this.#firstUserMessage = preview;
      patch.firstUserMessage = preview;
    }
    if (!this.#previewSeen) {
      this.#previewSeen = true;
      this.#preview = preview;
      patch.preview = preview;
    }
    if (!this.#titleSeen && message.text.length > 0) {
      this.#titleSeen = true;
      patch.title = message.text;
      // Text after an image-only first message names the thread: the list text says "[Image]".
      if (!this.#displayNameSeen && message.text !== this.#preview && message.text !== this.#firstUserMessage) {
        this.#displayNameSeen = true;
        // Replayed history was named back then, or renamed since: never re-derive it on resume.
        if (!this.#replaying) patch.name = message.text;
      }
    }
  }
}

const CLEARABLE_META_FIELDS = [
  ["thread_source", "threadSource"],
  ["agent_nickname", "agentNickname"],
  ["agent_role", "agentRole"],
  ["agent_path", "agentPath"],
] as const;

function onlyTouch(patch: ThreadMetadataPatch): boolean {
  for (const key in patch) {
    if (key !== "updatedAt" && patch[key as keyof ThreadMetadataPatch] !== undefined) return false;
  }
  return true;
}

/** The record kinds `#derive` reads; anything else only touches `updatedAt`. */
function isDerivingItem(item: ObservedItem): boolean {
  return isDerivingKind(item.type);
}

function isDerivingKind(type: string): boolean {
  return type === "event_msg" || type === "turn_context" || type === "session_meta";
}

/** `event_msg`s whose payload `#derive` reads beyond its `type` (`userMessageOf`, `goalObjectiveOf`, token usage). */
const PAYLOAD_READING_EVENTS = new Set(["token_count", "user_message", "thread_goal_updated", "item_completed"]);

function readsPayload(item: PreparedRawRolloutItem): boolean {
  return item.type !== "event_msg" || (item.payloadType !== undefined && PAYLOAD_READING_EVENTS.has(item.payloadType));
}

/** A raw record as the rules see it when they need only its kinds: `{ type, payload: { type } }`. */
function kindsOnly(item: PreparedRawRolloutItem): ObservedItem {
  return { type: item.type, payload: item.payloadType === undefined ? {} : { type: item.payloadType } } as ObservedItem;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function reasoningEffortOf(mode: unknown): unknown {
  if (!mode || typeof mode !== "object") return undefined;
  const settings = (mode as Record<string, unknown>)["settings"];
  return settings && typeof settings === "object" ? (settings as Record<string, unknown>)["reasoning_effort"] : undefined;
}

function tokenUsageOf(payload: Record<string, unknown>): ThreadMetadataPatch["tokenUsage"] {
  const info = payload["info"] as Record<string, unknown> | null | undefined;
  const total = info?.["total_token_usage"] as Record<string, unknown> | undefined;
  if (!total || typeof total["total_tokens"] !== "number") return undefined;
  const usage: Record<string, number> = { totalTokens: Math.max(total["total_tokens"], 0) };
  for (const [wire, key] of TOKEN_FIELDS) {
    if (typeof total[wire] === "number") usage[key] = total[wire];
  }
  return usage as ThreadMetadataPatch["tokenUsage"];
}

const TOKEN_FIELDS = [
  ["input_tokens", "inputTokens"],
  ["cached_input_tokens", "cachedInputTokens"],
  ["output_tokens", "outputTokens"],
  ["reasoning_output_tokens", "reasoningOutputTokens"],
] as const;

const FILE_NAME_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/;

/** `session_meta.timestamp` as epoch ms: RFC 3339, or the file-name form read as UTC. */
function parseMetaTimestamp(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = FILE_NAME_TIME.exec(value);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
