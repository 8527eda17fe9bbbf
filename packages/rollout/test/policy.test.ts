import { describe, expect, it } from "vitest";
import { isPersistedRolloutItem, persistedRolloutItems } from "../src/index.js";

describe("persistence policy", () => {
  it("keeps every response item except compaction triggers and 'other'", () => {
    expect(isPersistedRolloutItem({ type: "response_item", payload: { type: "message" } })).toBe(true);
    expect(isPersistedRolloutItem({ type: "response_item", payload: { type: "compaction_trigger" } })).toBe(false);
    expect(isPersistedRolloutItem({ type: "response_item", payload: { type: "other" } })).toBe(false);
  });

  it("keeps history events and drops streaming noise", () => {
    expect(isPersistedRolloutItem({ type: "event_msg", payload: { type: "user_message" } })).toBe(true);
    expect(isPersistedRolloutItem({ type: "event_msg", payload: { type: "agent_message_delta" } })).toBe(false);
    expect(isPersistedRolloutItem({ type: "event_msg", payload: { type: "exec_command_end" } })).toBe(false);
  });

  it("keeps unknown record kinds from newer writers", () => {
    expect(isPersistedRolloutItem({ type: "world_state", payload: {} })).toBe(true);
  });

  it("filters in order", () => {
    const items = [
      { type: "session_meta", payload: { n: 1 } },
      { type: "event_msg", payload: { type: "warning" } },
      { type: "turn_context", payload: { n: 2 } },
    ] as const;
    expect(persistedRolloutItems(items).map((i) => i.type)).toEqual(["session_meta", "turn_context"]);
  });
});
