import { type DynamicToolSpec, type HistoryMode, type RolloutItem, type ThreadId, type ThreadMetadataPatch, newThreadId } from "@skein/protocol";
import { isPersistedRolloutItem } from "@skein/rollout";
import type { ThreadRecord } from "@skein/thread-store";
import { type DynamicToolsMode, dynamicToolsRecord, mergeDynamicTools, normalizeDynamicTools, sameDynamicTools } from "./dynamic-tools.js";
import { MetadataUpdateError, ModelCallError, TurnInterruptedError, TurnLimitExceededError } from "./errors.js";
import type { LiveThread, LiveThreadUpdateOptions } from "./live-thread.js";
import type { ModelCallOptions, ModelClient, ModelResponse, ModelStreamEvent } from "./model-client.js";
import { type ModelRequest, buildModelRequest } from "./model-request.js";
import { type TurnEventListener, TurnStream } from "./turn-events.js";
import { type ToolCallOutcome, type TurnForm, turnForm } from "./turn-form.js";
import { failedTurnCompletion } from "./turn-failure.js";
import { CANCELLED_TOOL_OUTPUT, abortedTurnEvent, cancelledToolCallRecords, interruptedTurnRecords, untilAborted } from "./turn-interrupt.js";
import { type WireTokenUsage, addUsage, assistantText, lastTokenTotals, response, tokenCount, tokenUsageRecord } from "./turn-items.js";

/** What a tool handler gets besides the arguments. */
export interface ToolCallContext {
  /** The model's id of this call. */
  callId: string;
  /** Fires when the turn is interrupted; the model then gets `CANCELLED_TOOL_OUTPUT` for this call. */
  signal: AbortSignal;
}

/**
 * Runs a dynamic tool: gets the parsed arguments, returns the text the model sees. A handler
 * that throws gives the model `tool <name> failed: <message>` (a failed call), not a failed turn.
 */
export type ToolHandler = (args: unknown, context: ToolCallContext) => Promise<string>;

/** Dynamic tool handlers by tool name. */
export type ToolHandlers = Readonly<Record<string, ToolHandler>>;

/** What a {@link ThreadSession} is made of. Built by `ThreadManager`. */
export interface ThreadSessionInit {
  live: LiveThread;
  /** The history so far (loaded, copied for a fork, or empty), oldest first. */
  history: readonly Pick<RolloutItem, "type" | "payload">[];
  dynamicTools: readonly DynamicToolSpec[];
  /**
   * The form turns are recorded in: the thread's `session_meta.history_mode` (absent = legacy).
   * Codex keeps a thread in its form, so a resumed paginated thread gets paginated turns.
   */
  historyMode?: HistoryMode;
  baseInstructions?: string;
  model: string;
  cwd: string;
  approvalPolicy?: string;
  sandboxPolicy?: unknown;
  toolHandlers?: ToolHandlers;
  /** True when the tool set differs from the one recorded in the history. */
  toolsChanged?: boolean;
  now?: () => number;
  /** Called once the session is shut down or discarded. */
  onClosed?: (session: ThreadSession) => void;
}

/** Parameters of {@link ThreadSession.runTurn}. */
export interface RunTurnParams {
  userText: string;
  model: ModelClient;
  /** Overrides the session's handlers for this turn. */
  toolHandlers?: ToolHandlers;
  turnId?: string;
  /** Model calls allowed in one turn (tool round trips). Default 16. */
  maxModelCalls?: number;
  /**
   * Interrupts the turn: the model call or the running tools are cut short, the turn is
   * recorded as Codex records an interrupt (see `TURN_ABORTED_MARKER`), and `runTurn` rejects
   * with {@link TurnInterruptedError}. Already aborted at the start: nothing is written.
   */
  signal?: AbortSignal;
  /** Receives the model's stream events and tool calls as they happen (display only). */
  onEvent?: TurnEventListener;
}

/** The outcome of a turn. */
export interface TurnResult {
  turnId: string;
  lastAgentMessage: string | null;
  modelCalls: number;
  /** Thread totals after the turn, when the model reported usage. */
  totalTokenUsage?: WireTokenUsage;
  /** This turn's own usage (all its model calls), when the model reported usage. */
  turnTokenUsage?: WireTokenUsage;
  /** A metadata update that failed during the turn (history was kept; the patch stays pending). */
  metadataError?: MetadataUpdateError;
}

