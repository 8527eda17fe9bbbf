/** Characters of context kept on each side of a match in a snippet. */
export const SNIPPET_CONTEXT = 40;

/**
 * A snippet of `text` around the first case-insensitive occurrence of `term`, with the
 * match (in the text's own case) marked `[...]` and cut edges shown as `…`; whitespace runs
 * collapse to one space. Undefined when `text` does not contain `term`. The term is plain
 * text: no pattern syntax is interpreted.
 */
export function searchSnippet(text: string, term: string): string | undefined {
  const flat = text.replace(/\s+/g, " ").trim();
  const needle = term.replace(/\s+/g, " ").trim().toLowerCase();
  if (needle.length === 0) return undefined;
  const at = flat.toLowerCase().indexOf(needle);
  if (at < 0) return undefined;
  const from = Math.max(0, at - SNIPPET_CONTEXT);
  const to = Math.min(flat.length, at + needle.length + SNIPPET_CONTEXT);
  const before = (from > 0 ? "…" : "") + flat.slice(from, at);
  const after = flat.slice(at + needle.length, to) + (to < flat.length ? "…" : "");
  return `${before}[${flat.slice(at, at + needle.length)}]${after}`;
}
