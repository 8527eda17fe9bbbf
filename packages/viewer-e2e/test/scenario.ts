import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { launchChromium, screenshotOnFailure, startServe, type Chromium, type ServeProcess } from "../src/index.js";
import { getWithHost, rowIds, skeinCode, skeinJson, startAttackerSite, XSS_TEXT } from "./support.js";

/** The threads a scenario's store holds before the browser opens. */
export interface ScenarioThreads {
  /** First message is {@link XSS_TEXT}. */
  xss: string;
  /** Has a tool call and its output. */
  tool: string;
  /** Mentions "zebra deployment". */
  deploy: string;
  /** A fork of `deploy`. */
  fork: string;
  /** 120 turns "question N", in its own cwd; written last. */
  long: string;
  /** An apply_patch edit. */
  patch: string;
}

/** A store with the scenario's threads, and how another process changes it. */
export interface ScenarioStore {
  /** `--home DIR` or `--store URL`, for `skein serve` and for the CLI checks. */
  storeArgs: string[];
  threads: ScenarioThreads;
  longCwd: string;
  /** The source every thread but `long` and `patch` has. */
  source: string;
  /** Another process appends a turn whose user text is `text` to `threadId`. */
  appendTurn(threadId: string, text: string): Promise<void>;
  /** Another process starts a new thread whose first message is `text`; resolves to its id. */
  newThread(text: string): Promise<string>;
  close(): Promise<void>;
}

interface ListedThread {
  id: string;
  name: string | null;
  archived: boolean;
  forkedFromId: string | null;
}

/**
 * The browser scenario of issue 17, run over any store: list, filter, search → hit, a thread,
 * paging back, rename, archive, fork, delete, export, live updates, keyboard, safety.
 */