/**
 * A loaded thread: its live writer, the in-memory view of its history, its dynamic tools and
 * base instructions. Appends go through the `LiveThread` (ordering and metadata guarantees);
 * the view feeds {@link ThreadSession.nextModelRequest} without re-reading the store.
 */
export class ThreadSession {
  readonly threadId: ThreadId;
  readonly live: LiveThread;
  readonly baseInstructions: string | undefined;
  readonly model: string;
  readonly cwd: string;
  readonly #form: TurnForm;
  readonly #history: Pick<RolloutItem, "type" | "payload">[];
  readonly #init: ThreadSessionInit;
  #tools: DynamicToolSpec[];
  #toolsChanged: boolean;
  #handlers: ToolHandlers;
  #totals: WireTokenUsage | undefined;

  constructor(init: ThreadSessionInit) {
    this.live = init.live;
    this.threadId = init.live.threadId;
    this.baseInstructions = init.baseInstructions;
    this.model = init.model;
    this.cwd = init.cwd;
    this.#form = turnForm(init.historyMode ?? "legacy", this.threadId);
    this.#history = [...init.history];
    this.#tools = [...init.dynamicTools];
    this.#toolsChanged = init.toolsChanged ?? false;
    this.#handlers = { ...init.toolHandlers };
    this.#totals = lastTokenTotals(init.history);
    this.#init = init;
  }

  /** The form this session records turns in (the thread's `history_mode`). */
  get historyMode(): HistoryMode {
    return this.#form.historyMode;
  }

  /** The session's dynamic tools, in the order the model sees them. */
  get dynamicTools(): readonly DynamicToolSpec[] {
    return this.#tools;
  }

  /** The history as this session knows it (loaded plus appended), oldest first. */
  get history(): readonly Pick<RolloutItem, "type" | "payload">[] {
    return this.#history;
  }

  /** True after shutdown or discard. */
  get closed(): boolean {
    return this.live.closed;
  }

  /** The request the next model call would send: instructions, history and tools. */
  nextModelRequest(): ModelRequest {
    return buildModelRequest({
      history: this.#history,
      model: this.model,
      ...(this.baseInstructions !== undefined && { baseInstructions: this.baseInstructions }),
      dynamicTools: this.#tools,
    });
  }

