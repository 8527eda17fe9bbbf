import { resolve } from "node:path";
import type { SearchSortKey, ThreadSearchHit, ThreadSearchMatch } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { withThreadStore } from "../open-store.js";
import type { Colors } from "../output.js";
import { formatAge } from "../format/format-age.js";
import { toThreadJson } from "../format/thread-json.js";
import { truncate } from "../format/truncate.js";

// `skein search` (docs/search.md): threads whose name or messages match, best first, each with
// the places it matched. Item numbers are 1-based, as `skein show --items` prints them, so
// `skein show <id> --at <n>` opens the history there.

/** Options of `skein search`. */
export interface SearchOptions {
  archived?: boolean;
  limit?: number;
  json?: boolean;
  tools?: boolean;
  sort?: SearchSortKey;
  cwd?: string[];
  source?: string[];
  provider?: string[];
  hits?: number;
  cursor?: string;
}

/** `skein search <term>`: matching threads, each with its best places and the match highlighted. */
export async function searchCommand(ctx: CommandContext, term: string, options: SearchOptions): Promise<void> {
  if (term.trim() === "") throw new UsageError("search needs a non-empty term");
  if (options.sort !== undefined && options.sort !== "relevance" && options.sort !== "updated") {
    throw new UsageError(`--sort must be relevance or updated, got ${JSON.stringify(options.sort)}`);
  }
  const page = await withThreadStore(ctx, (store) =>
    store.searchThreads({
      searchTerm: term,
      archived: options.archived ?? false,
      pageSize: options.limit ?? 20,
      includeTools: options.tools ?? false,
      sortKey: options.sort ?? "relevance",
      hitsPerThread: options.hits ?? 3,
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
      ...(options.source ? { sources: options.source } : {}),
      ...(options.provider ? { modelProviders: options.provider } : {}),
      ...(options.cwd ? { cwdFilters: options.cwd.map((dir) => resolve(ctx.cwd, dir)) } : {}),
    }),
  );
  if (options.json) {
    const items = page.items.map((hit: ThreadSearchHit) => ({
      ...toThreadJson(hit.thread),
      snippet: hit.snippet,
      score: hit.score,
      matches: hit.matches.map((m) => ({ ...m, ...(m.position !== undefined ? { item: m.position + 1 } : {}) })),
    }));
    ctx.out.line(JSON.stringify({ items, nextCursor: page.nextCursor ?? null }, null, 2));
    return;
  }
  if (page.items.length === 0) {
    ctx.out.line(`no threads match "${term}"${options.archived ? "" : " (search archived ones with --archived)"}`);
    return;
  }
  const { colors, width } = ctx.out;
  for (const hit of page.items) {
    const t = hit.thread;
    const title = t.name ?? t.preview;
    const facts = [t.threadId, t.cwd, formatAge(t.updatedAt, ctx.now())].join("  ");
    ctx.out.line(`${colors.bold(truncate(title.replace(/\s+/g, " "), Math.max(20, width - 2)))}`);
    ctx.out.line(`  ${colors.dim(truncate(facts, Math.max(20, width - 2)))}`);
    for (const m of hit.matches) {
      const where = m.position !== undefined ? `${m.role} #${m.position + 1}` : m.role;
      ctx.out.line(`    ${colors.cyan(where.padEnd(14))} ${highlight(m, colors, Math.max(20, width - 20))}`);
    }
  }
  const first = page.items[0]!;
  const at = first.matches.find((m) => m.position !== undefined);
  if (at?.position !== undefined) ctx.out.line(colors.dim(`open a hit: skein show ${first.thread.threadId} --at ${at.position + 1}`));
  if (page.nextCursor) ctx.out.line(colors.dim(`more: skein search ${JSON.stringify(term)} --cursor ${page.nextCursor}`));
}

/** The match's excerpt on one line, cut to `room`, matches in bold yellow (or `[...]` without colour). */
export function highlight(m: Pick<ThreadSearchMatch, "text" | "highlights">, colors: Colors, room: number): string {
  const text = m.text.length > room ? m.text.slice(0, room - 1) : m.text;
  const cut = m.text.length > room;
  const plain = colors.bold("x") === "x";
  let out = "";
  let at = 0;
  for (const [s, e] of m.highlights) {
    if (s >= text.length) break;
    const end = Math.min(e, text.length);
    const word = text.slice(s, end);
    out += text.slice(at, s) + (plain ? `[${word}]` : colors.bold(colors.yellow(word)));
    at = end;
  }
  return out + text.slice(at) + (cut ? "…" : "");
}
