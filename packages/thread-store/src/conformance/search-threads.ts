import { describe, expect, it } from "vitest";
import type { RolloutItem, StoredThread } from "@skein/protocol";
import { InvalidRequestError } from "../errors.js";
import type { ThreadStore } from "../thread-store.js";
import type { SearchThreadsParams } from "../types.js";
import { CWD_B, createParams, expectRejects, expectRejectsWith, seedThread, tamper, userTurn } from "./builders.js";
import { isUnsupported, useStore, type ThreadStoreHarness } from "./harness.js";

// searchThreads: content search (docs/search.md). Every rule is checked on results, never only
// on "does not throw"; the local store (SQLite and files-only), the in-memory store and the
// PostgreSQL store must give the same threads.

/** A thread with explicit turns (user text + reply each) and extra items, written as a live session does. */
async function seedTurns(
  store: ThreadStore,
  turns: Array<{ user: string; reply?: string }>,
  options: { extra?: RolloutItem[]; create?: Parameters<typeof createParams>[0]; name?: string; prefix?: RolloutItem[] } = {},
): Promise<StoredThread> {
  const params = createParams(options.create);
  await store.createThread(params);
  await store.persistThread({ threadId: params.threadId });
  if (options.prefix) await store.appendItems({ threadId: params.threadId, items: options.prefix });
  for (const t of turns) await store.appendItems({ threadId: params.threadId, items: userTurn(t.user, t.reply === undefined ? {} : { reply: t.reply }) });
  if (options.extra) await store.appendItems({ threadId: params.threadId, items: options.extra });
  await store.flushThread({ threadId: params.threadId });
  const first = turns[0]?.user ?? "untitled";
  const thread = await store.updateThreadMetadata({
    threadId: params.threadId,
    patch: { preview: first, firstUserMessage: first, ...(options.name ? { name: options.name } : {}) },
  });
  await store.shutdownThread({ threadId: params.threadId });
  return thread;
}

/** Threads that mention nothing searched for, so that searched words are rare (bm25 needs that). */
async function filler(store: ThreadStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await seedTurns(store, [{ user: `plain filler request number ${i}`, reply: "plain filler reply" }]);
}

const ids = async (store: ThreadStore, searchTerm: string, extra: Partial<SearchThreadsParams> = {}) =>
  (await store.searchThreads({ searchTerm, ...extra })).items.map((h) => h.thread.threadId);

const sorted = (values: string[]) => [...values].sort();

