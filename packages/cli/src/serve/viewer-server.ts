import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { ThreadStore } from "@skein/thread-store";
import { Hono, type MiddlewareHandler } from "hono";
import { apiRoutes } from "./api-routes.js";
import { BOOT_BUDGET_MS, pageWithBootData } from "./boot-data.js";
import { IndexRefresher } from "./index-refresher.js";
import { WARM_ROLLOUT_BYTES, warmLargeRollouts } from "./item-index-warmer.js";
import { viewerGuard } from "./security.js";
import { loadViewerAssets, type ViewerAssets } from "./static-files.js";

/** Options of {@link startViewerServer}. */
export interface ViewerServerOptions {
  store: ThreadStore;
  /** How the page names the store. */
  label: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default: a fresh random token. */
  token?: string;
  assets?: ViewerAssets;
  /** Rollouts this large get their item index built in the background at start (default {@link WARM_ROLLOUT_BYTES}). */
  warmRolloutBytes?: number;
  /** How long a page waits for its first API answers to carry them (default {@link BOOT_BUDGET_MS}). */
  bootBudgetMs?: number;
}

/** A running viewer. */
export interface ViewerServer {
  /** The address to open, with the token: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  origin: string;
  port: number;
  token: string;
  server: Server;
  /** The background build of large rollouts' item indexes ({@link warmLargeRollouts}): the thread ids indexed. */
  warmed: Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Adds `Server-Timing: app;dur=<ms>` (the time this server spent on the request), which the
 * browser's Resource Timing shows next to the network times (docs/viewer.md, "Speed").
 */
const serverTiming: MiddlewareHandler = async (c, next) => {
  const start = performance.now();
  await next();
  c.res.headers.append("Server-Timing", `app;dur=${(performance.now() - start).toFixed(1)}`);
};

/** The viewer as a Hono app: the guard, the API, then the page for every other path. */
export function viewerApp(options: {
  store: ThreadStore;
  label: string;
  token: string;
  host: string;
  port: () => number;
  assets: ViewerAssets;
  refresher?: IndexRefresher;
  bootBudgetMs?: number;
}): Hono {
  const app = new Hono();
  app.use("*", serverTiming);
  app.use("*", viewerGuard({ token: options.token, port: options.port, host: options.host }));
  const api = apiRoutes({ store: options.store, label: options.label, ...(options.refresher && { refresher: options.refresher }) });
  app.route("/api", api);
  // The page's thread view is a chunk of its own (packages/viewer/src/app/main.tsx).
  const threadChunk = [...options.assets.files.keys()].find((name) => /^\/assets\/thread-view-[\w-]+\.js$/.test(name));
  app.get("*", async (c) => {
    const file = options.assets.files.get(c.req.path);
    if (file) {
      c.header("Content-Type", file.type);
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      return c.body(new Uint8Array(file.body));
    }
    if (c.req.path.startsWith("/assets/")) return c.text("not found", 404);
    c.header("Cache-Control", "no-store");
    return c.html(await pageWithBootData(options.assets.index, c.req.path, api, { ...(threadChunk && { threadChunk }), ...(options.bootBudgetMs !== undefined && { budgetMs: options.bootBudgetMs }) }));
  });
  app.all("*", (c) => c.json({ error: "method not allowed" }, 405));
  return app;
}

/** Starts the viewer on `host:port` and resolves once it listens. */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? randomBytes(24).toString("base64url");
  let port = options.port ?? 0;
  const refresher = new IndexRefresher(options.store);
  const app = viewerApp({ store: options.store, label: options.label, token, host, port: () => port, assets: options.assets ?? loadViewerAssets(), refresher, ...(options.bootBudgetMs !== undefined && { bootBudgetMs: options.bootBudgetMs }) });
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => (server.off("error", reject), resolve()));
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const origin = `http://${urlHost}:${port}`;
  const stopWarming = new AbortController();
  const warmed = warmLargeRollouts(options.store, { signal: stopWarming.signal, ...(options.warmRolloutBytes !== undefined && { minBytes: options.warmRolloutBytes }) }).catch(() => []);
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    server,
    warmed,
    close: async () => {
      stopWarming.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await refresher.settle();
    },
  };
}
