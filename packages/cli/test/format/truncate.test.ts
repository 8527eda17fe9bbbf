import { describe, expect, it } from "vitest";
import { truncate } from "../../src/format/truncate.js";

describe("truncate", () => {
  it("keeps text that fits", () => expect(truncate("hello", 5)).toBe("hello"));
  it("ends an overflow with an ellipsis, within the width", () => expect(truncate("hello world", 8)).toBe("hello w…"));
  it("keeps the end when asked (paths)", () => expect(truncate("/very/long/path/to/repo", 10, true)).toBe("…h/to/repo"));
  it("collapses newlines and runs of spaces", () => expect(truncate("a\n\n  b\tc", 10)).toBe("a b c"));
  it("counts terminal columns: an emoji or a CJK character takes two", () => {
    expect(truncate("😀😀😀😀", 3)).toBe("😀…");
    expect(truncate("😀😀😀😀", 6)).toBe("😀😀…");
    expect(truncate("漢字漢字", 6)).toBe("漢字…");
    expect(truncate("/項目/深い/path", 8, true)).toBe("…い/path");
  });
  it("never splits a grapheme (a ZWJ family, a flag, a combining accent)", () => {
    expect(truncate("👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", 4)).toBe("👨‍👩‍👧…");
    expect(truncate("🇫🇷🇫🇷🇫🇷", 4)).toBe("🇫🇷…");
    expect(truncate("e\u0301e\u0301e\u0301e\u0301", 3)).toBe("e\u0301e\u0301…");
  });
});
