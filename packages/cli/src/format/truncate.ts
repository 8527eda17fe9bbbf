import stringWidth from "string-width";

// Widths are terminal columns, not characters: a CJK character or an emoji takes two, a combining
// mark none (string-width: East Asian Width + grapheme clusters). Tables stay aligned with them.

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Columns `text` takes on a terminal (ANSI colour codes take none). */
export function displayWidth(text: string): number {
  return stringWidth(text);
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
