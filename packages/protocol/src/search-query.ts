// The content-search query language shared by every store (SQLite FTS5, PostgreSQL, in-memory,
// the file scan). Design and rationale: docs/search.md. One parser, one tokenizer, one matcher,
// so that every store answers a query with the same threads.

/**
 * One term of a query: consecutive words that must occur in this order (one word for a plain
 * word). `prefix`: the last word matches any word that starts with it.
 */
export interface SearchTerm {
  /** Folded words (see {@link foldSearchText}), at least one. */
  readonly words: readonly string[];
  readonly prefix: boolean;
}

/** A parsed query: every term must match (AND). No terms: nothing can match. */
export interface SearchQuery {
  readonly terms: readonly SearchTerm[];
}

/** Plain words shorter than this match whole words only; `*` still asks for a prefix. */
export const MIN_IMPLICIT_PREFIX_LENGTH = 3;

/** Distinct terms kept from one query; a longer query is refused by the stores. */
export const MAX_SEARCH_TERMS = 256;

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;
const MARKS = /\p{M}+/gu;

/**
 * Lowercases and strips diacritics (`Éviction` → `eviction`), as SQLite's `unicode61
 * remove_diacritics 2` tokenizer does. Keeps the length of ASCII text; other text may change
 * length (use {@link searchWords} for offsets into the original).
 */
export function foldSearchText(text: string): string {
  return text.normalize("NFD").replace(MARKS, "").toLowerCase();
}

/** A word of a text: its folded form and where it is in the original text. */
export interface SearchWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The words of `text` as the index sees them: runs of letters, digits and private-use
 * characters (everything else separates), folded. Offsets point into `text` itself.
 */
export function searchWords(text: string): SearchWord[] {
  const out: SearchWord[] = [];
  for (const m of text.matchAll(WORD)) {
    const word = foldSearchText(m[0]);
    // A decomposed diacritic inside a run is a separate mark character, not part of WORD.
    if (word.length > 0) out.push({ word, start: m.index, end: m.index + m[0].length });
  }
  return out;
}

function wordsOf(text: string): string[] {
  return searchWords(text).map((w) => w.word);
}

/**
 * Parses what a user typed into a {@link SearchQuery}. Never throws: every character is text.
 *
 * - Words are ANDed; case and diacritics do not matter.
 * - A plain word of 3+ characters matches words that start with it (`evict` finds
 *   `eviction`); shorter plain words match whole words (`db`); `word*` is always a prefix.
 * - `"a quoted phrase"` matches those words in that order, whole words (`"…"*`: the last one
 *   a prefix). An unclosed quote runs to the end of the text.
 * - A plain chunk that the tokenizer splits (`foo-bar`, `100%_done`) is a phrase of its words.
 * - Anything without a letter or digit (`%`, `*`, `"`) is dropped; FTS syntax (`OR`, `NEAR(`,
 *   `-`, `:`, `^`) is only text.
 */
export function parseSearchQuery(input: string): SearchQuery {
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const add = (words: string[], prefix: boolean) => {
    if (words.length === 0) return;
    const key = `${prefix ? "*" : ""}${words.join(" ")}`;
    if (seen.has(key)) return;
    seen.add(key);
    terms.push({ words, prefix });
  };
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i]!;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const close = input.indexOf('"', i + 1);
      const end = close === -1 ? n : close;
      const star = close !== -1 && input[close + 1] === "*";
      add(wordsOf(input.slice(i + 1, end)), star);
      i = close === -1 ? n : close + (star ? 2 : 1);
      continue;
    }
    let j = i;
    while (j < n && input[j] !== '"' && !/\s/u.test(input[j]!)) j++;
    const chunk = input.slice(i, j);
    const words = wordsOf(chunk);
    const last = words.at(-1);
    if (last !== undefined) {
      const explicit = /[\p{L}\p{N}\p{Co}\p{M}]\*+$/u.test(chunk);
      add(words, explicit || last.length >= MIN_IMPLICIT_PREFIX_LENGTH);
    }
    i = j;
  }
  return { terms };
}

/** Where a query matched in a text: word-aligned `[start, end)` ranges of the original text, in order. */
export type MatchRanges = Array<readonly [start: number, end: number]>;

