import { describe, expect, it } from "vitest";
import pc from "picocolors";
import { layoutColumns } from "../../src/format/layout-columns.js";

describe("layoutColumns", () => {
  it("pads each column to its widest cell and separates columns by two spaces", () => {
    expect(layoutColumns([["ID", "NAME", "AGE"], ["a1", "longer name", "3h ago"]])).toBe("ID  NAME         AGE\na1  longer name  3h ago");
  });

  it("leaves no trailing blanks when the last cells are empty or short", () => {
    const text = layoutColumns([["x", "a very long cell", ""], ["y", "b", ""]]);
    expect(text.split("\n").map((line) => line.length)).toEqual([19, 4]);
  });

  it("aligns coloured cells by their visible width", () => {
    const c = pc.createColors(true);
    const lines = layoutColumns([[c.cyan("ab"), "x"], ["abcd", "y"]]).split("\n");
    expect(lines[0]).toBe(`${c.cyan("ab")}    x`);
    expect(lines[1]).toBe("abcd  y");
  });

  it("aligns wide characters by the columns they take", () => {
    expect(layoutColumns([["日本", "x"], ["abcde", "y"]])).toBe("日本   x\nabcde  y");
  });

  it("renders no rows as an empty string", () => expect(layoutColumns([])).toBe(""));
});
