import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeRolloutLine } from "../../src/internal/encode-rollout-line.js";

/** What the recorder wrote before: the envelope object, stringified whole. */
function stringifiedEnvelope(timestamp: string, ordinal: number | undefined, type: string, payload: unknown, metadata: unknown): string {
  const line: Record<string, unknown> = { timestamp };
  if (ordinal !== undefined) line["ordinal"] = ordinal;
  line["type"] = type;
  line["payload"] = payload;
  if (metadata !== undefined) line["metadata"] = metadata;
  return `${JSON.stringify(line)}\n`;
}

describe("encodeRolloutLine", () => {
  it("writes the same bytes as stringifying the envelope object", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.nat(), { nil: undefined }),
        fc.string(),
        fc.jsonValue(),
        fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        (timestamp, ordinal, type, payload, metadata) => {
          expect(encodeRolloutLine(timestamp, ordinal, type, payload, metadata)).toBe(stringifiedEnvelope(timestamp, ordinal, type, payload, metadata));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("leaves out a payload that stringifies to nothing, as JSON.stringify does", () => {
    expect(encodeRolloutLine("t", undefined, "x", undefined, undefined)).toBe('{"timestamp":"t","type":"x"}\n');
    expect(encodeRolloutLine("t", 3, "x", () => 1, () => 2)).toBe('{"timestamp":"t","ordinal":3,"type":"x"}\n');
  });

  it("escapes lone surrogates and control characters like JSON.stringify", () => {
    const payload = { text: "a\ud800b\u0001\"\\\u2028" };
    expect(encodeRolloutLine("t", undefined, "x", payload, undefined)).toBe(stringifiedEnvelope("t", undefined, "x", payload, undefined));
  });

  it("calls toJSON like JSON.stringify", () => {
    const payload = { at: new Date(Date.UTC(2026, 0, 2)) };
    expect(encodeRolloutLine("t", undefined, "x", payload, undefined)).toBe('{"timestamp":"t","type":"x","payload":{"at":"2026-01-02T00:00:00.000Z"}}\n');
  });
});
