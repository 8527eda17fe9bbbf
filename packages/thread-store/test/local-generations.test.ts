import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compressRolloutFile } from "@skein/rollout";
import { InvalidRequestError, type LocalThreadStore } from "../src/index.js";
import { IDS, writeMixedHome } from "./fixtures/generations-home.js";
import { listAllThreads, localHome, type LocalHome } from "./local-helpers.js";

// Every generation and form Codex leaves in a home, through the local store: plain and `.jsonl.zst`
// rollouts (a plain file hiding its compressed sibling), odd session_meta field types, and the
// read-only 2025 generation. With and without the SQLite index.


for (const index of [true, false]) {
  describe(`a home of every generation (${index ? "indexed" : "files only"})`, () => {
    let home: LocalHome;
    let paths: Awaited<ReturnType<typeof writeMixedHome>>;
    let store: LocalThreadStore;
    beforeEach(async () => {
      home = localHome();
      paths = await writeMixedHome(home.home);
      store = await home.open(index ? {} : { index: "none" });
    });
    afterEach(() => home.cleanup());

    it("lists every thread with its preview, cwd and times", async () => {
      const active = await listAllThreads(store, false);
      const byId = new Map(active.map((t) => [t.threadId, t]));
      expect([...byId.keys()].sort()).toEqual([IDS.plain, IDS.compressed, IDS.both, IDS.odd, IDS.old, IDS.oldZst].sort());
      expect(byId.get(IDS.compressed)).toMatchObject({ preview: "compressed question 0", cwd: "/repo", rolloutPath: paths.compressed });
      expect(byId.get(IDS.both)).toMatchObject({ preview: "plain wins", rolloutPath: paths.both });
      expect(byId.get(IDS.odd)).toMatchObject({ preview: "odd fields still list", modelProvider: "openai" });
      expect(byId.get(IDS.old)).toMatchObject({ preview: "why does the build fail?", cwd: "/home/me/project", createdAt: Date.parse("2025-05-07T17:24:21.123Z") });
      expect(byId.get(IDS.oldZst)).toMatchObject({ preview: "port the parser to rust", cwd: "/src/parser" });
      const archived = await listAllThreads(store, true);
      expect(archived.map((t) => [t.threadId, t.preview])).toEqual([[IDS.archivedZst, "archived and compressed"]]);
    });

    it("is healthy for doctor: every file of every generation reads", async () => {
      await listAllThreads(store, false);
      const report = await store.checkHome();
      expect(report.problems).toEqual([]);
      expect(report.counts.files).toBe(7);
    });

    it("shows the full history of a compressed thread and of a 2025 thread", async () => {
      const zst = await store.readThread({ threadId: IDS.compressed, includeHistory: true });
      expect(zst.history).toHaveLength(1 + 12 * 6);
      const old = await store.loadHistory({ threadId: IDS.oldZst });
      expect(old.items.map((l) => (l.type === "response_item" ? (l.payload as { type: string }).type : l.type))).toEqual([
        "session_meta", "state", "message", "message", "message", "reasoning", "function_call", "function_call_output", "message", "state",
      ]);
    });

    it("pages the turns and items of a compressed thread", async () => {
      const first = await store.listTurns({ threadId: IDS.compressed, pageSize: 5 });
      expect(first.items).toHaveLength(5);
      const rest = await store.listTurns({ threadId: IDS.compressed, pageSize: 50, cursor: first.nextCursor! });
      expect(rest.items).toHaveLength(7);
      const last = await store.listItems({ threadId: IDS.compressed, pageSize: 3, sortDirection: "desc" });
      const history = (await store.loadHistory({ threadId: IDS.compressed })).items;
      expect(last.items.map((i) => i.position)).toEqual([72, 71, 70]);
      expect(last.items.map((i) => i.line)).toEqual([history[72], history[71], history[70]]);
    });

    it("finds compressed and 2025 threads by search", async () => {
      const hits = await store.searchThreads({ searchTerm: "compressed question" });
      expect(hits.items.map((h) => h.thread.threadId)).toContain(IDS.compressed);
      const old = await store.searchThreads({ searchTerm: "build fail" });
      expect(old.items.map((h) => h.thread.threadId)).toEqual([IDS.old]);
    });

    it("moves both forms on archive and unarchive, removes both on delete", async () => {
      await store.archiveThread({ threadId: IDS.both });
      const archivedDir = join(home.home, "archived_sessions");
      expect(readdirSync(archivedDir).filter((n) => n.includes(IDS.both)).sort()).toEqual([
        `rollout-2026-01-03T10-00-00-${IDS.both}.jsonl`,
        `rollout-2026-01-03T10-00-00-${IDS.both}.jsonl.zst`,
      ]);
      expect(existsSync(paths.both)).toBe(false);
      expect(existsSync(`${paths.both}.zst`)).toBe(false);
      await store.unarchiveThread({ threadId: IDS.both });
      expect(existsSync(paths.both) && existsSync(`${paths.both}.zst`)).toBe(true);
      await store.archiveThread({ threadId: IDS.compressed });
      expect((await store.readThread({ threadId: IDS.compressed, includeArchived: true })).rolloutPath).toBe(
        join(archivedDir, `rollout-2026-01-02T10-00-00-${IDS.compressed}.jsonl.zst`),
      );
      await store.deleteThread({ threadId: IDS.both });
      expect(existsSync(paths.both) || existsSync(`${paths.both}.zst`)).toBe(false);
    });

    it("restores the plain file before appending to a compressed thread (no .zst left, history kept)", async () => {
      const before = (await store.loadHistory({ threadId: IDS.compressed })).items.length;
      await store.resumeThread({ threadId: IDS.compressed, metadata: { cwd: "/repo", modelProvider: "openai" } });
      await store.appendItems({ threadId: IDS.compressed, items: [{ type: "event_msg", payload: { type: "user_message", message: "one more", images: [] } }] });
      await store.shutdownThread({ threadId: IDS.compressed });
      const plain = paths.compressed.slice(0, -".zst".length);
      expect(existsSync(paths.compressed)).toBe(false);
      expect(readFileSync(plain, "utf8").trimEnd().split("\n")).toHaveLength(before + 1);
      const thread = await store.readThread({ threadId: IDS.compressed, includeHistory: true });
      expect(thread.rolloutPath).toBe(plain);
      expect(thread.history).toHaveLength(before + 1);
    });

    it("refuses to resume a 2025-generation thread with a clear error, leaving the file untouched", async () => {
      const bytes = readFileSync(paths.old);
      const attempt = store.resumeThread({ threadId: IDS.old, metadata: { cwd: "/repo", modelProvider: "openai" } });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(store.resumeThread({ threadId: IDS.old, metadata: { cwd: "/repo", modelProvider: "openai" } })).rejects.toThrow(/2025 generation, which is read-only: fork it/);
      expect(readFileSync(paths.old).equals(bytes)).toBe(true);
    });

    it("keeps listing a thread whose file Codex compresses later (reindex)", async () => {
      await listAllThreads(store, false);
      const compressed = await compressRolloutFile(paths.plain);
      expect(compressed.outcome).toBe("compressed");
      if (index) await store.reindex();
      const thread = await store.readThread({ threadId: IDS.plain, includeHistory: true });
      expect(thread).toMatchObject({ preview: "a plain thread", rolloutPath: `${paths.plain}.zst` });
      expect(thread.history).toHaveLength(7);
    });
  });
}
