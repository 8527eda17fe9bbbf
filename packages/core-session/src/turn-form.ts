import { type HistoryMode, type ResponseItem, type RolloutItem, type ThreadId, type TurnContext, newThreadId } from "@skein/protocol";
import { event, response } from "./turn-items.js";

// Behaviour: docs/rollout-format.md, "Turn shapes". Codex 0.169 records a turn's
// items in one of two forms and keeps a thread in the form its `session_meta.history_mode`
// names: legacy threads get `user_message`/`agent_message` events, paginated threads get
// `item_completed` events, the only ones Codex's `thread/read` shows for them.

/** Settings a turn records in its `turn_context`. */
export interface TurnSettings {
  turnId: string;
  cwd: string;
  model: string;
  approvalPolicy: string;
  sandboxPolicy: unknown;
  reasoningEffort?: string;
}

/** A finished dynamic tool call, as the turn records it. */
export interface ToolCallOutcome {
  callId: string;
  tool: string;
  /** The raw JSON argument string the model sent. */
  arguments: string;
  /** The text the model sees. */
  output: string;
  /** False when the handler was missing or failed. */
  success: boolean;
  /** True when the tool is one of the session's dynamic tools (Codex records an item only for those). */
  dynamic: boolean;
  startedAtMs: number;
  completedAtMs: number;
}

/** How a turn ended, for its `task_complete`. */
export interface TurnCompletion {
  lastAgentMessage: string | null;
  startedAtMs: number;
  completedAtMs: number;
}

/** The records of one turn, in the form of the thread's history mode. Stateless per turn. */
export interface TurnForm {
  readonly historyMode: HistoryMode;
  /** Task start, turn context, the user input and the user-message record. */
  opening(settings: TurnSettings, userText: string, startedAtMs: number): RolloutItem[];
  /** The records of one assistant message item of a model response, in Codex's order. */
  assistantMessage(turnId: string, item: ResponseItem, text: string, atMs: number): RolloutItem[];
  /** The records after a tool ran: its item (paginated, dynamic tools only) and the output sent back. */
  toolResult(turnId: string, outcome: ToolCallOutcome): RolloutItem[];
  /** The `task_complete` event. */
  completion(turnId: string, completion: TurnCompletion): RolloutItem;
}

/** The form for a thread of `mode`; `threadId` is recorded in paginated items. */
export function turnForm(mode: HistoryMode, threadId: ThreadId): TurnForm {
  return mode === "paginated" ? paginatedTurnForm(threadId) : LEGACY_TURN_FORM;
}

const LEGACY_TURN_FORM: TurnForm = {
  historyMode: "legacy",
  opening(settings, userText, startedAtMs) {
    return [
      event({ type: "task_started", turn_id: settings.turnId, started_at: seconds(startedAtMs), model_context_window: null, collaboration_mode_kind: "default" }),
      { type: "turn_context", payload: turnContext(settings) },
      userInput(userText),
      event({ type: "user_message", message: userText, images: [], local_images: [], text_elements: [] }),
    ];
  },
  assistantMessage(_turnId, item, text) {
    // Codex 0.169 writes the event before the message in legacy threads too.
    return [event({ type: "agent_message", message: text, phase: null }), response(item)];
  },
  toolResult(_turnId, outcome) {
    return [functionCallOutput(outcome)];
  },
  completion(turnId, completion) {
    return event({ type: "task_complete", turn_id: turnId, last_agent_message: completion.lastAgentMessage });
  },
};

function paginatedTurnForm(threadId: ThreadId): TurnForm {
  const completed = (turnId: string, item: Record<string, unknown>, startedAtMs: number, completedAtMs: number) =>
    event({ type: "item_completed", thread_id: threadId, turn_id: turnId, item, started_at_ms: startedAtMs, completed_at_ms: completedAtMs });
  return {
    historyMode: "paginated",
    opening(settings, userText, startedAtMs) {
      const turnId = settings.turnId;
      return [
        event({
          type: "task_started",
          turn_attribution: { turn_id: turnId, turn_trigger: null, parent_turn_id: null, initiating_agent_path: null, root_turn_id: turnId },
          turn_id: turnId,
          root_turn_id: turnId,
          started_at: seconds(startedAtMs),
          model_context_window: null,
          collaboration_mode_kind: "default",
        }),
        { type: "turn_context", payload: { ...turnContext(settings), root_turn_id: turnId } },
        userInput(userText),
        // User message items get a fresh UUIDv7 id, like Codex's own.
        completed(turnId, { type: "UserMessage", id: newThreadId(startedAtMs), content: [{ type: "text", text: userText, text_elements: [] }] }, startedAtMs, startedAtMs),
      ];
    },
    assistantMessage(turnId, item, text, atMs) {
      // Codex names the item after the response item, and writes the item before the message.
      const own = (item as Record<string, unknown>)["id"];
      const id = typeof own === "string" && own ? own : `msg_${newThreadId(atMs)}`;
      return [completed(turnId, { type: "AgentMessage", id, content: [{ type: "Text", text }] }, atMs, atMs), response(item)];
    },
    toolResult(turnId, outcome) {
      if (!outcome.dynamic) return [functionCallOutput(outcome)];
      const ms = Math.max(0, outcome.completedAtMs - outcome.startedAtMs);
      const item = {
        type: "DynamicToolCall",
        id: outcome.callId,
        tool: outcome.tool,
        arguments: parseArguments(outcome.arguments),
        status: outcome.success ? "completed" : "failed",
        content_items: [{ type: "inputText", text: outcome.output }],
        success: outcome.success,
        duration: { secs: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
      };
      return [completed(turnId, item, outcome.startedAtMs, outcome.completedAtMs), functionCallOutput(outcome)];
    },
    completion(turnId, completion) {
      return event({
        type: "task_complete",
        root_turn_id: turnId,
        turn_id: turnId,
        last_agent_message: completion.lastAgentMessage,
        started_at: seconds(completion.startedAtMs),
        completed_at: seconds(completion.completedAtMs),
        duration_ms: Math.max(0, completion.completedAtMs - completion.startedAtMs),
      });
    },
  };
}

function turnContext(settings: TurnSettings): TurnContext {
  const context: TurnContext = {
    turn_id: settings.turnId,
    cwd: settings.cwd,
    approval_policy: settings.approvalPolicy,
    sandbox_policy: settings.sandboxPolicy,
    model: settings.model,
    summary: "auto",
  };
  if (settings.reasoningEffort !== undefined) context["effort"] = settings.reasoningEffort;
  return context;
}

function userInput(text: string): RolloutItem {
  return response({ type: "message", role: "user", content: [{ type: "input_text", text }] });
}

function functionCallOutput(outcome: ToolCallOutcome): RolloutItem {
  return response({ type: "function_call_output", call_id: outcome.callId, output: outcome.output });
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The call's arguments as JSON (Codex records them parsed); the raw text when they do not parse. */
function parseArguments(raw: string): unknown {
  if (!raw) return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
