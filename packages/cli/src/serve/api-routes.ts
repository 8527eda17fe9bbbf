import type { StoredThread } from "@skein/protocol";
import { userMessageOf } from "@skein/protocol";
import { isThreadStoreError, LocalThreadStore, type ListThreadsParams, type ThreadSearchHit, type ThreadSortKey, type ThreadStore } from "@skein/thread-store";
import { Hono, type Context } from "hono";
import { EXPORT_FORMATS, exportFileName, exportThread, historyLines, type ExportFormat } from "../format/thread-export.js";
import { toThreadJson, type ThreadJson } from "../format/thread-json.js";
import { entriesAfter, entriesAround, entriesBefore } from "./entry-pages.js";
import type { IndexRefresher } from "./index-refresher.js";

/** Threads scanned for a thread's forks (newest first): forks are found among recent threads. */
const FORK_SCAN = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SORT_KEYS = new Set<ThreadSortKey>(["created", "updated", "recency"]);

/** What the viewer's API works on. */
export interface ApiOptions {
  store: ThreadStore;
  /** How the page names the store (home path or masked URL). */
  label: string;
  /** Brings a local index up to date with other processes' files (new threads appear live). */
  refresher?: IndexRefresher;
}

/** A thread summary for the page: the CLI's JSON shape plus the token count. */
function summary(thread: StoredThread): ThreadJson & { tokensUsed: number | null } {
  return { ...toThreadJson(thread), tokensUsed: thread.tokensUsed ?? null };
}

/** Store errors as HTTP answers with their message; anything else is a 500. */
function failure(c: Context, error: unknown): Response {
  if (isThreadStoreError(error)) {
    const status = error.code === "thread_not_found" ? 404 : error.code === "invalid_request" ? 400 : error.code === "conflict" ? 409 : error.code === "unsupported" ? 501 : 500;
    return c.json({ error: error.message }, status);
  }
  return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
}

function threadIdParam(c: Context): string {
  const id = c.req.param("id") ?? "";
  if (!UUID.test(id)) throw Object.assign(new Error(`not a thread id: ${id}`), { status: 400 });
  return id.toLowerCase();
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = (await c.req.json().catch(() => ({}))) as unknown;
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
}

const list = (value: string | undefined): string[] | undefined => (value ? [value] : undefined);

/** One place a search matched, as the page links to it. */
interface MatchJson {
  role: string;
  position?: number;
  snippet: string;
}

/**
 * The places a hit matched, best first (at most 3), each with the message's position when it is
 * a message, so a hit opens the thread at that message (docs/search.md).
 */
function messageMatches(hit: ThreadSearchHit): MatchJson[] {
  return hit.matches.slice(0, 3).map((m) => ({ role: m.role, snippet: m.snippet, ...(m.position !== undefined && { position: m.position }) }));
}

/** How many turns a fork at `position` keeps: the turns whose user message is at or before it. */
async function turnsThrough(store: ThreadStore, threadId: string, position: number): Promise<number> {
  let turns = 0;
  for await (const items of historyLines(store, threadId)) {
    for (const item of items) {
      if (item.position > position) return turns;
      if (userMessageOf(item.line)) turns++;
    }
  }
  return turns;
}

/**
 * The JSON API of the viewer. Every action goes through the ThreadStore methods the CLI's
 * commands use (rename = `updateThreadMetadata`, fork = `ThreadManager.forkThread`, ...).
 */
