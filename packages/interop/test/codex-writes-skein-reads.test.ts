import { loadThreadHistory, readRollout, scanRolloutFiles } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_THREAD_SOURCE_KINDS, CodexRunner } from "../src/index.js";
import { buildCodexScenario, LOOKUP_TOOL, SCENARIO_NAMES, type CodexScenarioIds } from "./support/codex-home-scenario.js";
import { byId, codexConversation, collectCodexTruth, rolloutConversation, type CodexTruth } from "./support/views.js";
import { cliSkipReason, skeinJson } from "./support/skein-cli.js";
import { openSkeinStore, skeinThreadViews, storeSkipReason } from "./support/skein-store.js";

interface CliThread {
  id: string;
  name: string | null;
  archived: boolean;
  forkedFromId: string | null;
}

// Issue 7, part 1: the real Codex builds a home; Skein must see exactly what Codex sees.
describe("Codex writes, Skein reads", () => {
  let codex: CodexRunner;
  let ids: CodexScenarioIds;
  let truth: CodexTruth;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    const builder = await codex.appServer();
    ids = await buildCodexScenario(codex, builder);
    await builder.close();
    // A fresh app-server process answers from disk, not from what the builder had loaded.
    const reader = await codex.appServer();
    truth = await collectCodexTruth(reader);
    await reader.close();
  }, 300_000); // about 15 Codex processes, each with a 60 s deadline: far above the 120 s default under load
  afterAll(async () => {
    await codex?.close();
  });

  async function codexSearch(term: string, archived: boolean): Promise<string[]> {
    const app = await codex.appServer();
    try {
      return (await app.listThreads({ searchTerm: term, archived })).map((t) => t.id);
    } finally {
      await app.close();
    }
  }

  describe("Codex's own answers (the reference)", () => {
    it("lists every surviving thread once; the archived one only with archived: true", () => {
      const active = truth.listed.map((t) => t.id).sort();
      const archived = truth.listedArchived.map((t) => t.id);
      expect(archived).toEqual([ids.archived]);
      expect(active).toEqual(
        [ids.plain, ids.tool, ids.fork, ids.unarchived, ids.appPaginated, ids.appLegacy].sort(),
      );
    });

    it("reports the fork parent only in thread/read, never in thread/list", () => {
      expect(truth.listed.find((t) => t.id === ids.fork)?.forkedFromId).toBeNull();
      expect(truth.threads.get(ids.fork)?.forkedFromId).toBe(ids.plain);
    });

    it("keeps the last of two renames", () => {
      expect(truth.threads.get(ids.plain)?.name).toBe(SCENARIO_NAMES.plain);
    });
  });

  describe("the Skein rollout reader", () => {
    it("finds the same threads with the same archived flags", async () => {
      const files = await scanRolloutFiles(codex.codexHome);
      expect(byId(files.map((f) => ({ id: f.threadId, archived: f.archived })))).toEqual(
        byId([...truth.threads.values()].map((t) => ({ id: t.id, archived: t.archived }))),
      );
    });

    it("parses every line of every rollout Codex wrote", async () => {
      for (const file of await scanRolloutFiles(codex.codexHome)) {
        const read = await readRollout(file.path);
        expect({ path: file.path, parseErrors: read.parseErrors, badLines: read.badLines, tornTail: read.tornTail }).toEqual({
          path: file.path,
          parseErrors: 0,
          badLines: [],
          tornTail: undefined,
        });
      }
    });

    it("reads every fork parent from session_meta as Codex's thread/read reports it", async () => {
      for (const file of await scanRolloutFiles(codex.codexHome)) {
        const { meta } = await readRollout(file.path);
        expect({ id: file.threadId, forkedFromId: meta?.forked_from_id ?? undefined }).toEqual({
          id: file.threadId,
          forkedFromId: truth.threads.get(file.threadId)?.forkedFromId,
        });
      }
    });

    it("reads every thread's conversation as Codex's thread/read does, a paginated fork with its parent's prefix", async () => {
      for (const file of await scanRolloutFiles(codex.codexHome)) {
        const history = await loadThreadHistory({ home: codex.codexHome, path: file.path });
        expect({ id: file.threadId, conversation: rolloutConversation(history.lines) }).toEqual({
          id: file.threadId,
          conversation: codexConversation(truth.reads.get(file.threadId)!),
        });
      }
    });

    it("reads the fork as parent prefix (two turns) followed by its own turn", async () => {
      const file = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === ids.fork)!;
      const history = await loadThreadHistory({ home: codex.codexHome, path: file.path });
      expect(rolloutConversation(history.lines).filter((m) => m.role === "user").map((m) => m.text)).toEqual([
        "say hi",
        "again",
        "forked: say hi from the fork",
      ]);
      expect(history.segments.map((s) => s.threadId)).toEqual([ids.plain, ids.fork]);
    });

    it("reads the dynamic tool of the app-server threads from session_meta", async () => {
      for (const id of [ids.appPaginated, ids.appLegacy]) {
        const file = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === id)!;
        const { meta } = await readRollout(file.path);
        expect(meta?.dynamic_tools?.map((t) => (t as { name?: string }).name)).toEqual([LOOKUP_TOOL.name]);
      }
    });

    it("no longer finds the deleted thread", async () => {
      const files = await scanRolloutFiles(codex.codexHome);
      expect(files.map((f) => f.threadId)).not.toContain(ids.deleted);
    });
  });

  describe.skipIf(storeSkipReason)("LocalThreadStore with its SQLite index", () => {
    it("lists the same threads with the same names (last rename wins), archived flags and fork parents", async () => {
      await using store = await openSkeinStore(codex.codexHome);
      expect(byId(await skeinThreadViews(store))).toEqual(byId(truth.threads.values()));
    });

    it("reads a paginated fork with history: its parent's prefix, then its own turn", async () => {
      await using store = await openSkeinStore(codex.codexHome);
      const record = await store.readThread({ threadId: ids.fork, includeHistory: true });
      expect(record.forkedFromId).toBe(ids.plain);
      expect(rolloutConversation(record.history ?? [])).toEqual(codexConversation(truth.reads.get(ids.fork)!));
    });

    it("reads the archived thread only when archived threads are included", async () => {
      await using store = await openSkeinStore(codex.codexHome);
      const record = await store.readThread({ threadId: ids.archived, includeArchived: true });
      expect(record.archived).toBe(true);
    });

    it("does not know the deleted thread", async () => {
      await using store = await openSkeinStore(codex.codexHome);
      await expect(store.readThread({ threadId: ids.deleted, includeArchived: true })).rejects.toMatchObject({
        code: "thread_not_found",
      });
    });

    // Codex's searchTerm matches names and first user messages; these terms occur nowhere else,
    // so Skein's search (which also reads later messages) must find exactly the same threads.
    it.each(["say hi", "renamed", "archived", "mock_lookup"])("searches %j like Codex's thread/list searchTerm", async (term) => {
      await using store = await openSkeinStore(codex.codexHome);
      for (const archived of [false, true]) {
        const page = await store.searchThreads({ searchTerm: term, archived, pageSize: 100 });
        const codexHits = await codexSearch(term, archived);
        expect({ archived, hits: page.items.map((hit) => hit.thread.threadId).sort() }).toEqual({ archived, hits: codexHits.sort() });
      }
    });
  });

  // Issue 14: Codex's app-server `thread/search` scans the rollout bytes (ripgrep); Skein's
  // content search reads its message index. For words of the conversation, every thread Codex
  // finds must be among Skein's hits (Skein may find more: prefixes, other collections).
  describe("content search against Codex's thread/search", () => {
    async function codexContentSearch(term: string): Promise<string[]> {
      const app = await codex.appServer();
      try {
        type Hit = { id?: string; threadId?: string; thread?: { id?: string } };
        const result = await app.request<{ data?: Hit[] }>("thread/search", { searchTerm: term, limit: 100, sourceKinds: ALL_THREAD_SOURCE_KINDS });
        const ids = (result.data ?? []).map((t) => t.thread?.id ?? t.threadId ?? t.id);
        expect(ids.every((id) => typeof id === "string"), JSON.stringify(result.data?.[0] ?? {}).slice(0, 300)).toBe(true);
        return ids as string[];
      } finally {
        await app.close();
      }
    }

    it.each(["say hi", "again", "resumed by name", "please run a command", "restored", "paginated app-server thread"])(
      "every thread Codex's thread/search finds for %j is among Skein's hits",
      async (term) => {
        const codexHits = await codexContentSearch(term);
        expect(codexHits.length, `Codex finds ${term}`).toBeGreaterThan(0);
        await using store = await openSkeinStore(codex.codexHome);
        const skein: string[] = [];
        for (const archived of [false, true]) {
          const page = await store.searchThreads({ searchTerm: term, archived, pageSize: 100 });
          skein.push(...page.items.map((hit) => hit.thread.threadId));
        }
        expect(skein).toEqual(expect.arrayContaining(codexHits));
      },
    );
  });

  describe.skipIf(cliSkipReason)("the skein CLI (packages/cli/dist/bin.js)", () => {
    it("lists the same threads with the same names, archived flags and fork parents", async () => {
      const active = await skeinJson<{ items: CliThread[] }>(codex.codexHome, ["list", "--all", "--json"]);
      const archived = await skeinJson<{ items: CliThread[] }>(codex.codexHome, ["list", "--archived", "--all", "--json"]);
      const views = [...active.items, ...archived.items].map((t) => ({
        id: t.id,
        name: t.name ?? undefined,
        archived: t.archived,
        forkedFromId: t.forkedFromId ?? undefined,
      }));
      expect(byId(views)).toEqual(byId(truth.threads.values()));
    });

    it("shows a paginated fork with its items: the parent's prefix, then its own turn", async () => {
      const shown = await skeinJson<{ id: string; items: Array<{ type: string; payload?: unknown }> }>(codex.codexHome, [
        "show",
        ids.fork,
        "--items",
        "--json",
      ]);
      expect(rolloutConversation(shown.items)).toEqual(codexConversation(truth.reads.get(ids.fork)!));
    });

    it("resolves a thread by its last name like codex exec resume does", async () => {
      const shown = await skeinJson<{ id: string }>(codex.codexHome, ["show", SCENARIO_NAMES.plain, "--json"]);
      expect(shown.id).toBe(ids.plain);
    });

    it("searches like Codex's thread/list searchTerm", async () => {
      const found = await skeinJson<{ items: Array<{ id: string }> }>(codex.codexHome, ["search", "say hi", "--json"]);
      expect(found.items.map((t) => t.id).sort()).toEqual((await codexSearch("say hi", false)).sort());
    });
  });
});
