import type { TranscriptEntry } from "../model/transcript.js";

export type { TranscriptEntry };

/** A thread as the server lists it (the CLI's `--json` shape). */
export interface ThreadSummary {
  id: string;
  name: string | null;
  preview: string | null;
  cwd: string | null;
  source: unknown;
  modelProvider: string | null;
  model: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  archived: boolean;
  forkedFromId: string | null;
  parentThreadId: string | null;
  tokensUsed?: number | null;
}

export interface ThreadPage {
  items: ThreadSummary[];
  nextCursor: string | null;
}

/** A place a search matched: a message (its position in the thread) or the name. */
export interface SearchMatch {
  role: string;
  position?: number;
  snippet: string;
}

export interface SearchHit {
  thread: ThreadSummary;
  snippet: string;
  /** The best places, best first; empty when the store reports only a snippet. */
  matches: SearchMatch[];
  /** The best match's message position: a hit opens the thread there. */
  position?: number;
}

export interface SearchPage {
  items: SearchHit[];
  nextCursor: string | null;
}

export interface ThreadDetail {
  thread: ThreadSummary;
  parent: ThreadSummary | null;
  store: string;
}

export interface EntryPage {
  /** Oldest first. */
  entries: TranscriptEntry[];
  /** Continues towards older lines; null at the start of the thread. */
  before: string | null;
  /** The position of the newest line the server saw (-1 for none). */
  lastPosition: number;
}

export interface ListQuery {
  archived: boolean;
  cwd: string;
  source: string;
  provider: string;
  sort: "updated" | "created" | "recency";
  asc: boolean;
}

/** An error the server answered with (its message is for people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Answers the server put into the page itself (`<script type="application/json"
 * data-boot-url=…>`, see viewer-server.ts): the first API calls of a route need no round trip.
 * Each is used once, for a GET of exactly its URL; later calls (polls, reloads) go to the server.
 */
const boot = new Map<string, string>();
for (const node of document.querySelectorAll<HTMLScriptElement>("script[data-boot-url]")) boot.set(node.dataset["bootUrl"]!, node.textContent ?? "");

function takeBoot(path: string): unknown {
  const text = boot.get(path);
  if (text === undefined) return undefined;
  boot.delete(path);
  return JSON.parse(text) as unknown;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  if (method === "GET") {
    const inlined = takeBoot(path);
    if (inlined !== undefined) return inlined as T;
  }
  // GETs carry no extra header, so they match the page's <link rel=preload> requests (viewer-server.ts).
  const init: RequestInit = { method, credentials: "same-origin", ...(signal && { signal }) };
  if (body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) throw new ApiError(response.status, typeof json["error"] === "string" ? json["error"] : `HTTP ${response.status}`);
  return json as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== "" && v !== false)
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

export const api = {
  /** `refresh`: a background poll, which also asks a local store to pick up files written since. */
  listThreads: (q: ListQuery, cursor: string | null, refresh = false, limit = 50) =>
    call<ThreadPage>(
      "GET",
      `/api/threads${query({ archived: q.archived ? 1 : undefined, cwd: q.cwd, source: q.source, provider: q.provider, sort: q.sort, asc: q.asc ? 1 : undefined, cursor, limit, refresh: refresh ? 1 : undefined })}`,
    ),
  /** `signal`: a newer keystroke aborts the request of an older one. */
  search: (term: string, q: ListQuery, cursor: string | null, signal?: AbortSignal) =>
    call<SearchPage>("GET", `/api/search${query({ q: term, archived: q.archived ? 1 : undefined, cwd: q.cwd, source: q.source, provider: q.provider, cursor })}`, undefined, signal),
  thread: (id: string) => call<ThreadDetail>("GET", `/api/threads/${enc(id)}`),
  /** Threads forked from this one (asked for after the thread is drawn: it scans recent threads). */
  forks: (id: string) => call<{ forks: ThreadSummary[] }>("GET", `/api/threads/${enc(id)}/forks`),
  entries: (id: string, before: string | null, around?: number) => call<EntryPage>("GET", `/api/threads/${enc(id)}/entries${query({ before, around })}`),
  entriesAfter: (id: string, after: number) => call<EntryPage>("GET", `/api/threads/${enc(id)}/entries${query({ after })}`),
  rename: (id: string, name: string) => call<{ thread: ThreadSummary }>("POST", `/api/threads/${enc(id)}/rename`, { name }),
  archive: (id: string) => call<{ thread: ThreadSummary }>("POST", `/api/threads/${enc(id)}/archive`, {}),
  unarchive: (id: string) => call<{ thread: ThreadSummary }>("POST", `/api/threads/${enc(id)}/unarchive`, {}),
  fork: (id: string, position: number | null, name: string) => call<{ threadId: string }>("POST", `/api/threads/${enc(id)}/fork`, { position, name }),
  remove: (id: string) => call<{ deleted: string; trashed: boolean }>("POST", `/api/threads/${enc(id)}/delete`, { confirm: id }),
  exportUrl: (id: string, format: "markdown" | "html" | "json") => `/api/threads/${enc(id)}/export?format=${format}`,
};
