import { newThreadId } from "@skein/protocol";
import { RolloutRecorder } from "@skein/rollout";
import { LOOKUP_TOOL } from "./codex-home-scenario.js";

/** One exchange Skein records: what the user said and what the (scripted) model answered. */
export interface SkeinTurn {
  readonly user: string;
  readonly agent: string;
}

/** What {@link writeSkeinThread} needs. */
export interface SkeinThreadSpec {
  readonly home: string;
  readonly cwd: string;
  /** The model provider recorded in `session_meta`; Codex must have the mock registered under it. */
  readonly provider: string;
  readonly turns: readonly SkeinTurn[];
}

/**
 * Writes a legacy-history thread with Skein's rollout recorder: `session_meta` with the
 * dynamic tool, then per turn the model-facing messages and the legacy events.
 *
 * Interim writer: issue 7 asks for threads started through `ThreadManager`
 * (`@skein/core-session`), which does not exist yet; this uses the layer below it.
 */
export async function writeSkeinThread(spec: SkeinThreadSpec): Promise<string> {
  const threadId = newThreadId();
  const recorder = RolloutRecorder.create({
    home: spec.home,
    threadId,
    sessionMeta: {
      cwd: spec.cwd,
      originator: "skein",
      cli_version: "0.0.0",
      source: "exec",
      model_provider: spec.provider,
      dynamic_tools: [LOOKUP_TOOL],
      history_mode: "legacy",
    },
  });
  for (const turn of spec.turns) {
    recorder.record([
      { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: turn.user }] } },
      { type: "event_msg", payload: { type: "user_message", message: turn.user, images: [] } },
      { type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: turn.agent }] } },
      { type: "event_msg", payload: { type: "agent_message", message: turn.agent } },
    ]);
  }
  await recorder.shutdown();
  return threadId;
}

/**
 * Appends one turn to an existing thread with Skein's recorder in resume mode, in the event
 * form the file's history mode uses (`item_completed` for paginated, `user_message` /
 * `agent_message` for legacy), framed by `task_started`/`task_complete` like a Codex turn.
 *
 * Interim writer, like {@link writeSkeinThread}: to be replaced by a `ThreadManager` resume.
 */
export async function appendSkeinTurn(path: string, turn: SkeinTurn): Promise<void> {
  const recorder = await RolloutRecorder.resume({ path });
  const threadId = recorder.threadId;
  const turnId = newThreadId();
  const paginated = await isPaginated(path);
  const now = Date.now();
  const userEvent = paginated
    ? { type: "item_completed", thread_id: threadId, turn_id: turnId, item: { type: "UserMessage", id: newThreadId(), content: [{ type: "text", text: turn.user, text_elements: [] }] }, completed_at_ms: now }
    : { type: "user_message", message: turn.user, images: [] };
  const agentEvent = paginated
    ? { type: "item_completed", thread_id: threadId, turn_id: turnId, item: { type: "AgentMessage", id: `msg_${newThreadId()}`, content: [{ type: "Text", text: turn.agent }] }, completed_at_ms: now }
    : { type: "agent_message", message: turn.agent };
  recorder.record([
    { type: "event_msg", payload: { type: "task_started", turn_id: turnId, started_at: Math.floor(now / 1000) } },
    { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: turn.user }] } },
    { type: "event_msg", payload: userEvent },
    { type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: turn.agent }] } },
    { type: "event_msg", payload: agentEvent },
    { type: "event_msg", payload: { type: "task_complete", turn_id: turnId, last_agent_message: turn.agent } },
  ]);
  await recorder.shutdown();
}

async function isPaginated(path: string): Promise<boolean> {
  const { readRollout } = await import("@skein/rollout");
  return (await readRollout(path, { end: 64 * 1024 })).meta?.history_mode === "paginated";
}
