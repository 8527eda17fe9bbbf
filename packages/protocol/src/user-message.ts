import type { RolloutItem } from "./rollout-item.js";

/** Codex prefixes some prompts with context; everything through this marker is not the user's text. */
export const USER_MESSAGE_BEGIN = "## My request for Codex:";

/** What a user turn said, from either history generation. */
export interface UserMessage {
  /** The text with Codex's context prefix stripped and trimmed (may be empty). */
  text: string;
  /** Number of attached images. */
  images: number;
}

/**
 * The user message an item records, or undefined when it records none. Reads the legacy
 * `event_msg/user_message` and the paginated `event_msg/item_completed{UserMessage}` forms.
 * `response_item` user messages are model input (context, instructions), not the user's
 * words, so they never count (Behaviour: docs/state-index.md, "Deriving a summary from a rollout").
 */
export function userMessageOf(item: Pick<RolloutItem, "type" | "payload">): UserMessage | undefined {
  if (item.type !== "event_msg") return undefined;
  const payload = item.payload as Record<string, unknown>;
  if (payload["type"] === "user_message") {
    const text = typeof payload["message"] === "string" ? payload["message"] : "";
    const images = countArray(payload["images"]) + countArray(payload["local_images"]);
    return { text: stripUserMessagePrefix(text), images };
  }
  if (payload["type"] === "item_completed") {
    const inner = payload["item"] as Record<string, unknown> | undefined;
    if (!inner || inner["type"] !== "UserMessage") return undefined;
    const parts: string[] = [];
    let images = 0;
    for (const c of Array.isArray(inner["content"]) ? inner["content"] : []) {
      const part = c as Record<string, unknown>;
      if (part["type"] === "text" && typeof part["text"] === "string") parts.push(part["text"]);
      else if (typeof part["type"] === "string" && /image/i.test(part["type"])) images++;
    }
    return { text: stripUserMessagePrefix(parts.join("\n")), images };
  }
  return undefined;
}

/** The list preview for a user message: its text, or `[Image]` for an image-only one. */
export function userMessagePreview(message: UserMessage): string | undefined {
  if (message.text.length > 0) return message.text;
  if (message.images > 0) return "[Image]";
  return undefined;
}

/** Strips everything through {@link USER_MESSAGE_BEGIN} and trims. */
export function stripUserMessagePrefix(text: string): string {
  const at = text.indexOf(USER_MESSAGE_BEGIN);
  return (at >= 0 ? text.slice(at + USER_MESSAGE_BEGIN.length) : text).trim();
}

/** The objective of a `thread_goal_updated` event, used as a preview before any user message. */
export function goalObjectiveOf(item: Pick<RolloutItem, "type" | "payload">): string | undefined {
  if (item.type !== "event_msg") return undefined;
  const payload = item.payload as Record<string, unknown>;
  if (payload["type"] !== "thread_goal_updated") return undefined;
  const goal = (payload["goal"] ?? payload) as Record<string, unknown>;
  const objective = goal["objective"];
  return typeof objective === "string" && objective.trim() ? objective.trim() : undefined;
}

function countArray(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
