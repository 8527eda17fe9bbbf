import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { codexFixtureIds, extractCodexHome, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, InvalidRequestError, LocalThreadStore, type ImportThreadParams } from "../src/index.js";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";

// loadRawHistory / importThread / listThreadIds: the optional methods copyThreads uses for a
// byte-faithful copy between stores. Checked against the bytes Codex wrote in fixture home 2.

/** Every rollout file under a home, by file name → its exact non-blank lines. */
function rolloutTexts(home: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/^rollout-.*\.jsonl$/.test(e.name)) out.set(p.slice(home.length), readFileSync(p, "utf8").split("\n").filter((l) => l.trim() !== ""));
    }
  };
  visit(join(home, "sessions"));
  visit(join(home, "archived_sessions"));
  return out;
}

/** What `copyThreads` passes: the summary plus the history zipped with the raw lines. */
async function exportParams(store: LocalThreadStore, threadId: string): Promise<ImportThreadParams> {
  const { history = [], ...thread } = await store.readThread({ threadId, includeArchived: true, includeHistory: true });
  const raw = await store.loadRawHistory({ threadId, includeArchived: true });
  return { thread, lines: history.map((line, i) => ({ line, raw: raw[i]! })) };
}

describe("LocalThreadStore whole-thread copy on a Codex home", () => {
  let codex: TempDir;
  let source: LocalThreadStore;
  let target: LocalHome;
  const ids = codexFixtureIds(2);

  beforeEach(async () => {
    codex = extractCodexHome("codexhome2");
    source = await LocalThreadStore.open({ home: codex.path });
    target = localHome();
  });
  afterEach(async () => {
    await source.close();
    await target.cleanup();
    codex.cleanup();
  });

  describe("loadRawHistory", () => {
    it("returns a thread's own file lines exactly", async () => {
      const { rolloutPath } = await source.readThread({ threadId: ids["T_A"]! });
      const file = readFileSync(rolloutPath!, "utf8").split("\n").filter((l) => l !== "");
      expect(await source.loadRawHistory({ threadId: ids["T_A"]! })).toEqual(file);
    });

    it("returns a paginated fork's parent prefix then its own lines, aligned with loadHistory", async () => {
      const threadId = ids["T_C"]!;
      const raw = await source.loadRawHistory({ threadId });
      const { items } = await source.loadHistory({ threadId });
      expect(raw.map((text) => JSON.parse(text).type)).toEqual(items.map((item) => item.type));
      const own = readFileSync((await source.readThread({ threadId })).rolloutPath!, "utf8").split("\n").filter((l) => l !== "");
      expect(raw.length).toBeGreaterThan(own.length);
      expect(raw.slice(raw.length - own.length)).toEqual(own);
    });

    it("rejects an archived thread unless includeArchived", async () => {
      await expect(source.loadRawHistory({ threadId: ids["T_B"]! })).rejects.toThrow(InvalidRequestError);
      expect((await source.loadRawHistory({ threadId: ids["T_B"]!, includeArchived: true })).length).toBeGreaterThan(0);
    });
  });

  describe("listThreadIds", () => {
    it("lists every rollout, archived included, parents before their forks", async () => {
      const listed = await source.listThreadIds();
      const expected = ["T_A", "T_B", "T_C", "T_D", "T_L", "T_P", "T_F"].map((k) => ids[k]!);
      expect([...listed].sort()).toEqual([...expected].sort());
      expect(listed.indexOf(ids["T_A"]!)).toBeLessThan(listed.indexOf(ids["T_C"]!));
      expect(listed.indexOf(ids["T_A"]!)).toBeLessThan(listed.indexOf(ids["T_F"]!));
    });
  });

  describe("importThread", () => {
    it("copies every thread of a Codex home byte for byte, under the same relative paths", async () => {
      const into = await target.open();
      for (const threadId of await source.listThreadIds()) await into.importThread(await exportParams(source, threadId));
      expect(rolloutTexts(target.home)).toEqual(rolloutTexts(codex.path));
    });

    it("keeps the summary: name, archived flag, fork parent, times", async () => {
      const into = await target.open();
      for (const threadId of await source.listThreadIds()) await into.importThread(await exportParams(source, threadId));
      for (const threadId of await source.listThreadIds()) {
        const { rolloutPath: _a, indexedAtMs: _b, ...before } = (await source.readThread({ threadId, includeArchived: true })) as Record<string, unknown>;
        const { rolloutPath: _c, indexedAtMs: _d, ...after } = (await into.readThread({ threadId, includeArchived: true })) as Record<string, unknown>;
        expect(after).toEqual(before);
      }
    });

    it("keeps the summary after the target is reopened with a full reindex", async () => {
      const into = await target.open();
      for (const threadId of await source.listThreadIds()) await into.importThread(await exportParams(source, threadId));
      await into.close();
      const reopened = await target.open({ catchUp: "full" });
      const threadId = ids["T_A"]!;
      const before = await source.readThread({ threadId });
      const after = await reopened.readThread({ threadId });
      expect({ name: after.name, updatedAt: after.updatedAt, preview: after.preview }).toEqual({ name: before.name, updatedAt: before.updatedAt, preview: before.preview });
    });

    it("writes the name to session_index.jsonl", async () => {
      const into = await target.open();
      await into.importThread(await exportParams(source, ids["T_A"]!));
      const entries = readFileSync(join(target.home, "session_index.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(entries.map((e) => [e.id, e.thread_name])).toEqual([[ids["T_A"], "Named paginated thread"]]);
    });

    it("puts an archived thread in archived_sessions/", async () => {
      const into = await target.open();
      await into.importThread(await exportParams(source, ids["T_B"]!));
      const { rolloutPath, archived } = await into.readThread({ threadId: ids["T_B"]!, includeArchived: true });
      expect(archived).toBe(true);
      expect(rolloutPath).toBe(join(target.home, "archived_sessions", basename(rolloutPath!)));
    });

    it("refuses a thread that already exists with ConflictError and leaves it untouched", async () => {
      const into = await target.open();
      const params = await exportParams(source, ids["T_A"]!);
      await into.importThread(params);
      const path = (await into.readThread({ threadId: ids["T_A"]! })).rolloutPath!;
      const before = readFileSync(path);
      await expect(into.importThread(params)).rejects.toThrow(new ConflictError(`thread ${ids["T_A"]} already exists`));
      expect(readFileSync(path)).toEqual(before);
    });

    it("refuses a fork whose parent is not in the home, writing nothing", async () => {
      const into = await target.open();
      await expect(into.importThread(await exportParams(source, ids["T_C"]!))).rejects.toThrow(
        new InvalidRequestError(`cannot import fork ${ids["T_C"]}: its parent ${ids["T_A"]} is not in ${target.home}; import the parent first`),
      );
      expect(rolloutTexts(target.home).size).toBe(0);
    });

    it("sets the file's mtime to the thread's updatedAt", async () => {
      const into = await target.open();
      const params = await exportParams(source, ids["T_D"]!);
      await into.importThread(params);
      const { rolloutPath } = await into.readThread({ threadId: ids["T_D"]! });
      // utimes takes seconds as a double: 1796542464.734 s comes back as …464733.99… ms, so round.
      expect(Math.round(statSync(rolloutPath!).mtimeMs)).toBe(params.thread.updatedAt);
    });
  });
});

describe("LocalThreadStore whole-thread copy on Skein-made threads", () => {
  let home: LocalHome;
  beforeEach(() => {
    home = localHome();
  });
  afterEach(async () => {
    await home.cleanup();
  });

  it("listThreadIds includes a thread with an empty preview, which listThreads hides", async () => {
    const store = await home.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: [{ type: "event_msg", payload: { type: "task_started", turn_id: "t" } }] });
    await store.shutdownThread({ threadId: params.threadId });
    expect((await store.listThreads({ pageSize: 10 })).items).toEqual([]);
    expect(await store.listThreadIds()).toEqual([params.threadId]);
  });

  it("importThread writes JSON.stringify(line) for lines without raw text", async () => {
    const store = await home.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: userTurn("hello") });
    await store.shutdownThread({ threadId: params.threadId });
    const { history = [], ...thread } = await store.readThread({ threadId: params.threadId, includeHistory: true });
    const other = localHome();
    try {
      const into = await other.open();
      await into.importThread({ thread, lines: history.map((line) => ({ line })) });
      expect(await into.loadRawHistory({ threadId: params.threadId })).toEqual(history.map((line) => JSON.stringify(line)));
    } finally {
      await other.cleanup();
    }
  });

  it("importThread rejects a history without the thread's own session_meta", async () => {
    const store = await home.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: userTurn("hello") });
    await store.shutdownThread({ threadId: params.threadId });
    const { history = [], ...thread } = await store.readThread({ threadId: params.threadId, includeHistory: true });
    await store.deleteThread({ threadId: params.threadId });
    await expect(store.importThread({ thread, lines: history.slice(1).map((line) => ({ line })) })).rejects.toThrow(
      new InvalidRequestError(`cannot import thread ${params.threadId}: its history has no session_meta of its own`),
    );
  });
});
