import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimestampFormatter } from "../../src/internal/timestamp-formatter.js";

describe("TimestampFormatter", () => {
  it("formats like toISOString across second boundaries, in any order", () => {
    const formatter = new TimestampFormatter();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }), { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) {
          for (const t of [ms, ms + 1, ms + 999, ms - 1]) expect(formatter.format(t)).toBe(new Date(t).toISOString());
        }
      }),
      { numRuns: 500 },
    );
  });

  it("pads milliseconds to three digits within a cached second", () => {
    const formatter = new TimestampFormatter();
    const second = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(formatter.format(second + 7)).toBe("2026-01-02T03:04:05.007Z");
    expect(formatter.format(second + 42)).toBe("2026-01-02T03:04:05.042Z");
    expect(formatter.format(second)).toBe("2026-01-02T03:04:05.000Z");
  });

  it("truncates fractional milliseconds and handles times before 1970 and after 9999", () => {
    const formatter = new TimestampFormatter();
    for (const t of [1.9, -1, -1000.5, 253_402_300_800_000, Date.UTC(2026, 0, 1) + 0.25]) {
      expect(formatter.format(t)).toBe(new Date(t).toISOString());
    }
  });
});
