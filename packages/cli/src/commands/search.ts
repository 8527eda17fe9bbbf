import type { StoredThread } from "@skein/protocol";
import type { ThreadSearchHit } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { withThreadStore } from "../open-store.js";
import { toThreadJson } from "../format/thread-json.js";
import { renderThreadTable } from "../format/thread-table.js";

/** Options of `skein search`. */
export interface SearchOptions {
  archived?: boolean;
  limit?: number;
  json?: boolean;
}

/** `skein search <term>`: threads whose text matches, each with a snippet around the match. */
export async function searchCommand(ctx: CommandContext, term: string, options: SearchOptions): Promise<void> {
  if (term.trim() === "") throw new UsageError("search needs a non-empty term");
  const page = await withThreadStore(ctx, (store) =>
    store.searchThreads({ searchTerm: term, archived: options.archived ?? false, pageSize: options.limit ?? 50 }),
  );
  if (options.json) {
    const items = page.items.map((hit: ThreadSearchHit) => ({ ...toThreadJson(hit.thread), snippet: hit.snippet }));
    ctx.out.line(JSON.stringify({ items, nextCursor: page.nextCursor ?? null }, null, 2));
    return;
  }
  if (page.items.length === 0) {
    ctx.out.line(`no threads match "${term}"${options.archived ? "" : " (search archived ones with --archived)"}`);
    return;
  }
  const threads: StoredThread[] = page.items.map((hit) => hit.thread);
  const notes = new Map(page.items.map((hit) => [hit.thread.threadId, hit.snippet] as const));
  ctx.out.line(renderThreadTable(threads, { width: ctx.out.width, now: ctx.now(), colors: ctx.out.colors, notes }));
}
