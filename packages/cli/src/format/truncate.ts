import { createRequire } from "node:module";

// Widths are terminal columns, not characters: a CJK character or an emoji takes two, a combining
// mark none (string-width: East Asian Width + grapheme clusters). Tables stay aligned with them.
//
// string-width and `Intl.Segmenter` cost a `skein list` ~20-30 ms to load (ICU's break data, the
// Unicode property regexes), so text made only of characters that are one column and one grapheme
// each (ASCII, Latin-1 and Latin Extended letters, common punctuation such as `…`) is measured and
// cut here; anything else loads them on first use (docs/cli-startup.md).

/** Characters that each take one column and form a grapheme of their own (no marks, no zero-width). */
const SIMPLE = /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e]*$/;
/** SGR colour codes, which take no column. */
const SGR = /\u001b\[[0-9;]*m/g;

let stringWidth: ((text: string) => number) | undefined;
let segmenter: Intl.Segmenter | undefined;

function unicodeWidth(text: string): number {
  // string-width is an ES module: required (Node >= 20.19 loads ES modules with require) only here.
  stringWidth ??= (createRequire(import.meta.url)("string-width") as { default: (text: string) => number }).default;
  return stringWidth(text);
}

/** Columns `text` takes on a terminal (ANSI colour codes take none). */
export function displayWidth(text: string): number {
  if (SIMPLE.test(text)) return text.length;
  const plain = text.includes("\u001b") ? text.replace(SGR, "") : text;
  return SIMPLE.test(plain) ? plain.length : unicodeWidth(text);
}

/** `text` followed by spaces up to `width` columns. */
export function padToWidth(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + " ".repeat(missing) : text;
}

/**
 * Fits text on one line of at most `width` columns: whitespace runs collapse to one space and an
 * overflow ends in `…`, never cutting a character or an emoji sequence in half. `fromStart` keeps
 * the end instead (for paths).
 */
export function truncate(text: string, width: number, fromStart = false): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (displayWidth(flat) <= width) return flat;
  if (width <= 1) return "…".slice(0, width);
  if (SIMPLE.test(flat)) return fromStart ? `…${flat.slice(flat.length - (width - 1))}` : `${flat.slice(0, width - 1)}…`;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const graphemes = Array.from(segmenter.segment(flat), (s) => s.segment);
  if (fromStart) graphemes.reverse();
  const kept: string[] = [];
  let used = 1; // the ellipsis
  for (const g of graphemes) {
    const w = displayWidth(g);
    if (used + w > width) break;
    kept.push(g);
    used += w;
  }
  return fromStart ? `…${kept.reverse().join("")}` : `${kept.join("")}…`;
}