/**
 * The ranges of `text` matched by any term of `query`, or undefined when some term does not
 * occur in `text` (the AND fails). This is the reference matcher: the in-memory store and the
 * file scan use it, and the indexed stores are tested against it.
 */
export function matchSearchQuery(text: string, query: SearchQuery): MatchRanges | undefined {
  if (query.terms.length === 0) return undefined;
  const words = searchWords(text);
  const ranges: [number, number][] = [];
  for (const term of query.terms) {
    const found = termRanges(words, term);
    if (found.length === 0) return undefined;
    ranges.push(...found);
  }
  return mergeRanges(ranges);
}

/** The ranges of every term of `query` found in `text`, even when not every term occurs. */
export function highlightSearchQuery(text: string, query: SearchQuery): MatchRanges {
  const words = searchWords(text);
  return mergeRanges(query.terms.flatMap((term) => termRanges(words, term)));
}

function termRanges(words: readonly SearchWord[], term: SearchTerm): [number, number][] {
  const out: [number, number][] = [];
  const k = term.words.length;
  for (let i = 0; i + k <= words.length; i++) {
    let ok = true;
    for (let w = 0; w < k && ok; w++) {
      const have = words[i + w]!.word;
      const want = term.words[w]!;
      ok = w === k - 1 && term.prefix ? have.startsWith(want) : have === want;
    }
    if (ok) out.push([words[i]!.start, words[i + k - 1]!.end]);
  }
  return out;
}

function mergeRanges(ranges: [number, number][]): MatchRanges {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** How many times the query's terms occur in `text` (0 when the AND fails): the scan stores' term frequency. */
export function countSearchMatches(text: string, query: SearchQuery): number {
  const words = searchWords(text);
  let total = 0;
  for (const term of query.terms) {
    const n = termRanges(words, term).length;
    if (n === 0) return 0;
    total += n;
  }
  return total;
}

/** A short excerpt of a text around a match; `matches` are ranges of `text` (the excerpt). */
export interface SearchSnippet {
  readonly text: string;
  readonly matches: MatchRanges;
}

/** Characters of context kept before the first match of a snippet (the rest of the window follows it). */
export const SNIPPET_LEAD_CHARS = 60;
/** Characters of a snippet window. */
export const SNIPPET_WINDOW_CHARS = 200;

/**
 * An excerpt of `text` around `ranges[0]` (the first match): about {@link SNIPPET_LEAD_CHARS}
 * before it, {@link SNIPPET_WINDOW_CHARS} in all, cut at word boundaries, `…` where text was
 * cut, whitespace runs collapsed to one space. The matches that fall inside are kept (shifted).
 */
export function searchSnippet(text: string, ranges: MatchRanges): SearchSnippet {
  const first = ranges[0] ?? [0, 0];
  let from = Math.max(0, first[0] - SNIPPET_LEAD_CHARS);
  let to = Math.min(text.length, Math.max(first[1], from + SNIPPET_WINDOW_CHARS));
  if (from > 0) {
    const space = text.slice(from, first[0]).search(/\s/u);
    if (space !== -1) from += space + 1;
  }
  if (to < text.length) {
    const tail = text.slice(first[1], to);
    const space = tail.search(/\s\S*$/u);
    if (space !== -1) to = first[1] + space;
  }
  let out = from > 0 ? "…" : "";
  // at[i - from]: where original index i lands in `out` (whitespace runs collapse to one space).
  const at: number[] = [];
  let inSpace = false;
  for (let i = from; i < to; i++) {
    at.push(out.length);
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      if (!inSpace && out.length > 0 && !out.endsWith("…")) out += " ";
      inSpace = true;
    } else {
      inSpace = false;
      out += ch;
    }
  }
  at.push(out.length);
  const matches: [number, number][] = [];
  for (const [s, e] of ranges) {
    if (s >= from && e <= to) matches.push([at[s - from]!, at[e - from]!]);
  }
  out = out.trimEnd();
  if (to < text.length) out += "…";
  return { text: out, matches };
}

/** The snippet as one string with each match wrapped in `open` … `close` (default `[` … `]`). */
export function markSnippet(snippet: SearchSnippet, open = "[", close = "]"): string {
  let out = "";
  let at = 0;
  for (const [s, e] of snippet.matches) {
    out += snippet.text.slice(at, s) + open + snippet.text.slice(s, e) + close;
    at = e;
  }
  return out + snippet.text.slice(at);
}