/** searchThreads: hits with marked snippets, positions, ranking; the term is always plain text. */
export function searchThreadsContract(harness: ThreadStoreHarness): void {
  describe("searchThreads", () => {
    const store = useStore(harness);

    if (isUnsupported(harness, "searchThreads")) {
      it("is declared unsupported and rejects with UnsupportedOperationError", async () => {
        await expectRejectsWith(store().searchThreads({ searchTerm: "x" }), "unsupported");
      });
      return;
    }

    it("returns the matching threads with a snippet that marks the match [...]", async () => {
      const hit = await seedThread(store(), { messages: ["please refactor the payment gateway module"] });
      await seedThread(store(), { messages: ["write release notes"] });
      const page = await store().searchThreads({ searchTerm: "gateway" });
      expect(page.items.map((h) => h.thread.threadId)).toEqual([hit.threadId]);
      expect(page.items[0]!.snippet).toContain("[gateway]");
    });

    it("finds any message of the thread's history, user or assistant, not only the first", async () => {
      const thread = await seedTurns(store(), [
        { user: "set up the project", reply: "done" },
        { user: "what about the eviction policy?", reply: "LRU with a TTL sweep every minute" },
      ]);
      await filler(store(), 2);
      expect(await ids(store(), "eviction")).toEqual([thread.threadId]);
      expect(await ids(store(), "sweep")).toEqual([thread.threadId]);
      const [hit] = (await store().searchThreads({ searchTerm: "sweep" })).items;
      expect(hit!.matches[0]).toMatchObject({ role: "assistant", snippet: "LRU with a TTL [sweep] every minute" });
    });

    it("says where each hit is: role, turn, time and the position listItems uses", async () => {
      const thread = await seedTurns(store(), [{ user: "first turn", reply: "ok" }, { user: "the kestrel question", reply: "a kestrel answer" }]);
      const [hit] = (await store().searchThreads({ searchTerm: "kestrel" })).items;
      expect(hit!.matches.map((m) => m.role).sort()).toEqual(["assistant", "user"]);
      const items = (await store().listItems({ threadId: thread.threadId, pageSize: 1000 })).items;
      for (const m of hit!.matches) {
        const item = items.find((i) => i.position === m.position);
        expect(JSON.stringify(item?.line.payload)).toContain("kestrel");
        expect(item?.line.type).toBe("event_msg");
        expect(m.turnId).toBe(item?.turnId);
        expect(typeof m.at).toBe("number");
        expect(m.text.slice(m.highlights[0]![0], m.highlights[0]![1]).toLowerCase()).toBe("kestrel");
      }
    });

    it("matches case and diacritics insensitively and marks the text as written", async () => {
      await seedThread(store(), { messages: ["Investigate the FlakyTest in CI at the Café"] });
      const page = await store().searchThreads({ searchTerm: "flakytest cafe" });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.snippet).toContain("[FlakyTest]");
      expect(page.items[0]!.snippet).toContain("[Café]");
    });

    it("ANDs words within one message; a plain word of 3+ letters is a prefix; word* is a prefix; short words are whole", async () => {
      const both = await seedTurns(store(), [{ user: "the eviction policy of the db cache", reply: "ok" }]);
      const split = await seedTurns(store(), [{ user: "evictions happen", reply: "policy unknown" }, { user: "dbx tuning", reply: "ok" }]);
      expect(await ids(store(), "policy eviction")).toEqual([both.threadId]);
      expect(sorted(await ids(store(), "evict"))).toEqual(sorted([both.threadId, split.threadId]));
      expect(sorted(await ids(store(), "evict*"))).toEqual(sorted([both.threadId, split.threadId]));
      expect(await ids(store(), "viction")).toEqual([]);
      expect(await ids(store(), "db")).toEqual([both.threadId]);
      expect(sorted(await ids(store(), "db*"))).toEqual(sorted([both.threadId, split.threadId]));
    });

    it("matches quoted phrases as consecutive whole words", async () => {
      const phrase = await seedTurns(store(), [{ user: "the eviction policy is LRU", reply: "ok" }]);
      await seedTurns(store(), [{ user: "a policy of eviction", reply: "ok" }, { user: "evictions policy", reply: "ok" }]);
      expect(await ids(store(), '"eviction policy"')).toEqual([phrase.threadId]);
      expect(await ids(store(), '"policy is lru"')).toEqual([phrase.threadId]);
    });

    it("ranks threads by their best hit and lists several hits per thread, best first, each text once", async () => {
      await filler(store(), 4);
      const weak = await seedTurns(store(), [{ user: `one mention of zeppelin in a long request ${"with many more words ".repeat(12)}`, reply: "ok" }]);
      const strong = await seedTurns(store(), [{ user: "zeppelin zeppelin", reply: "ok" }, { user: "zeppelin again", reply: "fine" }, { user: "zeppelin again", reply: "same text" }]);
      const page = await store().searchThreads({ searchTerm: "zeppelin" });
      expect(page.items.map((h) => h.thread.threadId)).toEqual([strong.threadId, weak.threadId]);
      expect(page.items[0]!.score).toBeGreaterThan(page.items[1]!.score);
      const snippets = page.items[0]!.matches.map((m) => m.snippet);
      expect(snippets[0]).toBe("[zeppelin] [zeppelin]");
      expect(snippets).toEqual(["[zeppelin] [zeppelin]", "[zeppelin] again"]);
      expect((await store().searchThreads({ searchTerm: "zeppelin", hitsPerThread: 1 })).items[0]!.matches).toHaveLength(1);
    });

    it("sorts by last update on request", async () => {
      const older = await seedThread(store(), { messages: ["marmot marmot marmot"] });
      const newer = await seedThread(store(), { messages: [`a marmot ${"and other words ".repeat(10)}`] });
      expect(await ids(store(), "marmot", { sortKey: "updated" })).toEqual([newer.threadId, older.threadId]);
      expect(await ids(store(), "marmot")).toEqual([older.threadId, newer.threadId]);
    });

    it("matches the thread's name", async () => {
      const thread = await seedThread(store(), { messages: ["unrelated words"], patch: { name: "Quarterly numbers" } });
      const [hit] = (await store().searchThreads({ searchTerm: "quarterly" })).items;
      expect(hit?.thread.threadId).toBe(thread.threadId);
      expect(hit?.matches[0]).toMatchObject({ role: "name", snippet: "[Quarterly] numbers" });
    });

    it("matches tool calls and outputs only with includeTools", async () => {
      const thread = await seedTurns(store(), [{ user: "run the tests", reply: "ran them" }], {
        extra: [
          { type: "response_item", payload: { type: "function_call", name: "exec_command", arguments: '{"cmd":"pnpm test --filter kaleidoscope"}', call_id: "c1" } },
          { type: "response_item", payload: { type: "function_call_output", call_id: "c1", output: "42 passed in quokka suite" } },
        ],
      });
      expect(await ids(store(), "kaleidoscope")).toEqual([]);
      expect(await ids(store(), "quokka")).toEqual([]);
      expect(await ids(store(), "kaleidoscope", { includeTools: true })).toEqual([thread.threadId]);
      const [hit] = (await store().searchThreads({ searchTerm: "quokka", includeTools: true })).items;
      expect(hit?.matches[0]).toMatchObject({ role: "tool", snippet: "42 passed in [quokka] suite" });
    });

    it("returns hits whose summary equals readThread's", async () => {
      const thread = await seedThread(store(), { messages: ["needle in a haystack"], patch: { name: "Named" } });
      const [hit] = (await store().searchThreads({ searchTerm: "needle" })).items;
      expect(hit?.thread).toEqual(await store().readThread({ threadId: thread.threadId }));
    });

    it("rejects an empty or blank search term with InvalidRequestError", async () => {
      await expectRejects(store().searchThreads({ searchTerm: "" }), new InvalidRequestError("searchThreads requires a searchTerm"));
      await expectRejects(store().searchThreads({ searchTerm: "   " }), new InvalidRequestError("searchThreads requires a searchTerm"));
    });

    it("treats FTS, LIKE and SQL syntax, quotes and 10,000 characters as plain text", async () => {
      const literal = await seedThread(store(), { messages: ['grep for 100%_done OR "quoted" NEAR(x) col:val -z ^y here'] });
      const ordinary = await seedThread(store(), { messages: ["an ordinary thread about done things"] });
      const cases: Array<[string, string[]]> = [
        ["100%_done", [literal.threadId]],
        ['OR "quoted" *', [literal.threadId]],
        ["NEAR(x)", [literal.threadId]],
        ["col:val", [literal.threadId]],
        ["-z ^y", [literal.threadId]],
        ["done", sorted([literal.threadId, ordinary.threadId])],
        ["'; DROP TABLE threads; --", []],
        ["NEAR(a b)", []],
        ['"unbalanced', []],
        ["%", []],
        ["*", []],
        ['"', []],
        ["a".repeat(10_000), []],
        ['"*(:^-'.repeat(1_666), []],
        [`done ${"(z) ".repeat(2_496)}`, [literal.threadId]],
      ];
      for (const [term, expected] of cases) {
        const found = sorted(await ids(store(), term));
        expect({ term: term.slice(0, 40), found }).toEqual({ term: term.slice(0, 40), found: expected });
      }
      await expectRejectsWith(store().searchThreads({ searchTerm: Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ") }), "invalid_request", "terms");
      expect((await store().listThreads({})).items).toHaveLength(2);
    });

    it("searches the active collection unless archived is set, and applies the list filters", async () => {
      const archived = await seedThread(store(), { messages: ["archived needle"] });
      const active = await seedThread(store(), { messages: ["active needle"], create: { metadata: { cwd: CWD_B, modelProvider: "mockprov" }, source: "exec" } });
      await store().archiveThread({ threadId: archived.threadId });
      expect(await ids(store(), "needle")).toEqual([active.threadId]);
      expect(await ids(store(), "needle", { archived: true })).toEqual([archived.threadId]);
      expect(await ids(store(), "needle", { cwdFilters: [CWD_B], sources: ["exec"], modelProviders: ["mockprov"] })).toEqual([active.threadId]);
      expect(await ids(store(), "needle", { cwdFilters: [] })).toEqual([]);
      expect(await ids(store(), "needle", { sources: ["vscode"] })).toEqual([]);
      expect(await ids(store(), "needle", { modelProviders: ["openai"] })).toEqual([]);
    });

    it("finds what a resumed thread appended after it was indexed", async () => {
      const thread = await seedThread(store(), { messages: ["first words"] });
      expect(await ids(store(), "pangolin")).toEqual([]);
      await store().resumeThread({ threadId: thread.threadId, metadata: { cwd: thread.cwd, modelProvider: thread.modelProvider } });
      await store().appendItems({ threadId: thread.threadId, items: userTurn("now about the pangolin") });
      await store().flushThread({ threadId: thread.threadId });
      expect(await ids(store(), "pangolin")).toEqual([thread.threadId]);
      await store().shutdownThread({ threadId: thread.threadId });
      expect(await ids(store(), "pangolin")).toEqual([thread.threadId]);
    });

    it("finds a fork's inherited history once, in the thread that said it", async () => {
      const parent = await seedTurns(store(), [{ user: "inherited wombat question", reply: "inherited wombat answer" }]);
      // A fork that copies its parent's history (as ThreadManager.forkThread and legacy Codex forks do).
      const history = (await store().loadHistory({ threadId: parent.threadId })).items.slice(1).map(({ type, payload }) => ({ type, payload }) as RolloutItem);
      const fork = await seedTurns(store(), [{ user: "own ocelot followup", reply: "ok" }], { prefix: history, create: { forkedFromId: parent.threadId } });
      expect(await ids(store(), "wombat")).toEqual([parent.threadId]);
      expect(await ids(store(), "ocelot")).toEqual([fork.threadId]);
    });

    it("pages through every hit exactly once, in either order", async () => {
      const all: string[] = [];
      for (let i = 0; i < 5; i++) all.push((await seedThread(store(), { messages: [`paged needle ${"x ".repeat(i)}`] })).threadId);
      for (const sortKey of ["relevance", "updated"] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store().searchThreads({ searchTerm: "needle", pageSize: 2, sortKey, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((h) => h.thread.threadId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(sorted(seen)).toEqual(sorted(all));
      }
    });

    it("rejects a tampered cursor or one from another term with InvalidRequestError", async () => {
      for (let i = 0; i < 3; i++) await seedThread(store(), { messages: [`cursor needle ${i}`] });
      const { nextCursor } = await store().searchThreads({ searchTerm: "needle", pageSize: 1 });
      await expectRejectsWith(store().searchThreads({ searchTerm: "needle", pageSize: 1, cursor: tamper(nextCursor!) }), "invalid_request", "invalid cursor: ");
      await expectRejectsWith(store().searchThreads({ searchTerm: "cursor", pageSize: 1, cursor: nextCursor! }), "invalid_request", "invalid cursor: ");
    });
  });
}
