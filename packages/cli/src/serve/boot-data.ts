import type { Hono } from "hono";

const THREAD_PATH = /^\/t\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/**
 * How long the page's HTML waits for an API answer to put into it. Past this (a huge rollout
 * whose item index is still being built), the page gets a `<link rel=preload>` for it instead
 * and shows itself at once; the work already started goes on and the preload request shares
 * the store's cached result.
 */
export const BOOT_BUDGET_MS = 150;

/**
 * The API calls a route of the page makes first. They must be exactly the URLs
 * packages/viewer/src/app/api.ts builds for the default list and for a thread's end.
 */
export function firstCallsOf(path: string): string[] {
  const thread = THREAD_PATH.exec(path)?.[1]?.toLowerCase();
  if (path === "/") return ["/api/threads?sort=updated&limit=50"];
  return thread ? [`/api/threads/${thread}`, `/api/threads/${thread}/entries`] : [];
}

/** JSON as the text of a `<script type="application/json">`: no `<` can end the element. */
export function scriptSafeJson(json: string): string {
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const escapeAttr = (text: string): string => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The page with `<link rel="preload" as="fetch">` for `urls` (they run while the script loads). */
export function withPreloads(index: string, urls: string[]): string {
  const links = urls.map((url) => `<link rel="preload" href="${escapeAttr(url)}" as="fetch" crossorigin="anonymous">`).join("");
  return links === "" ? index : index.replace("</head>", `${links}</head>`);
}

/**
 * The page for `path` with the answers of its first API calls inside it
 * (`<script type="application/json" data-boot-url="…">`, data the browser never runs, so the
 * Content-Security-Policy stays `script-src 'self'`): the script finds its first data without
 * a round trip (docs/viewer.md, "Speed"). An answer that is not ready within
 * {@link BOOT_BUDGET_MS}, or is not a 200, becomes a preload link instead.
 */
export async function pageWithBootData(index: string, path: string, api: Hono, options: { threadChunk?: string; budgetMs?: number } = {}): Promise<string> {
  const budgetMs = options.budgetMs ?? BOOT_BUDGET_MS;
  const urls = firstCallsOf(path);
  if (urls.length === 0) return index;
  // A thread's page needs the thread view's chunk too: fetched with the page's script, not after it.
  if (options.threadChunk && THREAD_PATH.test(path)) index = index.replace("</head>", `<link rel="modulepreload" href="${escapeAttr(options.threadChunk)}"></head>`);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), budgetMs)));
  const answers = await Promise.all(
    urls.map((url) =>
      Promise.race([
        // The API app alone: the outer request already passed the guard.
        Promise.resolve(api.request(url.slice("/api".length))).then(async (response) => (response.status === 200 ? await response.text() : undefined)),
        late,
      ]).catch(() => undefined),
    ),
  );
  clearTimeout(timer);
  const blocks = urls
    .map((url, i) => (answers[i] === undefined ? "" : `<script type="application/json" data-boot-url="${escapeAttr(url)}">${scriptSafeJson(answers[i])}</script>`))
    .join("");
  const page = withPreloads(
    index,
    urls.filter((_, i) => answers[i] === undefined),
  );
  return blocks === "" ? page : page.replace("</head>", `${blocks}</head>`);
}
