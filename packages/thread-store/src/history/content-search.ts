import {
  countSearchMatches,
  markSnippet,
  matchSearchQuery,
  searchSnippet,
  searchWords,
  sessionSourceKey,
  type RolloutLine,
  type SearchSnippet,
  type StoredThread,
} from "@skein/protocol";
import { MessageCollector, type ExtractedMessage } from "@skein/rollout";
import { InvalidRequestError } from "../errors.js";
import type { ThreadSearchHit, ThreadSearchMatch, ThreadSearchPage } from "../types.js";
import { decodeCursor, encodeCursor, type CursorScope } from "./page-cursor.js";
import type { NormalizedSearchQuery } from "./request-validation.js";
import { isListable } from "./thread-list.js";

// Content search without an index (docs/search.md): the in-memory store and the local store's
// files-only mode. Same query rules and the same threads as the SQLite index; relevance is
// bm25 computed here over the candidates' texts (FTS5's formula), so orders agree where the
// scores clearly differ.

/** A thread and the searchable texts of its own history (inherited ones included; see {@link dropInherited}). */
export interface SearchCandidate {
  thread: StoredThread;
  texts: ExtractedMessage[];
}

/** The searchable texts of history lines, positioned from `base`. */
export function searchableTexts(lines: Iterable<Pick<RolloutLine, "timestamp" | "type" | "payload">>): ExtractedMessage[] {
  const collector = new MessageCollector(undefined);
  for (const line of lines) collector.item(line as unknown as Record<string, unknown>);
  return collector.messages;
}

/**
 * Removes from each fork the leading texts that repeat its parent's lineage in order (a
 * legacy fork's copied history): one message is found once per fork family.
 */
export function dropInherited(candidates: Map<string, SearchCandidate>): void {
  const own = new Map<string, ExtractedMessage[]>();
  const lineage = (id: string, depth: number): ExtractedMessage[] => {
    const c = candidates.get(id);
    if (!c) return [];
    const mine = ownTexts(id, depth);
    const parent = c.thread.forkedFromId;
    return parent && depth < 64 ? [...lineage(parent, depth + 1), ...mine] : mine;
  };
  const ownTexts = (id: string, depth: number): ExtractedMessage[] => {
    const cached = own.get(id);
    if (cached) return cached;
    const c = candidates.get(id)!;
    const parent = c.thread.forkedFromId;
    let texts = c.texts;
    if (parent && candidates.has(parent) && depth < 64) {
      const inherited = lineage(parent, depth + 1);
      let k = 0;
      while (k < texts.length && k < inherited.length && texts[k]!.role === inherited[k]!.role && texts[k]!.text === inherited[k]!.text) k++;
      texts = texts.slice(k);
    }
    own.set(id, texts);
    return texts;
  };
  for (const id of candidates.keys()) ownTexts(id, 0);
  for (const [id, c] of candidates) c.texts = own.get(id)!;
}

const K1 = 1.2;
const B = 0.75;
/** A name match weighs double (as in the SQLite index). */
const SUMMARY_WEIGHT = 2;
const SCORE_SCALE = 1_000_000_000;

interface Scored {
  role: ThreadSearchMatch["role"];
  text: string;
  score: number;
  message?: ExtractedMessage;
}

/** One page of a content search over `candidates` (any order, unfiltered). */
export function searchCandidates(candidates: Iterable<SearchCandidate>, query: NormalizedSearchQuery): ThreadSearchPage {
  const scope = searchCursorScope(query);
  const anchor = query.cursor === undefined ? undefined : keysetFrom(decodeCursor(query.cursor, scope));
  const eligible = [...candidates].filter((c) => matchesFilters(c.thread, query));
  const texts = eligible.flatMap((c) => c.texts.filter((t) => query.includeTools || t.role !== "tool"));
  const stats = corpusStats(texts.map((t) => t.text), query);
  const hits: ThreadSearchHit[] = [];
  for (const c of eligible) {
    const scored: Scored[] = [];
    const add = (role: Scored["role"], text: string | undefined, weight: number, message?: ExtractedMessage) => {
      if (!text) return;
      const score = bm25(text, stats, query);
      if (score !== undefined) scored.push({ role, text, score: Math.round(score * weight * SCORE_SCALE), ...(message ? { message } : {}) });
    };
    add("name", c.thread.name, SUMMARY_WEIGHT);
    const summary = scored.length;
    for (const m of c.texts) if (query.includeTools || m.role !== "tool") add(m.role, m.text, 1, m);
    if (scored.length === 0) continue;
    const best = Math.max(...scored.map((s) => s.score));
    const messages = scored.slice(summary).sort((a, b) => b.score - a.score || a.message!.position - b.message!.position);
    const ordered = [...scored.slice(0, summary), ...messages];
    const matches = distinct(ordered).slice(0, query.hitsPerThread).map((s) => matchOf(s, query));
    hits.push({ thread: c.thread, snippet: matches[0]!.snippet, score: best, matches });
  }
  const value = (h: ThreadSearchHit) => (query.sortKey === "relevance" ? h.score : h.thread.updatedAt);
  const after = anchor
    ? hits.filter((h) => value(h) < anchor.v || (value(h) === anchor.v && h.thread.threadId < anchor.id))
    : hits;
  after.sort((a, b) => value(b) - value(a) || (a.thread.threadId < b.thread.threadId ? 1 : a.thread.threadId > b.thread.threadId ? -1 : 0));
  const items = after.slice(0, query.pageSize);
  const last = items.at(-1);
  if (after.length <= items.length || !last) return { items };
  return { items, nextCursor: encodeCursor(scope, { v: value(last), id: last.thread.threadId }) };
}

