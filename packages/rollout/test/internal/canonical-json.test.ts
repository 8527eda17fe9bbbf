import { describe, expect, it } from "vitest";
import { scanCanonicalJson } from "../../src/internal/canonical-json.js";

/** A small deterministic PRNG, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = ["a", "Z", " ", '"', "\\", "/", "\n", "\t", "\b", "\f", "\r", "\u0000", "\u001f", "\u007f", "é", "€", "\u2028", "\u2029", "😀", "\ud800", "\udfff", "{", "}", "[", ",", ":"];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 4 : 7));
  switch (pick) {
    case 0:
      return Array.from({ length: Math.floor(next() * 6) }, () => CHARS[Math.floor(next() * CHARS.length)]).join("");
    case 1:
      return [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789.125, Number.MAX_SAFE_INTEGER, 5e-324][Math.floor(next() * 10)];
    case 2:
      return [true, false, null][Math.floor(next() * 3)];
    case 3:
      return "plain";
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) o[["type", "a", "b\\", 'q"', "é", "k" + i, "payload"][Math.floor(next() * 7)]!] = randomValue(next, depth + 1);
      return o;
    }
  }
}

describe("scanCanonicalJson", () => {
  it("accepts exactly what JSON.stringify prints, for a thousand random values", () => {
    const next = rng(7);
    for (let i = 0; i < 1000; i++) {
      const text = JSON.stringify(randomValue(next, 0));
      const scan = scanCanonicalJson(text);
      // Canonical is never wrong; `false` only sends a text to JSON.parse (escaped keys, lone surrogates).
      if (scan.canonical) expect(JSON.stringify(JSON.parse(text))).toBe(text);
    }
  });

  it("takes the common shapes of model output without falling back", () => {
    for (const value of [
      { type: "message", role: "assistant", content: [{ type: "output_text", text: 'say "hi"\n\tand \\ 😀 \u2028', annotations: [] }] },
      { type: "function_call", name: "shell", arguments: '{"cmd":["ls","-la"]}', call_id: "c1" },
      { type: "token_count", info: { total_token_usage: { input_tokens: 10, total_tokens: 12.5 } }, rate_limits: null },
      { type: "x", control: "\u0001\u001f", empty: {}, list: [] },
    ]) {
      expect(scanCanonicalJson(JSON.stringify(value))).toEqual({ canonical: true, topType: value.type });
    }
    expect(scanCanonicalJson('"text"')).toEqual({ canonical: true, topType: undefined });
    expect(scanCanonicalJson("[1,2]")).toEqual({ canonical: true, topType: undefined });
  });

  it("reads an escaped top-level type", () => {
    expect(scanCanonicalJson('{"type":"a\\"b"}')).toEqual({ canonical: true, topType: 'a"b' });
  });

  it.each([
    ["whitespace", '{ "type":"a"}'],
    ["a trailing newline", '{"type":"a"}\n'],
    ["a raw line break in a string", '{"text":"a\nb"}'],
    ["a raw control character", '{"text":"a\u0001"}'],
    ["an escaped slash", '{"url":"a\\/b"}'],
    ["a needless \\u escape", '{"text":"\\u0041"}'],
    ["an escaped line separator", '{"text":"\\u2028"}'],
    ["an uppercase hex escape", '{"text":"\\u001F"}'],
    ["\\u000a for a letter escape", '{"text":"\\u000a"}'],
    ["a lone surrogate", '{"text":"\ud800"}'],
    ["a non-shortest number", '{"n":1.0}'],
    ["an exponent JSON.stringify does not print", '{"n":1E3}'],
    ["negative zero", '{"n":-0}'],
    ["a duplicate key", '{"a":1,"a":2}'],
    ["an integer-like key", '{"b":1,"1":2}'],
    ["two values", '{"a":1}{"b":2}'],
    ["a bare word", "undefined"],
    ["an unterminated string", '{"a":"b'],
    ["an empty text", ""],
    ["a trailing comma", '{"a":1,}'],
    ["deep nesting", "[".repeat(20000) + "]".repeat(20000)],
  ])("sends %s to JSON.parse", (_why, text) => {
    expect(scanCanonicalJson(text).canonical).toBe(false);
  });

  it("uses a set for wide objects and still finds a duplicate", () => {
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(scanCanonicalJson(JSON.stringify(wide)).canonical).toBe(true);
    expect(scanCanonicalJson(JSON.stringify(wide).replace('"k39"', '"k3"')).canonical).toBe(false);
  });
});
