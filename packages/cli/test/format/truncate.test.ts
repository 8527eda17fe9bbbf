import { describe, expect, it } from "vitest";
import { truncate } from "../../src/format/truncate.js";

describe("truncate", () => {
  it("keeps text that fits", () => expect(truncate("hello", 5)).toBe("hello"));
  it("ends an overflow with an ellipsis, within the width", () => expect(truncate("hello world", 8)).toBe("hello w…"));
  it("keeps the end when asked (paths)", () => expect(truncate("/very/long/path/to/repo", 10, true)).toBe("…h/to/repo"));
  it("collapses newlines and runs of spaces", () => expect(truncate("a\n\n  b\tc", 10)).toBe("a b c"));
  it("counts characters, not UTF-16 units", () => expect(truncate("😀😀😀😀", 3)).toBe("😀😀…"));
});
