import { type DynamicToolSpec, type ResponseItem, type RolloutItem, dynamicToolInputSchema } from "@skein/protocol";

/** A function tool as the Responses API takes it. */
export interface ModelTool {
  type: "function";
  name: string;
  description: string;
  parameters: unknown;
}

/** What the next Responses-API request of a thread carries. */
export interface ModelRequest {
  model: string;
  instructions: string;
  /** Model-visible history, oldest first. */
  input: ResponseItem[];
  tools: ModelTool[];
}

/** Inputs of {@link buildModelRequest}. */
export interface BuildModelRequestParams {
  /** The thread's records, oldest first (`RolloutItem`s or `RolloutLine`s). */
  history: readonly Pick<RolloutItem, "type" | "payload">[];
  model: string;
  baseInstructions?: string;
  dynamicTools?: readonly DynamicToolSpec[];
}

// Response items that are never model input: legacy snapshots and compaction triggers.
const HIDDEN_RESPONSE_ITEMS = new Set(["ghost_snapshot", "compaction_trigger", "other"]);

/**
 * Builds the request the next model call of a thread would send: the base instructions, the
 * model-visible `response_item` payloads in order, and the session's dynamic tools as
 * function tools. After a `compacted` record, its `replacement_history` stands in for
 * everything before it; an old-style record without one keeps the earlier user messages and
 * adds its summary as a user message. Tools with `defer_loading` are left out: Codex exposes
 * them through tool search, not in `tools`.
 *
 * @example
 * const request = buildModelRequest({ history, model: "gpt-5", dynamicTools, baseInstructions });
 * request.tools.map((t) => t.name);
 */
export function buildModelRequest(params: BuildModelRequestParams): ModelRequest {
  let input: ResponseItem[] = [];
  for (const item of params.history) {
    if (item.type === "response_item") {
      const payload = item.payload as ResponseItem;
      if (!HIDDEN_RESPONSE_ITEMS.has(payload.type)) input.push(payload);
    } else if (item.type === "compacted") {
      input = replacementFor(item.payload as { message: string; replacement_history?: ResponseItem[] | null }, input);
    }
  }
  const tools = (params.dynamicTools ?? [])
    .filter((tool) => tool.defer_loading !== true)
    .map((tool): ModelTool => ({ type: "function", name: tool.name, description: tool.description, parameters: dynamicToolInputSchema(tool) }));
  return { model: params.model, instructions: params.baseInstructions ?? "", input, tools };
}

function replacementFor(compacted: { message: string; replacement_history?: ResponseItem[] | null }, before: ResponseItem[]): ResponseItem[] {
  if (compacted.replacement_history) {
    return compacted.replacement_history.filter((item) => !HIDDEN_RESPONSE_ITEMS.has(item.type));
  }
  const userMessages = before.filter((item) => item.type === "message" && (item as { role?: unknown }).role === "user");
  return [...userMessages, { type: "message", role: "user", content: [{ type: "input_text", text: compacted.message }] }];
}
