const WORD = /[\p{L}\p{N}]+/gu;
const WINDOW_WORDS = 16;
const LEAD_WORDS = 3;

/** Lowercases and strips diacritics, like the FTS5 `unicode61 remove_diacritics 2` tokenizer. */
export function foldWord(word: string): string {
  return word.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase();
}

/**
 * A short excerpt of the first text in `texts` that contains a word starting with one of
 * `prefixes` (already folded), with each matching word marked `[word]` and `…` where the
 * excerpt cuts the text. Built in JS because FTS5's `snippet()` would be evaluated for every
 * match before the sort (tens of ms when a term matches thousands of threads); this runs
 * only on the rows of one page. Returns "" when no text matches.
 */
export function snippetOf(texts: readonly (string | null)[], prefixes: readonly string[]): string {
  for (const text of texts) {
    if (!text) continue;
    const words = [...text.matchAll(WORD)];
    const hits = words.map((w) => prefixes.some((p) => foldWord(w[0]).startsWith(p)));
    const first = hits.indexOf(true);
    if (first === -1) continue;
    const from = Math.max(0, Math.min(first - LEAD_WORDS, words.length - WINDOW_WORDS));
    const to = Math.min(words.length, from + WINDOW_WORDS);
    let out = from > 0 ? "…" : "";
    let cursor = from > 0 ? words[from]!.index : 0;
    for (let i = from; i < to; i++) {
      const w = words[i]!;
      out += text.slice(cursor, w.index);
      out += hits[i] ? `[${w[0]}]` : w[0];
      cursor = w.index + w[0].length;
    }
    out += to < words.length ? text.slice(cursor, words[to]!.index).trimEnd() + "…" : text.slice(cursor);
    return out;
  }
  return "";
}
