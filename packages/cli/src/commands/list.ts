import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { StoredThread } from "@skein/protocol";
import type { ListThreadsParams, ThreadPage, ThreadSortKey } from "@skein/thread-store";
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
  // A local home whose index needs no catch-up is read without opening the store (docs/cli-startup.md).
  const listed =
    (await listReadOnly(ctx, params, options.all ?? false)) ??
    (await withThreadStore(ctx, (store) => collectPages((p) => store.listThreads(p), params, options.all ?? false)));
  if (!listed) throw new Error("the store returned no page");
  const { items, nextCursor } = listed;
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

type ListPage = (params: ListThreadsParams) => Promise<ThreadPage | undefined> | ThreadPage | undefined;

/**
 * The first page, and with `all` every following one; undefined as soon as `list` gives no page
 * (the read-only path declines). A cursor refused on the first page came from the user's
 * `--cursor`, so it is a usage error; the following pages use cursors the store issued itself.
 */
async function collectPages(list: ListPage, params: ListThreadsParams, all: boolean): Promise<ThreadPage | undefined> {
  let page: ThreadPage | undefined;
  try {
    page = await list(params);
  } catch (error) {
    const reason = params.cursor !== undefined ? invalidCursorReason(error) : undefined;
    if (reason !== undefined) throw new InvalidCursorOptionError(reason, { cause: error });
    throw error;
  }
  if (!page) return undefined;
  const threads: StoredThread[] = [...page.items];
  while (all && page.nextCursor !== undefined) {
    page = await list({ ...params, cursor: page.nextCursor });
    if (!page) return undefined;
    threads.push(...page.items);
  }
  return page.nextCursor !== undefined ? { items: threads, nextCursor: page.nextCursor } : { items: threads };
}

/** The listing from the home's index opened read-only, or undefined when the full store must answer. */
async function listReadOnly(ctx: CommandContext, params: ListThreadsParams, all: boolean): Promise<ThreadPage | undefined> {
  if (ctx.store.kind !== "local" || !existsSync(ctx.home)) return undefined;
  const { ReadOnlyHome } = await import("@skein/thread-store/read-only");
  const home = await ReadOnlyHome.open(ctx.home);
  if (!home) return undefined;
  try {
    return await collectPages((p) => home.listThreads(p), params, all);
  } finally {
    home.close();
  }
}

/** The store's explanation when `error` refuses a cursor (`invalid thread-store request: invalid cursor: <reason>`). */
function invalidCursorReason(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "invalid_request" || typeof message !== "string") return undefined;
  const match = /invalid cursor: (.*)$/s.exec(message);
  return match ? match[1] : undefined;
}
