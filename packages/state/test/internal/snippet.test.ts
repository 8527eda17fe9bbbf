import { describe, expect, it } from "vitest";
import { foldWord, snippetOf } from "../../src/internal/snippet.js";

describe("snippetOf", () => {
  it("marks every word that starts with a searched prefix", () => {
    expect(snippetOf(["Parse the parser output"], ["pars"])).toBe("[Parse] the [parser] output");
  });

  it("uses the first text that matches", () => {
    expect(snippetOf([null, "no hit here", "the hit is here"], ["hit"])).toBe("no [hit] here");
  });

  it("cuts long texts around the first match with ellipses", () => {
    const text = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    expect(snippetOf([text], ["w20"])).toBe("…w17 w18 w19 [w20] w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32…");
  });

  it("matches regardless of case and diacritics", () => {
    expect(snippetOf(["Crème brûlée recipe"], [foldWord("BRULEE")])).toBe("Crème [brûlée] recipe");
  });

  it("returns an empty string when nothing matches", () => {
    expect(snippetOf(["alpha", null], ["zeta"])).toBe("");
  });
});