/** The cursor scope of a search: every parameter that changes the hits or their order. */
export function searchCursorScope(query: NormalizedSearchQuery): CursorScope {
  return {
    operation: "searchThreads",
    query: {
      terms: query.query.terms,
      archived: query.archived,
      sources: query.sources ? [...query.sources].sort() : undefined,
      modelProviders: query.modelProviders ? [...query.modelProviders].sort() : undefined,
      cwdFilters: query.cwdFilters ? [...query.cwdFilters].sort() : undefined,
      includeTools: query.includeTools,
      sortKey: query.sortKey,
    },
  };
}

/** A `ThreadSearchMatch` from a snippet and where it came from. */
export function searchMatchOf(
  role: ThreadSearchMatch["role"],
  snippet: SearchSnippet,
  place: { position?: number | undefined; turnId?: string | undefined; at?: number | undefined } = {},
): ThreadSearchMatch {
  return {
    role,
    ...(place.position !== undefined ? { position: place.position } : {}),
    ...(place.turnId !== undefined ? { turnId: place.turnId } : {}),
    ...(place.at !== undefined ? { at: place.at } : {}),
    text: snippet.text,
    highlights: snippet.matches.map(([s, e]) => [s, e] as [number, number]),
    snippet: markSnippet(snippet),
  };
}

function matchOf(s: Scored, query: NormalizedSearchQuery): ThreadSearchMatch {
  const snippet = searchSnippet(s.text, matchSearchQuery(s.text, query.query) ?? []);
  const m = s.message;
  return searchMatchOf(s.role, snippet, m ? { position: m.position, turnId: m.turnId, at: m.atMs } : {});
}

function distinct(scored: Scored[]): Scored[] {
  const seen = new Set<string>();
  return scored.filter((s) => {
    const key = `${s.role}\n${s.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function matchesFilters(thread: StoredThread, query: NormalizedSearchQuery): boolean {
  if (thread.archived !== query.archived || !isListable(thread)) return false;
  if (query.sources && !query.sources.includes(sessionSourceKey(thread.source))) return false;
  if (query.modelProviders && !query.modelProviders.includes(thread.modelProvider)) return false;
  if (query.cwdFilters && !query.cwdFilters.includes(thread.cwd)) return false;
  return true;
}

interface CorpusStats {
  count: number;
  avgWords: number;
  /** Per term: texts that contain it. */
  docFreq: number[];
}

function corpusStats(texts: string[], query: NormalizedSearchQuery): CorpusStats {
  let words = 0;
  const docFreq = query.query.terms.map(() => 0);
  for (const text of texts) {
    words += searchWords(text).length;
    query.query.terms.forEach((term, i) => {
      if (countSearchMatches(text, { terms: [term] }) > 0) docFreq[i]!++;
    });
  }
  return { count: texts.length, avgWords: texts.length ? words / texts.length : 1, docFreq };
}

/** FTS5's bm25 of `text` (positive, higher is better), or undefined when the query does not match it. */
function bm25(text: string, stats: CorpusStats, query: NormalizedSearchQuery): number | undefined {
  if (!text || matchSearchQuery(text, query.query) === undefined) return undefined;
  const length = Math.max(1, searchWords(text).length);
  let score = 0;
  query.query.terms.forEach((term, i) => {
    const tf = countSearchMatches(text, { terms: [term] });
    const n = stats.docFreq[i]!;
    const idf = Math.max(1e-6, Math.log((stats.count - n + 0.5) / (n + 0.5)));
    score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / Math.max(1, stats.avgWords)));
  });
  return score;
}

function keysetFrom(value: unknown): { v: number; id: string } {
  const record = value as { v?: unknown; id?: unknown } | null;
  if (record && typeof record.v === "number" && typeof record.id === "string") return { v: record.v, id: record.id };
  throw new InvalidRequestError("invalid cursor: not a cursor issued by this store");
}
