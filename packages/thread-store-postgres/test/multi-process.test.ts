import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newThreadId } from "@skein/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "../src/index.js";
import { dropSchema, freshSchema, PG_SKIP, PG_URL } from "./support/pg.js";

const WORKER = fileURLToPath(new URL("./support/worker.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const NO_DIST = existsSync(DIST) ? undefined : "the child processes run dist/: build the package first (pnpm turbo run build)";

interface Event {
  tag: string;
  event: string;
  holder?: string;
  threadId?: string;
  message?: string;
}

/** A worker process and the events it printed. */
class Worker {
  readonly events: Event[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr = "";
  readonly #waiters: { event: string; resolve: () => void }[] = [];

  constructor(config: Record<string, unknown>) {
    this.child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe"] });
    let buffer = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, nl)) as Event;
        buffer = buffer.slice(nl + 1);
        this.events.push(event);
        for (const w of this.#waiters.filter((w) => w.event === event.event)) w.resolve();
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Resolves at the first `event`; rejects (with the child's stderr) if it exits before. */
  waitFor(event: string): Promise<void> {
    if (this.events.some((e) => e.event === event)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ event, resolve });
      void this.exited.then((code) => reject(new Error(`worker exited (${code}) before "${event}": ${this.stderr}`)));
    });
  }

  first(event: string): Event | undefined {
    return this.events.find((e) => e.event === event);
  }
}

const SKIP = PG_SKIP ?? NO_DIST;

describe.skipIf(SKIP)(`four processes on one database${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  const schema = freshSchema("mp");
  const OWN_ITEMS = 150;
  const SHARED_ITEMS = 25;
  const TTL = 1_500;
  let shared: string;
  let store: PostgresThreadStore;
  const workers: Worker[] = [];

  beforeAll(async () => {
    store = await PostgresThreadStore.open({ connectionString: PG_URL!, schema });
    shared = newThreadId();
    await store.createThread({ threadId: shared, source: "cli", metadata: { cwd: "/work", modelProvider: "test" } });
    await store.persistThread({ threadId: shared });
    await store.shutdownThread({ threadId: shared });
    const config = (tag: string, holdForever: boolean) => ({
      url: PG_URL, schema, ttl: TTL, ownItems: OWN_ITEMS, sharedThreadId: shared, sharedItems: SHARED_ITEMS, holdForever, tag,
    });
    // w0 takes the shared thread first and is then killed while holding it.
    const w0 = new Worker(config("w0", true));
    workers.push(w0);
    await w0.waitFor("shared-done");
    for (const tag of ["w1", "w2", "w3"]) workers.push(new Worker(config(tag, false)));
    // Kill the holder only once every other worker has been refused by its lease.
    await Promise.all(workers.slice(1).map((w) => w.waitFor("conflict")));
    w0.child.kill("SIGKILL");
    await w0.exited;
    await Promise.all(workers.slice(1).map((w) => w.exited));
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await store?.close();
    await dropSchema(schema);
  });

  it("every worker exits cleanly after taking over the shared thread", () => {
    for (const w of workers.slice(1)) {
      expect(w.stderr).toBe("");
      expect(w.first("closed")).toBeDefined();
    }
  });

  it("loses and duplicates no item of any worker's own thread, in call order", async () => {
    for (const w of workers) {
      const threadId = w.first("own-done")!.threadId!;
      const { items } = await store.loadHistory({ threadId });
      expect(items[0]!.type).toBe("session_meta");
      const texts = items.slice(1).map((l) => (l.payload as { message: string }).message);
      expect(texts).toEqual(Array.from({ length: OWN_ITEMS }, (_, i) => `${w.events[0]!.tag}:${i}`));
    }
  });

  it("refuses a second writer with a ConflictError naming the live holder", () => {
    const holder = workers[0]!.first("open")!.holder!;
    for (const w of workers.slice(1)) {
      const conflict = w.first("conflict")!;
      expect(conflict.holder).toBe(holder);
      expect(conflict.message).toBe(`thread-store conflict: thread ${shared} already has a live writer (held by ${holder})`);
    }
  });

  it("lets exactly one writer append at a time: each holder's block is contiguous and complete", async () => {
    const { items } = await store.loadHistory({ threadId: shared });
    const texts = items.slice(1).map((l) => (l.payload as { message: string }).message);
    expect(texts).toHaveLength(4 * SHARED_ITEMS);
    const blocks: string[] = [];
    for (let i = 0; i < texts.length; i += SHARED_ITEMS) {
      const tag = texts[i]!.split("#")[0]!;
      expect(texts.slice(i, i + SHARED_ITEMS)).toEqual(Array.from({ length: SHARED_ITEMS }, (_, k) => `${tag}#${k}`));
      blocks.push(tag);
    }
    // The killed holder wrote first; the three others took over one after another.
    expect(blocks[0]).toBe("w0");
    expect([...blocks].sort()).toEqual(["w0", "w1", "w2", "w3"]);
  });

  it("leaves the shared thread free for a new writer once the live workers shut down", async () => {
    await expect(store.resumeThread({ threadId: shared, metadata: { cwd: "/work", modelProvider: "test" } })).resolves.toBeUndefined();
    await store.shutdownThread({ threadId: shared });
  });
});