export function apiRoutes({ store, label, refresher }: ApiOptions): Hono {
  const api = new Hono();
  const guarded =
    (handler: (c: Context) => Promise<Response>) =>
    async (c: Context): Promise<Response> => {
      try {
        return await handler(c);
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 400) return c.json({ error: (error as Error).message }, 400);
        return failure(c, error);
      }
    };

  api.get(
    "/threads",
    guarded(async (c) => {
      const q = c.req.query();
      // Only the page's background polls (`refresh=1`) refresh the index, after answering: a
      // navigation never waits for (or competes with) a reindex.
      if (q["refresh"] === "1" && refresher) setTimeout(() => void refresher.poke(), 250).unref();
      const sort = (q["sort"] ?? "updated") as ThreadSortKey;
      const params: ListThreadsParams = {
        archived: q["archived"] === "1",
        sortKey: SORT_KEYS.has(sort) ? sort : "updated",
        sortDirection: q["asc"] === "1" ? "asc" : "desc",
        pageSize: Math.min(Math.max(Number(q["limit"]) || 50, 1), 200),
        ...(q["cursor"] && { cursor: q["cursor"] }),
        ...(list(q["cwd"]) && { cwdFilters: list(q["cwd"]) }),
        ...(list(q["source"]) && { sources: list(q["source"]) }),
        ...(list(q["provider"]) && { modelProviders: list(q["provider"]) }),
      };
      const page = await store.listThreads(params);
      return c.json({ items: page.items.map(summary), nextCursor: page.nextCursor ?? null });
    }),
  );

  api.get(
    "/search",
    guarded(async (c) => {
      const term = (c.req.query("q") ?? "").trim();
      if (term === "") return c.json({ items: [], nextCursor: null });
      // The page aborts the search of an older keystroke: skip it when it waited in line.
      if (c.req.raw.signal.aborted) return c.body(null, 204);
      const cursor = c.req.query("cursor");
      const q = c.req.query();
      const page = await store.searchThreads({
        searchTerm: term,
        archived: q["archived"] === "1",
        pageSize: 50,
        hitsPerThread: 3,
        ...(cursor && { cursor }),
        ...(list(q["source"]) && { sources: list(q["source"]) }),
        ...(list(q["provider"]) && { modelProviders: list(q["provider"]) }),
        ...(list(q["cwd"]) && { cwdFilters: list(q["cwd"]) }),
      });
      const items = page.items.map((hit) => {
        const matches = messageMatches(hit);
        const position = matches.find((m) => m.position !== undefined)?.position;
        return { thread: summary(hit.thread), snippet: hit.snippet, matches, ...(position !== undefined && { position }) };
      });
      return c.json({ items, nextCursor: page.nextCursor ?? null });
    }),
  );

  api.get(
    "/threads/:id",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const thread = await store.readThread({ threadId, includeArchived: true });
      const parent = thread.forkedFromId ? await store.readThread({ threadId: thread.forkedFromId, includeArchived: true }).catch(() => undefined) : undefined;
      return c.json({ thread: summary(thread), parent: parent ? summary(parent) : null, store: label });
    }),
  );

  // Apart from the summary: scanning recent threads for forks costs more than the rest of an
  // opening (25 ms warm, seconds cold on a 10,000-thread home), so the page asks after drawing.
  api.get(
    "/threads/:id/forks",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const [recent, children] = await Promise.all([
        store.listThreads({ pageSize: FORK_SCAN, sortKey: "created" }),
        store.listThreads({ pageSize: 100, parentThreadId: threadId }),
      ]);
      const forks = new Map<string, StoredThread>();
      for (const t of [...recent.items.filter((t) => t.forkedFromId === threadId), ...children.items]) forks.set(t.threadId, t);
      return c.json({ forks: [...forks.values()].map(summary) });
    }),
  );

  api.get(
    "/threads/:id/entries",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const after = c.req.query("after");
      const around = c.req.query("around");
      if (after !== undefined && Number.isInteger(Number(after)) && Number(after) >= 0) return c.json(await entriesAfter(store, threadId, Number(after)));
      if (around !== undefined && Number.isInteger(Number(around)) && Number(around) >= 0) return c.json(await entriesAround(store, threadId, Number(around)));
      return c.json(await entriesBefore(store, threadId, c.req.query("before") || undefined));
    }),
  );

  api.get(
    "/threads/:id/export",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const format = (c.req.query("format") ?? "markdown") as ExportFormat;
      if (!EXPORT_FORMATS.includes(format)) return c.json({ error: `format must be one of ${EXPORT_FORMATS.join(", ")}` }, 400);
      const thread = await store.readThread({ threadId, includeArchived: true });
      const body = await exportThread(store, thread, format);
      const type = format === "json" ? "application/json" : format === "html" ? "text/html" : "text/markdown";
      c.header("Content-Type", `${type}; charset=utf-8`);
      c.header("Content-Disposition", `attachment; filename="${exportFileName(thread, format)}"`);
      // An exported page opened from here must not run anything either.
      c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
      return c.body(body);
    }),
  );

  api.post(
    "/threads/:id/rename",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const name = String((await jsonBody(c))["name"] ?? "").trim();
      const updated = await store.updateThreadMetadata({ threadId, patch: { name: name === "" ? null : name }, includeArchived: true });
      return c.json({ thread: summary(updated) });
    }),
  );

  api.post(
    "/threads/:id/archive",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      await store.archiveThread({ threadId });
      return c.json({ thread: summary(await store.readThread({ threadId, includeArchived: true })) });
    }),
  );

  api.post(
    "/threads/:id/unarchive",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      return c.json({ thread: summary(await store.unarchiveThread({ threadId })) });
    }),
  );

  api.post(
    "/threads/:id/fork",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      const body = await jsonBody(c);
      const name = typeof body["name"] === "string" && body["name"].trim() !== "" ? body["name"].trim() : undefined;
      const position = typeof body["position"] === "number" && Number.isInteger(body["position"]) ? body["position"] : undefined;
      const source = await store.readThread({ threadId, includeArchived: true });
      const atTurn = position === undefined ? undefined : await turnsThrough(store, threadId, position);
      const { ThreadManager } = await import("@skein/core-session");
      const manager = new ThreadManager({ store, defaults: { modelProvider: source.modelProvider } });
      try {
        const session = await manager.forkThread({ threadId, ...(name !== undefined && { name }), ...(atTurn !== undefined && { atTurn }) });
        return c.json({ threadId: session.threadId });
      } finally {
        await manager.shutdownAll();
      }
    }),
  );

  api.post(
    "/threads/:id/delete",
    guarded(async (c) => {
      const threadId = threadIdParam(c);
      if (String((await jsonBody(c))["confirm"] ?? "").toLowerCase() !== threadId) {
        return c.json({ error: "delete needs {confirm: <thread id>}" }, 400);
      }
      // Like `skein delete`: a local home keeps a trash (docs/storage-care.md); PostgreSQL has none.
      if (store instanceof LocalThreadStore) {
        await store.storage().trash(threadId, "delete");
        return c.json({ deleted: threadId, trashed: true });
      }
      await store.deleteThread({ threadId });
      return c.json({ deleted: threadId, trashed: false });
    }),
  );

  api.all("*", (c) => c.json({ error: "no such API route" }, 404));
  return api;
}
