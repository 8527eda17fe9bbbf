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
/**
 * Lines that are mostly well formed (each field usually right, sometimes wrong): without them
 * almost no random candidate is a valid line, and a fast path that always declined would pass.
 */
const nearValid = fc.record(
  {
    timestamp: fc.oneof(fc.string(), fc.string(), anyValue),
    ordinal: fc.oneof(fc.nat(), fc.constant(undefined), anyValue),
    type: fc.constantFrom("response_item", "event_msg", "turn_context", "compacted", "world_state", "future_kind", "session_meta"),
    payload: fc.oneof(
      fc.record({ type: fc.oneof(fc.string(), fc.string(), anyValue), role: fc.string() }, { requiredKeys: ["type"] }),
      fc.record({ turn_id: fc.oneof(fc.string(), fc.constant(null), anyValue), cwd: fc.oneof(fc.string(), anyValue), model: fc.string() }, { requiredKeys: [] }),
      fc.record({ message: fc.oneof(fc.string(), fc.string(), anyValue), replacement_history: fc.oneof(fc.constant(null), fc.constant([{ type: "message" }]), anyValue) }, { requiredKeys: ["message"] }),
      anyValue,
    ),
    metadata: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), fc.jsonValue()), anyValue),
  },
  { requiredKeys: ["timestamp", "type", "payload"] },
);
const RUNS = 50_000;

describe("checkRolloutLine", () => {
  it("accepts only what the RolloutLine schema accepts, and returns it unchanged", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(candidate, nearValid), (value) => {
        const json: unknown = JSON.parse(JSON.stringify(value));
        const fast = checkRolloutLine(json);
        if (fast === undefined) return;
        accepted++;
        const parsed = RolloutLine.safeParse(json);
        expect(parsed.success).toBe(true);
        expect(fast).toEqual(parsed.data);
      }),
      { numRuns: RUNS },
    );
    // A fast path that always declined (or always accepted nothing) would pass the property
    // above: it must take a real share of the candidates, and decline a real share too.
    expect(accepted).toBeGreaterThan(RUNS / 25); // about 9 % here
    expect(accepted).toBeLessThan(RUNS * 0.9);
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

  it("defers metadata with an own __proto__ key, which the schema drops", () => {
    const json: unknown = JSON.parse('{"timestamp":"t","type":"compacted","payload":{"message":""},"metadata":{"__proto__":null}}');
    expect(checkRolloutLine(json)).toBeUndefined();
    expect(RolloutLine.parse(json)).toEqual({ timestamp: "t", type: "compacted", payload: { message: "" }, metadata: {} });
  });

  it("defers a known kind whose payload has the wrong shape", () => {
    expect(checkRolloutLine({ timestamp: "t", type: "compacted", payload: { message: 1 } })).toBeUndefined();
  });
});
