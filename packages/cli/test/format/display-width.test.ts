import { describe, expect, it } from "vitest";
import { displayWidth } from "../../src/format/display-width.js";

describe("displayWidth", () => {
  it("counts ASCII one column per character", () => expect(displayWidth("skein list")).toBe(10));
  it("ignores colour codes", () => expect(displayWidth("\u001b[1m\u001b[36mid\u001b[39m\u001b[22m")).toBe(2));
  it("counts a letter with a combining accent once", () => expect(displayWidth("e\u0301te\u0301")).toBe(3));
  it("counts CJK characters two columns wide", () => expect(displayWidth("日本語")).toBe(6));
  it("counts Hangul syllables two columns wide", () => expect(displayWidth("한국어")).toBe(6));
  it("counts fullwidth Latin two columns wide", () => expect(displayWidth("Ｆｕｌｌ")).toBe(8));
  it("counts emoji two columns wide", () => expect(displayWidth("ok 😀")).toBe(5));
  it("counts the ellipsis truncation adds one column", () => expect(displayWidth("…h/to/repo")).toBe(10));
  it("counts control characters as nothing", () => expect(displayWidth("a\u0007b")).toBe(2));
});
