import { describe, expect, it } from "vitest";
import { formatAge } from "../../src/format/format-age.js";

const NOW = Date.UTC(2026, 0, 10, 12);
const ago = (ms: number) => formatAge(NOW - ms, NOW);

describe("formatAge", () => {
  it("says just now under a minute", () => expect(ago(59_000)).toBe("just now"));
  it("says just now for a time in the future", () => expect(ago(-3_600_000)).toBe("just now"));
  it("counts minutes", () => expect(ago(5 * 60_000)).toBe("5m ago"));
  it("counts hours", () => expect(ago(3 * 3_600_000 + 59 * 60_000)).toBe("3h ago"));
  it("counts days", () => expect(ago(2 * 86_400_000)).toBe("2d ago"));
  it("counts months", () => expect(ago(65 * 86_400_000)).toBe("2mo ago"));
  it("counts years", () => expect(ago(800 * 86_400_000)).toBe("2y ago"));
});
