import { resolve } from "node:path";
import type { StoredThread } from "@skein/protocol";
import type { ListThreadsParams, ThreadPage, ThreadSortKey, ThreadStore } from "@skein/thread-store";
import type { CommandContext } from "../context.js";
import { InvalidCursorOptionError } from "../errors.js";
import { withThreadStore } from "../open-store.js";
import { toThreadJson } from "../format/thread-json.js";
import { renderThreadTable } from "../format/thread-table.js";

/** Options of `skein list`, as parsed from the command line. */
export interface ListOptions {
  archived?: boolean;
  cwd?: string[];
  source?: string[];
  provider?: string[];
  sort?: ThreadSortKey;
  asc?: boolean;
  limit?: number;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/**
 * `skein list`: every thread of every source (unlike Codex's `thread/list`, which hides `exec`
 * unless asked), newest first; a table for people or JSON for scripts.
 */
export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<void> {
  const params: ListThreadsParams = {
    archived: options.archived ?? false,
    sortKey: options.sort ?? "updated",
    sortDirection: options.asc ? "asc" : "desc",
    pageSize: options.limit ?? 50,
    cursor: options.cursor,
    sources: options.source,
    modelProviders: options.provider,
    cwdFilters: options.cwd?.map((dir) => resolve(ctx.cwd, dir)),
  };
  const { items, nextCursor } = await withThreadStore(ctx, async (store) => {
    const threads: StoredThread[] = [];
    let page = await firstPage(store, params);
    threads.push(...page.items);
    while (options.all && page.nextCursor !== undefined) {
      page = await store.listThreads({ ...params, cursor: page.nextCursor });
      threads.push(...page.items);
    }
    return { items: threads, nextCursor: page.nextCursor };
  });
  if (options.json) {
    ctx.out.line(JSON.stringify({ items: items.map(toThreadJson), nextCursor: nextCursor ?? null }, null, 2));
    return;
  }
  if (items.length === 0) {
    ctx.out.line(options.archived ? "no archived threads" : "no threads (see archived ones with `skein list --archived`)");
    return;
  }
  ctx.out.line(renderThreadTable(items, { width: ctx.out.width, now: ctx.now(), colors: ctx.out.colors }));
  if (nextCursor !== undefined) {
    ctx.out.line(ctx.out.colors.dim(`more: repeat with --cursor ${nextCursor} (same options), or use --all`));
  }
}

/**
 * The first page. A cursor the store refuses came from the user's `--cursor`, so it is a usage
 * error; the following pages use cursors the store issued itself.
 */
async function firstPage(store: ThreadStore, params: ListThreadsParams): Promise<ThreadPage> {
  try {
    return await store.listThreads(params);
  } catch (error) {
    const reason = params.cursor !== undefined ? invalidCursorReason(error) : undefined;
    if (reason !== undefined) throw new InvalidCursorOptionError(reason, { cause: error });
    throw error;
  }
}

/** The store's explanation when `error` refuses a cursor (`invalid thread-store request: invalid cursor: <reason>`). */
function invalidCursorReason(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "invalid_request" || typeof message !== "string") return undefined;
  const match = /invalid cursor: (.*)$/s.exec(message);
  return match ? match[1] : undefined;
}
