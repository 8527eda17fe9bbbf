import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RolloutLine } from "@skein/protocol";
import { checkRolloutLine } from "../../src/internal/check-rollout-line.js";

const THREAD = "01990292-d000-7bc3-a19b-7e3cba074e4c";

/** Values that stress every branch of the check: right and wrong types for each field. */
const anyValue = fc.oneof(
  fc.string(),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.constant([{ type: "message" }]),
  fc.constant([{ type: 1 }]),
);
const payload = fc.oneof(
  anyValue,
  fc.record(
    { type: anyValue, turn_id: anyValue, cwd: anyValue, model: anyValue, message: anyValue, replacement_history: anyValue },
    { requiredKeys: [] },
  ),
  fc.constant({ id: THREAD, timestamp: "t", cwd: "/w" }),
);
const candidate = fc.record(
  {
    timestamp: anyValue,
    ordinal: anyValue,
    type: fc.oneof(fc.constantFrom("session_meta", "response_item", "event_msg", "turn_context", "compacted", "world_state"), anyValue),
    payload,
    metadata: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
);

describe("checkRolloutLine", () => {
  it("accepts only what the RolloutLine schema accepts, and returns it unchanged", () => {
    fc.assert(
      fc.property(candidate, (value) => {
        const json: unknown = JSON.parse(JSON.stringify(value));
        const fast = checkRolloutLine(json);
        if (fast === undefined) return;
        const parsed = RolloutLine.safeParse(json);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
      }),
      { numRuns: 50_000 },
    );
  });

  it("accepts a plain Codex response_item line", () => {
    const json = { timestamp: "2025-09-01T00:00:00.000Z", ordinal: 3, type: "response_item", payload: { type: "message", role: "user" } };
    expect(checkRolloutLine(json)).toBe(json);
  });

  it("accepts an unknown kind with any payload, null included", () => {
    const json = { timestamp: "2025-09-01T00:00:00.000Z", type: "world_state", payload: null };
    expect(checkRolloutLine(json)).toBe(json);
  });

  it("defers an unknown kind without a payload key, which the schema rejects", () => {
    expect(checkRolloutLine({ timestamp: "t", type: "world_state" })).toBeUndefined();
  });

  it("defers every session_meta line to the schema", () => {
    const json = { timestamp: "t", type: "session_meta", payload: { id: THREAD, timestamp: "t", cwd: "/w" } };
    expect(checkRolloutLine(json)).toBeUndefined();
  });

  it("defers a line with an extra envelope key to the schema, which strips it", () => {
    expect(checkRolloutLine({ timestamp: "t", type: "event_msg", payload: { type: "x" }, extra: 1 })).toBeUndefined();
  });

  it("defers a known kind whose payload has the wrong shape", () => {
    expect(checkRolloutLine({ timestamp: "t", type: "compacted", payload: { message: 1 } })).toBeUndefined();
  });
});
