import { request } from "node:http";
import { ScriptedModel, ThreadManager } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startViewerServer, type ViewerServer } from "../../src/serve/viewer-server.js";
import { runCli } from "../helpers/run-cli.js";

// `skein serve`'s gate and API without a browser (the browser tests are in packages/viewer-e2e).

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so the Host header can be anything (fetch would not let us set it). */
function send(server: ViewerServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("skein serve: the viewer's server", () => {
  let dir: TempDir;
  let store: LocalThreadStore;
  let server: ViewerServer;
  let threadId: string;
  let cookie: string;
  const xss = 'look <script>alert("x")</script> <img src=x onerror=alert(1)>';

  beforeAll(async () => {
    dir = makeTempDir("skein-serve-");
    store = await LocalThreadStore.open({ home: dir.path });
    const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: dir.path } });
    const session = await manager.startThread({ cwd: dir.path });
    threadId = session.threadId;
    await session.runTurn({ userText: xss, model: new ScriptedModel() });
    await session.runTurn({ userText: "second question about **markdown**", model: new ScriptedModel() });
    await manager.shutdownAll();
    // A page waits for its first answers as long as they take here (a loaded test machine), so
    // what it carries does not depend on timing.
    server = await startViewerServer({ store, label: dir.path, bootBudgetMs: 60_000 });
    cookie = `skein_token_${server.port}=${server.token}`;
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    dir?.cleanup();
  });

  const host = () => `127.0.0.1:${server.port}`;
  const authed = (extra: Record<string, string> = {}) => ({ host: host(), cookie, ...extra });

  it("prints a loopback URL with a token, which becomes a strict cookie and is removed from the address", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const first = await send(server, `/?token=${server.token}`, { headers: { host: host() } });
    expect(first.status).toBe(303);
    expect(first.headers["location"]).toBe("/");
    expect(String(first.headers["set-cookie"])).toContain(`${cookie}; Path=/; HttpOnly; SameSite=Strict`);
    const page = await send(server, "/", { headers: authed() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    // The answers of a route's first API calls are in the page, as data the browser does not run.
    expect(page.body).toContain('<script type="application/json" data-boot-url="/api/threads?sort=updated&amp;limit=50">');
    expect(page.headers["server-timing"]).toMatch(/^app;dur=\d+(\.\d+)?$/);
    const thread = await send(server, `/t/${threadId}`, { headers: authed() });
    expect(thread.body).toContain(`<script type="application/json" data-boot-url="/api/threads/${threadId}/entries">`);
    // The thread view's own chunk loads with the page's script on a thread's page, not on the list's.
    expect(thread.body).toMatch(/<link rel="modulepreload" href="\/assets\/thread-view-[\w-]+\.js">/);
    expect(page.body).not.toContain("modulepreload");
  });

  it("puts a route's first API answers into its page: the same JSON as the API, with no `<` that could end the script element", async () => {
    const page = await send(server, "/", { headers: authed() });
    const block = /<script type="application\/json" data-boot-url="\/api\/threads\?sort=updated&amp;limit=50">([^<]*)<\/script>/.exec(page.body);
    expect(block).not.toBeNull();
    // The preview holds `<script>…</script>` and `<img onerror>`: escaped as \u003c inside the JSON.
    expect(block![1]).toContain("\\u003cscript>");
    const api = JSON.parse((await send(server, "/api/threads?sort=updated&limit=50", { headers: authed() })).body) as unknown;
    expect(JSON.parse(block![1]!)).toEqual(api);
    const thread = await send(server, `/t/${threadId}`, { headers: authed() });
    const entries = /data-boot-url="\/api\/threads\/[0-9a-f-]+\/entries">([^<]*)<\/script>/.exec(thread.body);
    expect((JSON.parse(entries![1]!) as { entries: { kind: string; text?: string }[] }).entries.find((e) => e.kind === "user")?.text).toBe(xss);
    // A page with nothing to answer first (an unknown thread: 404) gets no data block.
    const missing = await send(server, "/t/00000000-0000-4000-8000-000000000000", { headers: authed() });
    expect(missing.status).toBe(200);
    expect(missing.body).not.toContain("data-boot-url");
  });

  it("refuses the page and the API without the token, and a wrong token", async () => {
    expect((await send(server, "/", { headers: { host: host() } })).status).toBe(401);
    expect((await send(server, "/api/threads", { headers: { host: host() } })).status).toBe(401);
    expect((await send(server, "/api/threads", { headers: { host: host(), cookie: `skein_token_${server.port}=nope` } })).status).toBe(401);
    expect((await send(server, "/?token=nope", { headers: { host: host() } })).status).toBe(403);
  });

  it("refuses a foreign Host header (DNS rebinding), even with the token", async () => {
    for (const foreign of ["evil.example:80", `evil.example:${server.port}`, "127.0.0.1:1"]) {
      const answer = await send(server, "/api/threads", { headers: { host: foreign, cookie } });
      expect(answer.status).toBe(421);
      expect(answer.body).toContain("DNS rebinding");
    }
    expect((await send(server, "/api/threads", { headers: authed({ host: `localhost:${server.port}` }) })).status).toBe(200);
  });

  it("refuses a cross-site change: wrong or missing Origin, cross-site fetch metadata, a form post", async () => {
    const body = JSON.stringify({ name: "pwned" });
    const attempts: Record<string, string>[] = [
      { "content-type": "application/json", origin: "http://evil.example" },
      { "content-type": "application/json" },
      { "content-type": "application/json", origin: `http://${host()}`, "sec-fetch-site": "cross-site" },
      { "content-type": "application/x-www-form-urlencoded", origin: `http://${host()}` },
      { "content-type": "application/json", origin: `http://127.0.0.1:${server.port + 1}` },
    ];
    for (const headers of attempts) {
      const answer = await send(server, `/api/threads/${threadId}/rename`, { method: "POST", headers: authed(headers), body });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
    }
    expect((await store.readThread({ threadId })).name).toBeUndefined();
    const ok = await send(server, `/api/threads/${threadId}/rename`, {
      method: "POST",
      headers: authed({ "content-type": "application/json", origin: `http://${host()}`, "sec-fetch-site": "same-origin" }),
      body: JSON.stringify({ name: "renamed from the page" }),
    });
    expect(ok.status).toBe(200);
    expect((await store.readThread({ threadId })).name).toBe("renamed from the page");
  });

  it("lists with the CLI's JSON shape and pages a thread from its end with entries the page renders", async () => {
    const list = JSON.parse((await send(server, "/api/threads", { headers: authed() })).body) as { items: { id: string; preview: string }[] };
    expect(list.items.map((t) => t.id)).toEqual([threadId]);
    expect(list.items[0]!.preview).toBe(xss);
    const page = JSON.parse((await send(server, `/api/threads/${threadId}/entries`, { headers: authed() })).body) as {
      entries: { kind: string; text?: string; position: number }[];
      before: string | null;
      lastPosition: number;
    };
    expect(page.before).toBeNull();
    expect(page.entries.filter((e) => e.kind === "user").map((e) => e.text)).toEqual([xss, "second question about **markdown**"]);
    expect(page.entries.some((e) => e.kind === "assistant")).toBe(true);
    expect(page.lastPosition).toBe(page.entries.at(-1)!.position);
    const after = JSON.parse((await send(server, `/api/threads/${threadId}/entries?after=${page.lastPosition}`, { headers: authed() })).body) as { entries: unknown[] };
    expect(after.entries).toEqual([]);
  });

  it("search hits say where they matched: the message's position, which the thread view opens around", async () => {
    const found = JSON.parse((await send(server, "/api/search?q=markdown", { headers: authed() })).body) as {
      items: { thread: { id: string }; position?: number; matches: { role: string; position?: number; snippet: string }[] }[];
    };
    expect(found.items.map((hit) => hit.thread.id)).toEqual([threadId]);
    const [hit] = found.items;
    expect(hit!.matches[0]!.snippet.toLowerCase()).toContain("[markdown]");
    expect(["user", "assistant"]).toContain(hit!.matches[0]!.role);
    const around = JSON.parse((await send(server, `/api/threads/${threadId}/entries?around=${hit!.position}`, { headers: authed() })).body) as {
      entries: { kind: string; text?: string; position: number }[];
    };
    expect(around.entries.find((e) => e.position === hit!.position)?.text).toContain("markdown");
  });

  it("exports Markdown, self-contained HTML with the transcript's HTML as text, and JSON with every line", async () => {
    const md = await send(server, `/api/threads/${threadId}/export?format=markdown`, { headers: authed() });
    expect(md.headers["content-disposition"]).toBe(`attachment; filename="${threadId}.md"`);
    expect(md.body).toContain("## User");
    expect(md.body).toContain("second question about **markdown**");
    const html = await send(server, `/api/threads/${threadId}/export?format=html`, { headers: authed() });
    expect(html.body).not.toMatch(/<script|<img/i);
    expect(html.body).toContain("&lt;script&gt;");
    expect(html.body).toContain("<strong>markdown</strong>");
    const json = JSON.parse((await send(server, `/api/threads/${threadId}/export?format=json`, { headers: authed() })).body) as { id: string; items: unknown[] };
    expect(json.id).toBe(threadId);
    expect(json.items.length).toBe((await store.loadHistory({ threadId })).items.length);
  });

  it("`skein show --format` prints the same documents", async () => {
    const md = await runCli(["show", threadId, "--format", "markdown", "--home", dir.path]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("# renamed from the page");
    expect(md.stdout).toContain("## Assistant");
    const html = await runCli(["show", threadId, "--format", "html", "--home", dir.path]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).not.toMatch(/<script/i);
    const bad = await runCli(["show", threadId, "--format", "pdf", "--home", dir.path]);
    expect(bad.code).toBe(2);
  });

  it("a thread's summary names its parent; its forks come from their own route (the page asks after drawing)", async () => {
    const before = JSON.parse((await send(server, `/api/threads/${threadId}/forks`, { headers: authed() })).body) as { forks: unknown[] };
    expect(before.forks).toEqual([]);
    const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: dir.path } });
    const fork = await manager.forkThread({ threadId, name: "a fork" });
    await manager.shutdownAll();
    try {
      const forks = JSON.parse((await send(server, `/api/threads/${threadId}/forks`, { headers: authed() })).body) as { forks: { id: string; name: string }[] };
      expect(forks.forks.map((f) => [f.id, f.name])).toEqual([[fork.threadId, "a fork"]]);
      const detail = JSON.parse((await send(server, `/api/threads/${fork.threadId}`, { headers: authed() })).body) as { thread: { id: string }; parent: { id: string } | null };
      expect(detail.parent?.id).toBe(threadId);
    } finally {
      await store.deleteThread({ threadId: fork.threadId });
    }
  });

  it("answers a missing thread with 404 and a malformed id with 400", async () => {
    expect((await send(server, "/api/threads/019a2c4e-0000-7000-8000-000000000000", { headers: authed() })).status).toBe(404);
    expect((await send(server, "/api/threads/..%2Fetc/entries", { headers: authed() })).status).toBe(400);
  });
});
