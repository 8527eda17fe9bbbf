import { newThreadId, type RolloutItem, type ThreadId } from "@skein/protocol";
import { ConflictError, InMemoryThreadStore, InvalidRequestError, ThreadNotFoundError } from "@skein/thread-store";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyThreads, InvalidOptionsError, PostgresThreadStore } from "../src/index.js";
import { dropSchema, freshSchema, PG_SKIP, PG_URL } from "./support/pg.js";

const META = { cwd: "/work", modelProvider: "openai" };
/** Runs one statement on its own connection (test setup and inspection). */
async function sql(text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

const say = (message: string): RolloutItem => ({ type: "event_msg", payload: { type: "user_message", message } });

describe("PostgresThreadStore.open", () => {
  it("rejects a schema name that is not a plain lowercase identifier", async () => {
    await expect(PostgresThreadStore.open({ connectionString: "postgres://x", schema: 'a"; DROP' })).rejects.toThrow(
      new InvalidOptionsError('schema must match ^[a-z_][a-z0-9_]{0,62}$, got a"; DROP'),
    );
  });
});

describe.skipIf(PG_SKIP)(`PostgresThreadStore${PG_SKIP ? ` (skipped: ${PG_SKIP})` : ""}`, () => {
  let schema: string;
  const stores: PostgresThreadStore[] = [];
  const open = async (ttl = 5_000): Promise<PostgresThreadStore> => {
    const store = await PostgresThreadStore.open({ connectionString: PG_URL!, schema, leaseTtlMs: ttl });
    stores.push(store);
    return store;
  };
  const seed = async (store: PostgresThreadStore, messages: string[]): Promise<ThreadId> => {
    const threadId = newThreadId();
    await store.createThread({ threadId, source: "cli", metadata: META });
    await store.appendItems({ threadId, items: messages.map(say) });
    await store.shutdownThread({ threadId });
    return threadId;
  };
  const texts = (items: { type: string; payload: unknown }[]): string[] =>
    items.filter((l) => l.type === "event_msg").map((l) => (l.payload as { message: string }).message);

  beforeEach(() => {
    schema = freshSchema("pts");
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await dropSchema(schema);
  });

  describe("writer lease", () => {
    it("refuses a second store's writer with a ConflictError naming the first store's holder", async () => {
      const a = await open();
      const b = await open();
      const threadId = await seed(a, ["hi"]);
      await a.resumeThread({ threadId, metadata: META });
      await expect(b.resumeThread({ threadId, metadata: META })).rejects.toThrow(
        new ConflictError(`thread ${threadId} already has a live writer (held by ${a.holder})`, { holder: a.holder }),
      );
    });

    it("lets another store take over once the holder's lease expired without renewal", async () => {
      // a's renewal timer (every TTL/3 = 20 s) does not fire during the test: it is as good as dead.
      const a = await open(60_000);
      const b = await open(300);
      const threadId = await seed(a, ["hi"]);
      await a.resumeThread({ threadId, metadata: META });
      // Its lease then runs out by the database clock.
      await sql(`UPDATE "${schema}".thread_writers SET expires_at = now() - interval '1 second'`);
      await b.resumeThread({ threadId, metadata: META });
      await b.appendItems({ threadId, items: [say("from b")] });
      // The old holder may not append any more: it learns who holds the thread now.
      await expect(a.appendItems({ threadId, items: [say("from a")] })).rejects.toThrow(
        new ConflictError(`thread ${threadId} already has a live writer (held by ${b.holder})`, { holder: b.holder }),
      );
      expect(texts((await b.loadHistory({ threadId })).items)).toEqual(["hi", "from b"]);
    });

    it("keeps a live holder's lease alive past its TTL by renewing it in the background", async () => {
      const a = await open(300);
      const b = await open(300);
      const threadId = await seed(a, ["hi"]);
      await a.resumeThread({ threadId, metadata: META });
      await new Promise((resolve) => setTimeout(resolve, 900));
      await expect(b.resumeThread({ threadId, metadata: META })).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe("forkThread", () => {
    it("references the parent's prefix: the fork reads the prefix, then its own lines with continuing ordinals", async () => {
      const store = await open();
      const parent = await seed(store, ["one", "two", "three"]);
      const fork = newThreadId();
      await store.forkThread({ threadId: fork, parentThreadId: parent, baseSeqExclusive: 3, source: "cli", metadata: META });
      await store.appendItems({ threadId: fork, items: [say("fork says")] });
      await store.shutdownThread({ threadId: fork });
      const raw = await store.loadRawHistory({ threadId: fork });
      const parentRaw = await store.loadRawHistory({ threadId: parent });
      expect(raw.slice(0, 3)).toEqual(parentRaw.slice(0, 3));
      expect(JSON.parse(raw[3]!)).toMatchObject({
        ordinal: 3,
        type: "session_meta",
        payload: { id: fork, forked_from_id: parent, history_mode: "paginated", history_base: { thread_id: parent, end_ordinal_exclusive: 3 } },
      });
      expect(JSON.parse(raw[4]!)).toMatchObject({ ordinal: 4, payload: { message: "fork says" } });
      const rows = await sql(`SELECT count(*)::int AS n FROM "${schema}".thread_items WHERE thread_id = $1`, [fork]);
      expect(rows).toEqual([{ n: 2 }]);
    });

    it("copies the inherited prefix into a fork before its parent is deleted", async () => {
      const store = await open();
      const parent = await seed(store, ["one", "two"]);
      const fork = newThreadId();
      await store.forkThread({ threadId: fork, parentThreadId: parent, source: "cli", metadata: META });
      await store.appendItems({ threadId: fork, items: [say("mine")] });
      await store.shutdownThread({ threadId: fork });
      const before = await store.loadRawHistory({ threadId: fork });
      await store.deleteThread({ threadId: parent });
      expect(await store.loadRawHistory({ threadId: fork })).toEqual(before);
      await expect(store.readThread({ threadId: parent })).rejects.toThrow(new ThreadNotFoundError(parent));
    });

    it("rejects a base beyond the parent's history", async () => {
      const store = await open();
      const parent = await seed(store, ["one"]);
      await expect(
        store.forkThread({ threadId: newThreadId(), parentThreadId: parent, baseSeqExclusive: 5, source: "cli", metadata: META }),
      ).rejects.toThrow(new InvalidRequestError("baseSeqExclusive must be an integer from 1 to 2, got 5"));
    });
  });

  describe("history rows", () => {
    it("keeps U+0000 in the raw line although jsonb cannot store it", async () => {
      const store = await open();
      const threadId = await seed(store, ["nul \u0000 inside"]);
      const { items } = await store.loadHistory({ threadId });
      expect(texts(items)).toEqual(["nul \u0000 inside"]);
    });

    it("writes lines in Codex key order: timestamp, type, payload", async () => {
      const store = await open();
      const threadId = await seed(store, ["hi"]);
      const raw = await store.loadRawHistory({ threadId });
      expect(raw[1]).toMatch(/^\{"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","type":"event_msg","payload":\{"type":"user_message","message":"hi"\}\}$/);
    });
  });

  describe("searchThreads", () => {
    it("treats full-text and SQL syntax in the term as plain text", async () => {
      const store = await open();
      const threadId = await seed(store, [`fix the parser's "quote" & (paren) handling`]);
      await store.updateThreadMetadata({ threadId, patch: { preview: "parser fix" } });
      for (const term of [`'; DROP TABLE threads; --`, `"unbalanced`, `a & | ! <-> b`, `:*`, `-`]) {
        expect((await store.searchThreads({ searchTerm: term })).items).toEqual([]);
      }
      expect((await store.searchThreads({ searchTerm: "(paren" })).items).toHaveLength(1);
      const { items } = await store.searchThreads({ searchTerm: `"quote" & (paren)` });
      expect(items.map((h) => h.snippet)).toEqual([`fix the parser's "[quote]" & ([paren]) handling`]);
    });

    it("finds a word that only a message in the history contains, with a marked snippet", async () => {
      const store = await open();
      const threadId = await seed(store, ["first", "later we discuss the flamingo migration plan"]);
      await store.updateThreadMetadata({ threadId, patch: { preview: "first" } });
      const { items } = await store.searchThreads({ searchTerm: "flamingo" });
      expect(items.map((h) => [h.thread.threadId, h.snippet.includes("[flamingo]")])).toEqual([[threadId, true]]);
    });
  });

  describe("listThreads", () => {
    it("serves the default first page from the created-at list index", async () => {
      await open();
      await sql(
        `INSERT INTO "${schema}".threads (thread_id, preview, model_provider, created_at_ms, updated_at_ms, recency_at_ms,
           cwd, cli_version, source, source_key, memory_mode, history_mode)
         SELECT gen_random_uuid()::text, 'p' || g, 'openai', g, g, g, '/w', '0', '"cli"', 'cli', 'enabled', 'legacy'
         FROM generate_series(1, 5000) g`,
      );
      await sql(`ANALYZE "${schema}".threads`);
      const plan = await sql(
        `EXPLAIN SELECT thread_id FROM "${schema}".threads WHERE archived = false AND list_preview <> ''
         ORDER BY created_at_ms DESC, thread_id DESC LIMIT 51`,
      );
      const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
      expect(text).toMatch(/Index (Only )?Scan Backward using threads_list_created/);
      expect(text).not.toContain("Sort");
    });
  });

  describe("copyThreads", () => {
    it("moves threads from memory to Postgres and back without losing history, metadata, name or archive flag", async () => {
      const memory = new InMemoryThreadStore();
      const a = newThreadId();
      await memory.createThread({ threadId: a, source: "vscode", metadata: META });
      await memory.appendItems({ threadId: a, items: [say("hello"), say("again")] });
      await memory.shutdownThread({ threadId: a });
      await memory.updateThreadMetadata({ threadId: a, patch: { preview: "hello", name: "My thread", gitInfo: { branch: "main" }, tokenUsage: { totalTokens: 42 } } });
      await memory.archiveThread({ threadId: a });
      const pgStore = await open();
      const result = await copyThreads({ from: memory, to: pgStore, threadIds: [a] });
      expect(result).toEqual({ copied: [a], skipped: [], failed: [], faithful: true });
      const original = await memory.readThread({ threadId: a, includeArchived: true, includeHistory: true });
      const copied = await pgStore.readThread({ threadId: a, includeArchived: true, includeHistory: true });
      expect(copied).toEqual(original);

      const back = new InMemoryThreadStore();
      const returned = await copyThreads({ from: pgStore, to: back });
      expect(returned.copied).toEqual([a]);
      expect(returned.faithful).toBe(false);
      const roundTrip = await back.readThread({ threadId: a, includeArchived: true, includeHistory: true });
      // Through the public API the target stamps its own times; recency can only move forward.
      const { archivedAt: _a, recencyAt, ...rest } = roundTrip;
      const { archivedAt: _b, recencyAt: originalRecency, ...expected } = original;
      expect({ ...rest, history: texts(roundTrip.history!) }).toEqual({ ...expected, history: texts(original.history!) });
      expect(recencyAt).toBeGreaterThanOrEqual(originalRecency);
    });

    it("copies Postgres to Postgres byte for byte and skips threads already there", async () => {
      const from = await open();
      const threadId = await seed(from, ["ü \u2028 escaped", "two"]);
      await from.updateThreadMetadata({ threadId, patch: { preview: "ü" } });
      const target = freshSchema("ptt");
      const to = await PostgresThreadStore.open({ connectionString: PG_URL!, schema: target });
      try {
        expect((await copyThreads({ from, to })).copied).toEqual([threadId]);
        expect(await to.loadRawHistory({ threadId })).toEqual(await from.loadRawHistory({ threadId }));
        expect(await copyThreads({ from, to })).toMatchObject({ copied: [], skipped: [threadId] });
      } finally {
        await to.close();
        await dropSchema(target);
      }
    });
  });
});
