import { isThreadId } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { type ToolCallOutcome, turnForm } from "../src/turn-form.js";

const THREAD = "01a2143c-6c79-7590-b517-a8b410c16b66";
const TURN = "01a2143c-6c87-7792-b412-1faf5d4f01af";
const AT = 1_795_635_834_028;
const SETTINGS = { turnId: TURN, cwd: "/work", model: "gpt-5", approvalPolicy: "never", sandboxPolicy: { type: "read-only" } };
const ASSISTANT = { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello" }] };

function outcome(overrides: Partial<ToolCallOutcome> = {}): ToolCallOutcome {
  return { callId: "call_1", tool: "lookup", arguments: '{"key":"alpha"}', output: "42", success: true, dynamic: true, startedAtMs: AT, completedAtMs: AT + 1_250, ...overrides };
}

const UUID_V7 = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

// Shapes: docs/rollout-format.md, "Turn shapes".
describe("turnForm legacy", () => {
  const form = turnForm("legacy", THREAD);

  it("opens a turn with task_started, turn_context, the user input and user_message", () => {
    expect(form.opening(SETTINGS, "hi", AT)).toEqual([
      { type: "event_msg", payload: { type: "task_started", turn_id: TURN, started_at: 1_795_635_834, model_context_window: null, collaboration_mode_kind: "default" } },
      { type: "turn_context", payload: { turn_id: TURN, cwd: "/work", approval_policy: "never", sandbox_policy: { type: "read-only" }, model: "gpt-5", summary: "auto" } },
      { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } },
      { type: "event_msg", payload: { type: "user_message", message: "hi", images: [], local_images: [], text_elements: [] } },
    ]);
  });

  it("records an assistant message as agent_message followed by the message (Codex 0.169's order)", () => {
    expect(form.assistantMessage(TURN, ASSISTANT, "hello", AT)).toEqual([
      { type: "event_msg", payload: { type: "agent_message", message: "hello", phase: null } },
      { type: "response_item", payload: ASSISTANT },
    ]);
  });

  it("records a tool result as the function_call_output only", () => {
    expect(form.toolResult(TURN, outcome())).toEqual([{ type: "response_item", payload: { type: "function_call_output", call_id: "call_1", output: "42" } }]);
  });

  it("completes a turn with turn_id and last_agent_message", () => {
    expect(form.completion(TURN, { lastAgentMessage: "hello", startedAtMs: AT, completedAtMs: AT + 5 })).toEqual({
      type: "event_msg",
      payload: { type: "task_complete", turn_id: TURN, last_agent_message: "hello" },
    });
  });
});

describe("turnForm paginated", () => {
  const form = turnForm("paginated", THREAD);

  it("opens a turn with task_started (attribution, root turn), turn_context, the user input and item_completed{UserMessage}", () => {
    expect(form.opening(SETTINGS, "hi", AT)).toEqual([
      {
        type: "event_msg",
        payload: {
          type: "task_started",
          turn_attribution: { turn_id: TURN, turn_trigger: null, parent_turn_id: null, initiating_agent_path: null, root_turn_id: TURN },
          turn_id: TURN,
          root_turn_id: TURN,
          started_at: 1_795_635_834,
          model_context_window: null,
          collaboration_mode_kind: "default",
        },
      },
      { type: "turn_context", payload: { turn_id: TURN, cwd: "/work", approval_policy: "never", sandbox_policy: { type: "read-only" }, model: "gpt-5", summary: "auto", root_turn_id: TURN } },
      { type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } },
      {
        type: "event_msg",
        payload: {
          type: "item_completed",
          thread_id: THREAD,
          turn_id: TURN,
          item: { type: "UserMessage", id: UUID_V7, content: [{ type: "text", text: "hi", text_elements: [] }] },
          started_at_ms: AT,
          completed_at_ms: AT,
        },
      },
    ]);
  });

  it("gives each user message item a fresh UUIDv7 id", () => {
    const idOf = () => ((form.opening(SETTINGS, "hi", AT)[3]!.payload as { item: { id: string } }).item.id);
    const [a, b] = [idOf(), idOf()];
    expect(isThreadId(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it("records an assistant message as item_completed{AgentMessage} followed by the message", () => {
    expect(form.assistantMessage(TURN, ASSISTANT, "hello", AT)).toEqual([
      {
        type: "event_msg",
        payload: {
          type: "item_completed",
          thread_id: THREAD,
          turn_id: TURN,
          item: { type: "AgentMessage", id: expect.stringMatching(/^msg_[0-9a-f-]{36}$/), content: [{ type: "Text", text: "hello" }] },
          started_at_ms: AT,
          completed_at_ms: AT,
        },
      },
      { type: "response_item", payload: ASSISTANT },
    ]);
  });

  it("names the agent message item after the response item's id when it has one", () => {
    const [item] = form.assistantMessage(TURN, { ...ASSISTANT, id: "msg_mock_0001" }, "hello", AT);
    expect((item!.payload as { item: { id: string } }).item.id).toBe("msg_mock_0001");
  });

  it("records a dynamic tool's result as item_completed{DynamicToolCall} followed by the function_call_output", () => {
    expect(form.toolResult(TURN, outcome())).toEqual([
      {
        type: "event_msg",
        payload: {
          type: "item_completed",
          thread_id: THREAD,
          turn_id: TURN,
          item: {
            type: "DynamicToolCall",
            id: "call_1",
            tool: "lookup",
            arguments: { key: "alpha" },
            status: "completed",
            content_items: [{ type: "inputText", text: "42" }],
            success: true,
            duration: { secs: 1, nanos: 250_000_000 },
          },
          started_at_ms: AT,
          completed_at_ms: AT + 1_250,
        },
      },
      { type: "response_item", payload: { type: "function_call_output", call_id: "call_1", output: "42" } },
    ]);
  });

  it("marks a failed tool call as failed and unsuccessful", () => {
    const [item] = form.toolResult(TURN, outcome({ success: false, output: "tool lookup failed: boom" }));
    expect((item!.payload as { item: unknown }).item).toMatchObject({ status: "failed", success: false, content_items: [{ type: "inputText", text: "tool lookup failed: boom" }] });
  });

  it("keeps arguments that are not JSON as their raw text", () => {
    const [item] = form.toolResult(TURN, outcome({ arguments: "not json" }));
    expect((item!.payload as { item: { arguments: unknown } }).item.arguments).toBe("not json");
  });

  it("records no item for a call of a tool that is not one of the session's dynamic tools", () => {
    expect(form.toolResult(TURN, outcome({ dynamic: false }))).toEqual([{ type: "response_item", payload: { type: "function_call_output", call_id: "call_1", output: "42" } }]);
  });

  it("completes a turn with root turn, times in seconds and the duration in ms", () => {
    expect(form.completion(TURN, { lastAgentMessage: null, startedAtMs: AT, completedAtMs: AT + 2_500 })).toEqual({
      type: "event_msg",
      payload: { type: "task_complete", root_turn_id: TURN, turn_id: TURN, last_agent_message: null, started_at: 1_795_635_834, completed_at: 1_795_635_836, duration_ms: 2_500 },
    });
  });
});
