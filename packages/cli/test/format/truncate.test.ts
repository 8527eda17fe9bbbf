import { describe, expect, it } from "vitest";
import { displayWidth, truncate } from "../../src/format/truncate.js";

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

describe("the fast path for simple text", () => {
  it("measures every character it handles itself as string-width does", async () => {
    const { default: stringWidth } = await import("string-width");
    const ranges: [number, number][] = [[0x20, 0x7e], [0xa0, 0xac], [0xae, 0x2ff], [0x2010, 0x2027], [0x2030, 0x205e]];
    for (const [from, to] of ranges) {
      for (let c = from; c <= to; c++) {
        const ch = String.fromCharCode(c);
        expect([c, displayWidth(`a${ch}b`)]).toEqual([c, stringWidth(`a${ch}b`)]);
      }
    }
  });

  it("cuts simple text and wide text to the same columns", () => {
    expect(truncate("héllo wörld — ça va", 8)).toBe("héllo w…");
    expect(truncate("/home/dev/projects/api", 8, true)).toBe("…cts/api");
    expect(displayWidth(truncate("漢字のテキストです", 8))).toBeLessThanOrEqual(8);
    expect(displayWidth("\u001b[1mbold\u001b[22m")).toBe(4);
  });
});