export function viewerScenario(open: () => Promise<ScenarioStore>): void {
  let store: ScenarioStore;
  let serve: ServeProcess;
  let chromium: Chromium;
  let page: Page;
  const dialogs: string[] = [];
  const t = () => store.threads;

  beforeAll(async () => {
    store = await open();
    serve = await startServe(store.storeArgs);
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      // Fork asks for a name; anything else (an alert from injected script) is a failure.
      void (dialog.type() === "prompt" ? dialog.accept(`fork from the browser ${dialogs.length}`) : dialog.dismiss());
    });
    await page.goto(serve.url);
  });

  afterEach(async (context) => {
    await screenshotOnFailure(page, context.task);
  });

  afterAll(async () => {
    await chromium?.close();
    await serve?.stop();
    await store?.close();
  });

  const list = (extra: string[] = []) => skeinJson<{ items: ListedThread[] }>(["list", "--all", "--json", ...store.storeArgs, ...extra]).then((r) => r.items);
  const gotoList = async () => {
    await page.goto(`${serve.origin}/`);
    await page.locator("#threads .row").first().waitFor();
  };
  const openThread = async (id: string) => {
    await page.goto(`${serve.origin}/t/${id}`);
    await page.locator("#transcript article.msg").first().waitFor();
  };

  it("lists the threads newest first, with names, previews, cwd and source; HTML in a preview is text", async () => {
    await gotoList();
    await expect.poll(() => rowIds(page)).toHaveLength(6);
    const ids = await rowIds(page);
    // Newest first (times have a second's resolution: the two threads written last may tie).
    expect([t().long, t().patch]).toContain(ids[0]);
    expect(ids.at(-1)).toBe(t().xss);
    expect(new Set(ids)).toEqual(new Set(Object.values(t())));
    const xssRow = page.locator(`.row[data-thread-id="${t().xss}"]`);
    expect(await xssRow.locator(".title").textContent()).toBe(XSS_TEXT);
    expect(await page.locator("#threads img, #threads script").count()).toBe(0);
    expect(await page.locator(`.row[data-thread-id="${t().fork}"] .badge.fork`).count()).toBe(1);
    expect(await page.locator(`.row[data-thread-id="${t().long}"] .cwd`).getAttribute("title")).toBe(store.longCwd);
    expect(await page.locator(`.row[data-thread-id="${t().deploy}"] .badge`).first().textContent()).toBe(store.source);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("filters by cwd, source, provider and archived, and sorts", async () => {
    await gotoList();
    await page.fill("#filter-cwd", store.longCwd);
    await page.press("#filter-cwd", "Enter");
    await expect.poll(() => rowIds(page).then((ids) => ids.sort())).toEqual([t().long, t().patch].sort());
    await page.fill("#filter-cwd", "");
    await page.press("#filter-cwd", "Enter");
    await page.selectOption("#filter-source", "vscode");
    await expect.poll(() => page.locator(".empty").textContent()).toBe("no threads");
    await page.selectOption("#filter-source", "");
    await page.fill("#filter-provider", "no-such-provider");
    await page.press("#filter-provider", "Enter");
    await expect.poll(() => rowIds(page)).toEqual([]);
    await page.fill("#filter-provider", "");
    await page.press("#filter-provider", "Enter");
    await expect.poll(() => rowIds(page)).toHaveLength(6);
    await page.selectOption("#sort", "created:asc");
    await expect.poll(async () => (await rowIds(page))[0]).toBe(t().xss);
    await page.check("#filter-archived");
    await expect.poll(() => page.locator(".empty").textContent()).toBe("no archived threads");
  });

  it("searches: typing shows hits with the match marked; Enter opens the hit", async () => {
    await gotoList();
    await page.fill("#search", "zebra");
    await expect.poll(() => rowIds(page).then((ids) => ids.sort()), { timeout: 20_000 }).toEqual([t().deploy, t().fork].sort());
    expect((await page.locator("#threads mark").first().textContent())?.toLowerCase()).toBe("zebra");
    expect(await page.locator(`.row[data-thread-id="${t().deploy}"] a.hit`).first().getAttribute("href")).toMatch(new RegExp(`^/t/${t().deploy}#m\\d+$`));
    const first = (await rowIds(page))[0]!;
    await page.press("#search", "Enter");
    await page.waitForURL(`**/t/${first}**`);
    await expect.poll(() => page.locator("#transcript").textContent()).toContain("zebra deployment");
    // The hit opens the thread at the message that matched, marked.
    expect(new URL(page.url()).hash).toMatch(/^#m\d+$/);
    await expect.poll(() => page.locator(".linked").textContent()).toContain("zebra");
  });

  it("opens a thread: messages as Markdown, tool calls and outputs collapsed, the transcript's HTML as text", async () => {
    await openThread(t().tool);
    const call = page.locator("details.fold.tool").first();
    await call.waitFor();
    expect(await call.getAttribute("open")).toBeNull();
    expect(await call.locator("summary").textContent()).toMatch(/^Tool call: /);
    await call.locator("summary").click();
    expect(await call.locator("pre").isVisible()).toBe(true);
    expect(await page.locator("details.fold.tool summary", { hasText: "Tool output" }).count()).toBeGreaterThan(0);

    await openThread(t().xss);
    const user = page.locator("article.msg.user").first();
    expect(await user.locator(".md").textContent()).toContain("<script>window.__pwned=1</script>");
    expect(await page.locator("#transcript script, #transcript img").count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    await openThread(t().patch);
    expect(await page.locator(".diff .d-del").textContent()).toBe("-hello wrold");
    expect(await page.locator(".diff .d-add").textContent()).toBe("+hello world");
    expect(await page.locator("article.msg.assistant strong").textContent()).toBe("typo");
    const link = await page.locator("article.msg.assistant .permalink").getAttribute("href");
    expect(link).toMatch(new RegExp(`^/t/${t().patch}#m\\d+$`));
    await page.goto(`${serve.origin}${link}`);
    await expect.poll(() => page.locator("article.msg.assistant.linked").count()).toBe(1);
    expect(dialogs).toEqual([]);
  });

  it("opens a long thread at its end and pages back to its start", async () => {
    await openThread(t().long);
    const users = () => page.locator("article.msg.user .md").allTextContents().then((texts) => texts.map((text) => text.trim()));
    expect((await users()).at(-1)).toBe("question 120");
    expect(await users()).not.toContain("question 1");
    expect((await users()).length).toBeLessThan(120);
    const shown = () => page.locator("#transcript [data-position]").count();
    let pages = 0;
    while ((await page.locator("#older").textContent()) !== "start of the thread") {
      const before = await shown();
      await page.evaluate(() => window.scrollTo(0, 0));
      await expect.poll(shown, { timeout: 10_000 }).toBeGreaterThan(before);
      pages++;
      expect(pages).toBeLessThan(50);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    const all = await users();
    expect(all).toEqual(Array.from({ length: 120 }, (_, i) => `question ${i + 1}`));

    // A link to a message opens the thread around it (not at its end), the message marked.
    const link = await page.locator("article.msg.user", { hasText: "question 5" }).first().locator(".permalink").getAttribute("href");
    await gotoList();
    await page.goto(`${serve.origin}${link}`);
    await expect.poll(() => page.locator(".linked .md").textContent().then((text) => text?.trim())).toBe("question 5");
    expect(await users()).not.toContain("question 120");
  });

  it("renames, archives and unarchives through the store (the CLI sees it)", async () => {
    await openThread(t().deploy);
    await page.click("#rename");
    await page.fill("#rename-input", "zebra notes (renamed)");
    await page.click("#rename-save");
    await expect.poll(() => page.locator("#thread-title").textContent()).toBe("zebra notes (renamed)");
    expect((await list()).find((x) => x.id === t().deploy)?.name).toBe("zebra notes (renamed)");

    await page.click("#archive");
    await page.locator("#archived-badge").waitFor();
    expect((await list(["--archived"])).map((x) => x.id)).toContain(t().deploy);
    await page.click("#unarchive");
    await page.locator("#archived-badge").waitFor({ state: "detached" });
    expect((await list()).map((x) => x.id)).toContain(t().deploy);
  });

  it("forks a thread, and forks at a chosen turn", async () => {
    await openThread(t().deploy);
    await page.click("#fork");
    await page.waitForURL((url) => !url.pathname.endsWith(t().deploy));
    const forkId = new URL(page.url()).pathname.split("/").at(-1)!;
    await expect.poll(() => page.locator("#thread-title").textContent()).toMatch(/^fork from the browser/);
    await page.locator(".family a", { hasText: "zebra notes (renamed)" }).waitFor();
    expect((await list()).find((x) => x.id === forkId)?.forkedFromId).toBe(t().deploy);

    await openThread(t().long);
    while ((await page.locator("#older").textContent()) !== "start of the thread") {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(200);
    }
    await page.locator("article.msg.assistant .fork-here").first().click();
    await page.waitForURL((url) => !url.pathname.endsWith(t().long));
    await page.locator("#transcript article.msg.user").first().waitFor();
    await page.waitForTimeout(500);
    expect((await page.locator("article.msg.user .md").allTextContents()).map((text) => text.trim())).toEqual(["question 1"]);
  });

  it("exports Markdown, self-contained HTML and JSON", async () => {
    await openThread(t().xss);
    const read = async (selector: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
      return readFileSync((await download.path())!, "utf8");
    };
    const md = await read("#export-md");
    expect(md).toContain("## User");
    expect(md).toContain(XSS_TEXT);
    const html = await read("#export-html");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain("&lt;script&gt;");
    const json = JSON.parse(await read("#export-json")) as { id: string; items: unknown[] };
    expect(json.id).toBe(t().xss);
    expect(json.items.length).toBeGreaterThan(3);
  });

  it("deletes a thread after a confirmation", async () => {
    await openThread(t().tool);
    await page.click("#delete");
    expect(await skeinCode(["show", t().tool, ...store.storeArgs])).toBe(0);
    await page.click("#delete-confirm");
    await page.waitForURL(`${serve.origin}/`);
    await expect.poll(() => rowIds(page)).not.toContain(t().tool);
    expect(await skeinCode(["show", t().tool, ...store.storeArgs])).toBe(1);
    // A local home keeps the thread in its trash, as `skein delete` does; PostgreSQL has no trash.
    if (store.storeArgs[0] === "--home") {
      expect(await skeinCode(["trash", "restore", t().tool, ...store.storeArgs])).toBe(0);
      expect(await skeinCode(["show", t().tool, ...store.storeArgs])).toBe(0);
      expect(await skeinCode(["delete", t().tool, "--yes", ...store.storeArgs])).toBe(0);
    }
  });

  it("updates live: lines another process appends, and a new thread in the list", async () => {
    await openThread(t().xss);
    await store.appendTurn(t().xss, "appended by another process");
    await expect.poll(() => page.locator("#transcript").textContent(), { timeout: 20_000 }).toContain("appended by another process");

    await gotoList();
    const id = await store.newThread("a brand new thread, live");
    await expect.poll(() => rowIds(page), { timeout: 20_000 }).toContain(id);
    expect(await page.locator(`.row[data-thread-id="${id}"] .title`).textContent()).toBe("a brand new thread, live");
  });

  it("keyboard: / focuses search, j/k move, Enter opens", async () => {
    await gotoList();
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("search");
    await page.keyboard.press("Escape");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    const ids = await rowIds(page);
    expect(await page.locator(".row.selected").getAttribute("data-thread-id")).toBe(ids[1]);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/t/${ids[1]}`);
  });

  it("refuses a foreign Host header and a cross-site POST", async () => {
    const cookie = `skein_token_${serve.port}=${serve.token}`;
    expect(await getWithHost(serve.port, "/api/threads", `attacker.example:${serve.port}`, cookie)).toBe(421);
    expect(await getWithHost(serve.port, "/api/threads", `127.0.0.1:${serve.port}`, cookie)).toBe(200);

    const attacker = await startAttackerSite();
    try {
      const other = await chromium.context.newPage();
      await other.goto(attacker.origin);
      const target = `${serve.origin}/api/threads/${t().xss}/rename`;
      const outcomes = await other.evaluate(async (url) => {
        const tries = [
          fetch(url, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "pwned-json" }) }),
          fetch(url, { method: "POST", credentials: "include", mode: "no-cors", body: JSON.stringify({ name: "pwned-simple" }) }),
        ];
        return Promise.all(tries.map((p) => p.then((r) => `status ${r.status}`, (e: Error) => `error ${e.name}`)));
      }, target);
      expect(outcomes[0]).toBe("error TypeError");
      await other.close();
    } finally {
      await attacker.close();
    }
    const name = (await list()).find((x) => x.id === t().xss)?.name ?? null;
    expect(name).toBeNull();
  });
}
