import type { RolloutItem } from "./rollout-item.js";
import { userMessageOf } from "./user-message.js";

// What content search indexes from a rollout item (docs/search.md, "What matches"). The
// conversation as Codex shows it: the user-message and agent-message events of both history
// generations (legacy `user_message`/`agent_message`, paginated `item_completed{UserMessage|
// AgentMessage}`). `response_item` messages are the model's input and output copies of the
// same words plus context (environment, instructions), so they are not indexed. Tool calls and
// their outputs are indexed under role `tool` and match only when a search asks for them.

/** Who said a searchable text. */
export type SearchableRole = "user" | "assistant" | "tool";

/** A searchable text of one rollout item. */
export interface SearchableMessage {
  role: SearchableRole;
  text: string;
}

/** Tool texts (arguments, outputs) are indexed up to this many characters each. */
export const MAX_TOOL_TEXT_CHARS = 16_384;

/** The searchable text an item records, or undefined (most items record none). */
export function searchableMessageOf(item: Pick<RolloutItem, "type" | "payload">): SearchableMessage | undefined {
  const payload = item.payload as Record<string, unknown> | null;
  if (typeof payload !== "object" || payload === null) return undefined;
  if (item.type === "event_msg") {
    const user = userMessageOf(item);
    if (user) return user.text ? { role: "user", text: user.text } : undefined;
    if (payload["type"] === "agent_message") return nonEmpty("assistant", payload["message"]);
    if (payload["type"] === "item_completed") {
      const inner = payload["item"] as Record<string, unknown> | null | undefined;
      if (!inner || inner["type"] !== "AgentMessage") return undefined;
      return nonEmpty("assistant", textParts(inner["content"]));
    }
    return undefined;
  }
  if (item.type === "response_item") return toolText(payload);
  return undefined;
}

function toolText(payload: Record<string, unknown>): SearchableMessage | undefined {
  switch (payload["type"]) {
    case "function_call":
      return nonEmpty("tool", joinText(payload["name"], payload["arguments"]));
    case "custom_tool_call":
      return nonEmpty("tool", joinText(payload["name"], payload["input"]));
    case "local_shell_call": {
      const action = payload["action"] as { command?: unknown } | undefined;
      return nonEmpty("tool", Array.isArray(action?.command) ? action.command.join(" ") : undefined);
    }
    case "function_call_output":
    case "custom_tool_call_output": {
      const output = payload["output"];
      if (typeof output === "string") return nonEmpty("tool", output);
      if (Array.isArray(output)) return nonEmpty("tool", textParts(output));
      const content = (output as { content?: unknown } | null)?.content;
      return nonEmpty("tool", typeof content === "string" ? content : textParts(content));
    }
    default:
      return undefined;
  }
}

function textParts(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const c of content) {
    const text = (c as { text?: unknown } | null)?.text;
    if (typeof text === "string") parts.push(text);
  }
  return parts.join("\n");
}

function joinText(...values: unknown[]): string {
  return values.filter((v): v is string => typeof v === "string" && v.length > 0).join(" ");
}

function nonEmpty(role: SearchableRole, text: unknown): SearchableMessage | undefined {
  if (typeof text !== "string") return undefined;
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return { role, text: role === "tool" && trimmed.length > MAX_TOOL_TEXT_CHARS ? trimmed.slice(0, MAX_TOOL_TEXT_CHARS) : trimmed };
}
