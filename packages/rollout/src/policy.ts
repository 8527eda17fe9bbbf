import type { RolloutItem } from "@skein/protocol";

// Behaviour: docs/rollout-format.md, "What is persisted" (Codex `persisted_rollout_items`, limited mode).

const PERSISTED_EVENTS = new Set([
  "user_message",
  "agent_message",
  "agent_reasoning",
  "agent_reasoning_raw_content",
  "patch_apply_end",
  "token_count",
  "thread_goal_updated",
  "context_compacted",
  "entered_review_mode",
  "exited_review_mode",
  "mcp_tool_call_end",
  "thread_rolled_back",
  "turn_aborted",
  "task_started",
  "turn_started",
  "task_complete",
  "turn_complete",
  "web_search_end",
  "image_generation_end",
  "sub_agent_activity",
  // Codex 0.169 paginated history persists these; they carry the turn's items.
  "thread_settings_applied",
]);

/** `item_completed` items that are history (paginated Codex records every finished item). */
const DROPPED_RESPONSE_ITEMS = new Set(["compaction_trigger", "other"]);

/**
 * True when a record belongs in the canonical history. Everything that is not an
 * `event_msg` or a dropped `response_item` is kept, unknown record kinds included: a newer
 * writer's kinds are history we do not understand yet, not noise.
 */
export function isPersistedRolloutItem(item: Pick<RolloutItem, "type" | "payload">): boolean {
  if (item.type !== "response_item" && item.type !== "event_msg") return true;
  return isPersistedRecord(item.type, (item.payload as { type?: unknown }).type);
}

/**
 * {@link isPersistedRolloutItem} from the record kind and the payload's own `type` alone (what
 * a raw JSON item's scan yields without parsing the payload).
 */
export function isPersistedRecord(recordType: string, payloadType: unknown): boolean {
  if (recordType === "response_item") return !(typeof payloadType === "string" && DROPPED_RESPONSE_ITEMS.has(payloadType));
  if (recordType !== "event_msg") return true;
  const type = payloadType;
  if (typeof type !== "string") return false;
  if (type === "item_completed") return true;
  return PERSISTED_EVENTS.has(type);
}

/** The records of `items` that are persisted, in order. */
export function persistedRolloutItems<T extends Pick<RolloutItem, "type" | "payload">>(items: readonly T[]): T[] {
  return items.filter(isPersistedRolloutItem);
}