  /**
   * Adds or replaces tools (see `mergeDynamicTools`). A change is recorded in the history as a
   * `session_meta` copy right after the next append, so a later resume restores it.
   */
  defineDynamicTools(tools: readonly unknown[], mode: DynamicToolsMode = "merge", handlers?: ToolHandlers): void {
    const merged = mergeDynamicTools(this.#tools, normalizeDynamicTools(tools), mode);
    if (!sameDynamicTools(merged, this.#tools)) {
      this.#tools = merged;
      this.#toolsChanged = true;
    }
    if (handlers) this.#handlers = { ...this.#handlers, ...handlers };
  }

  /**
   * Appends records through the live thread and mirrors the persisted ones. A recorded tool
   * change follows the first append after it. A {@link MetadataUpdateError} means the history
   * was kept (and is mirrored).
   */
  async appendItems(items: readonly RolloutItem[]): Promise<void> {
    try {
      await this.live.appendItems(items);
    } catch (error) {
      if (!(error instanceof MetadataUpdateError)) throw error;
      this.#mirror(items);
      throw error;
    }
    this.#mirror(items);
    if (this.#toolsChanged) await this.#recordTools();
  }

  /**
   * Records one Codex-compatible user turn, in the form of the thread's history mode:
   * `task_started`, `turn_context`, the user input and its user-message record
   * (`user_message`, or `item_completed{UserMessage}` in a paginated thread), then each model
   * response (assistant message with `agent_message` or `item_completed{AgentMessage}`, or
   * function calls answered by the session's tool handlers, with `item_completed{DynamicToolCall}`
   * in a paginated thread, and sent back), `token_count` when usage is known, and
   * `task_complete`. A failing model call records `task_complete` with Codex's `error` (a failed
   * turn) and throws {@link ModelCallError}; an aborted `signal` records Codex's interrupt and
   * throws {@link TurnInterruptedError}. Metadata failures do not stop the turn (see `TurnResult`).
   */
  async runTurn(params: RunTurnParams): Promise<TurnResult> {
    const turnId = params.turnId ?? newThreadId();
    const { signal, onEvent } = params;
    if (signal?.aborted) throw new TurnInterruptedError(turnId, { cause: signal.reason });
    const handlers = { ...this.#handlers, ...params.toolHandlers };
    const maxCalls = params.maxModelCalls ?? 16;
    const now = this.#init.now ?? Date.now;
    const result: TurnResult = { turnId, lastAgentMessage: null, modelCalls: 0 };
    const settings = {
      turnId,
      cwd: this.cwd,
      model: this.model,
      approvalPolicy: this.#init.approvalPolicy ?? "never",
      sandboxPolicy: this.#init.sandboxPolicy ?? { type: "read-only" },
    };
    const startedAtMs = now();
    await this.#record(this.#form.opening(settings, params.userText, startedAtMs), result);
    const interrupted = async (): Promise<never> => {
      await this.#record(interruptedTurnRecords(turnId, startedAtMs, now()), result);
      throw new TurnInterruptedError(turnId, { cause: signal?.reason });
    };
    for (;;) {
      if (result.modelCalls >= maxCalls) {
        await this.#record([abortedTurnEvent(turnId, startedAtMs, now())], result);
        throw new TurnLimitExceededError(turnId, maxCalls);
      }
      const request = this.nextModelRequest();
      const modelCall = ++result.modelCalls;
      let reply: Awaited<ReturnType<ModelClient["respond"]>>;
      try {
        const callOptions: ModelCallOptions = {
          ...(signal && { signal }),
          ...(onEvent && { onEvent: (e: ModelStreamEvent) => onEvent({ ...e, modelCall }) }),
        };
        reply = await untilAborted(params.model.respond(request, callOptions), signal);
      } catch (error) {
        if (signal?.aborted) return await interrupted();
        const completion = this.#form.completion(turnId, { lastAgentMessage: result.lastAgentMessage, startedAtMs, completedAtMs: now() });
        await this.#record([failedTurnCompletion(completion, error)], result);
        throw new ModelCallError(turnId, { cause: error });
      }
      const { calls, tokenCount: count } = await this.#recordResponse(turnId, reply, result, now);
      if (calls.length === 0) break;
      const dynamic = new Set(this.#tools.map((t) => t.name));
      const outcomes = await Promise.all(calls.map((call) => runTool(call, handlers, { dynamic: dynamic.has(call.name), now, signal, onEvent })));
      const toolRecords = (o: ToolRunOutcome) => (o.cancelled ? cancelledToolCallRecords(this.historyMode, this.threadId, turnId, o) : this.#form.toolResult(turnId, o));
      // Codex records the tool results before the response's token_count (docs/rollout-format.md, "Turn shapes").
      await this.#record([...outcomes.flatMap(toolRecords), ...(count ? [count] : [])], result);
      if (signal?.aborted) return await interrupted();
    }
    const completion = { lastAgentMessage: result.lastAgentMessage, startedAtMs, completedAtMs: now() };
    await this.#record([this.#form.completion(turnId, completion)], result);
    if (this.#totals) result.totalTokenUsage = this.#totals;
    return result;
  }

  /**
   * {@link runTurn} as an async iterable of its events (text deltas, items, tool calls) with
   * the outcome in `result`. Records exactly what `runTurn` records.
   */
  streamTurn(params: Omit<RunTurnParams, "onEvent">): TurnStream {
    return new TurnStream((onEvent) => this.runTurn({ ...params, onEvent }));
  }

  /** Sends an explicit metadata patch, ordered after this session's appends. */
  updateMetadata(patch: ThreadMetadataPatch, options?: LiveThreadUpdateOptions): Promise<ThreadRecord> {
    return this.live.updateMetadata(patch, options);
  }

  /** Flushes history, then pending metadata. */
  flush(): Promise<void> {
    return this.live.flush();
  }

  /** Flushes and releases the writer; the session is unloaded. Idempotent. */
  async shutdown(): Promise<void> {
    try {
      await this.live.shutdown();
    } finally {
      if (this.live.closed) this.#init.onClosed?.(this);
    }
  }

  /** Releases the writer without flushing queued items; the session is unloaded. */
  async discard(): Promise<void> {
    try {
      await this.live.discard();
    } finally {
      this.#init.onClosed?.(this);
    }
  }

  /**
   * Records one model response as Codex 0.169 does: its items in order, then `token_usage_record`;
   * the `token_count` follows at once when the response calls no tool, else it is returned for
   * the caller to record after the tool results.
   */
  async #recordResponse(
    turnId: string,
    reply: ModelResponse,
    result: TurnResult,
    now: () => number,
  ): Promise<{ calls: FunctionCall[]; tokenCount?: RolloutItem }> {
    const items: RolloutItem[] = [];
    const calls: FunctionCall[] = [];
    for (const raw of reply.output) {
      const item = raw as { type: string } & Record<string, unknown>;
      const text = assistantText(item);
      if (text !== undefined) {
        items.push(...this.#form.assistantMessage(turnId, item, text, now()));
        result.lastAgentMessage = text;
        continue;
      }
      items.push(response(item));
      if (item.type === "function_call") {
        calls.push({ name: String(item["name"]), arguments: String(item["arguments"] ?? "{}"), call_id: String(item["call_id"]) });
      }
    }
    let count: RolloutItem | undefined;
    if (reply.usage) {
      this.#totals = addUsage(this.#totals, reply.usage);
      result.turnTokenUsage = addUsage(result.turnTokenUsage, reply.usage);
      const at = { threadId: this.threadId, turnId, ...(reply.responseId !== undefined && { responseId: reply.responseId }) };
      items.push(tokenUsageRecord(at, reply.usage, result.turnTokenUsage, this.#totals));
      count = tokenCount(this.#totals, reply.usage);
      if (calls.length === 0) items.push(count);
    }
    await this.#record(items, result);
    return calls.length > 0 && count ? { calls, tokenCount: count } : { calls };
  }

  async #record(items: readonly RolloutItem[], result: TurnResult): Promise<void> {
    try {
      await this.appendItems(items);
    } catch (error) {
      // History is kept and the patch stays pending; a turn does not fail on index trouble.
      if (error instanceof MetadataUpdateError) result.metadataError = error;
      else throw error;
    }
  }

  async #recordTools(): Promise<void> {
    let record = dynamicToolsRecord(this.#history, this.threadId, this.#tools);
    // A thread created by this session has its session_meta in the store only.
    if (!record) record = dynamicToolsRecord(await this.live.loadHistory(), this.threadId, this.#tools);
    if (!record) return;
    this.#toolsChanged = false;
    await this.live.appendItems([record]);
    this.#mirror([record]);
  }

  #mirror(items: readonly RolloutItem[]): void {
    for (const item of items) if (isPersistedRolloutItem(item)) this.#history.push(item);
  }
}

interface FunctionCall {
  name: string;
  arguments: string;
  call_id: string;
}

interface ToolRun {
  dynamic: boolean;
  now: () => number;
  signal: AbortSignal | undefined;
  onEvent: TurnEventListener | undefined;
}

/** A tool call's outcome; `cancelled` when an interrupt cut it short. */
type ToolRunOutcome = ToolCallOutcome & { cancelled?: boolean };

/** Runs one call to its outcome; never rejects. An interrupt settles it at once as cancelled. */
async function runTool(call: FunctionCall, handlers: ToolHandlers, run: ToolRun): Promise<ToolRunOutcome> {
  const { dynamic, now, signal, onEvent } = run;
  const startedAtMs = now();
  onEvent?.({ type: "tool_call_started", callId: call.call_id, tool: call.name, arguments: call.arguments });
  const outcome = await toolOutcome(call, handlers, dynamic, now, startedAtMs, signal);
  onEvent?.({ type: "tool_call_finished", callId: call.call_id, tool: call.name, output: outcome.output, success: outcome.success });
  return outcome;
}

async function toolOutcome(call: FunctionCall, handlers: ToolHandlers, dynamic: boolean, now: () => number, startedAtMs: number, signal: AbortSignal | undefined): Promise<ToolRunOutcome> {
  const done = (output: string, success: boolean): ToolCallOutcome => ({
    callId: call.call_id,
    tool: call.name,
    arguments: call.arguments,
    output,
    success,
    dynamic,
    startedAtMs,
    completedAtMs: now(),
  });
  const handler = handlers[call.name];
  if (!handler) return done(`unsupported call: ${call.name}`, false);
  const context: ToolCallContext = { callId: call.call_id, signal: signal ?? new AbortController().signal };
  try {
    const output = untilAborted(Promise.resolve().then(() => handler(call.arguments ? JSON.parse(call.arguments) : {}, context)), signal);
    return done(await output, true);
  } catch (error) {
    if (signal?.aborted) return { ...done(CANCELLED_TOOL_OUTPUT, false), cancelled: true };
    return done(`tool ${call.name} failed: ${error instanceof Error ? error.message : String(error)}`, false);
  }
}
