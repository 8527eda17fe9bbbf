import { existsSync, renameSync, rmSync, writeFileSync, mkdirSync, appendFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";
import type { LocalThreadStore } from "../src/index.js";

async function seed(store: LocalThreadStore, text: string, name?: string) {
  const p = createParams();
  await store.createThread(p);
  await store.appendItems({ threadId: p.threadId, items: userTurn(text) });
  await store.shutdownThread({ threadId: p.threadId });
  return store.updateThreadMetadata({ threadId: p.threadId, patch: { preview: text, ...(name ? { name } : {}) } });
}

describe("LocalThreadStore index maintenance", () => {
  let h: LocalHome;
  beforeEach(() => {
    h = localHome();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("rebuilds the index from the JSONL after the DB file is deleted", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha", "Alpha name");
    const b = await seed(store, "beta");
    await store.close();
    rmSync(store.stateDbPath, { force: true });
    rmSync(`${store.stateDbPath}-wal`, { force: true });
    rmSync(`${store.stateDbPath}-shm`, { force: true });
    const reopened = await h.open();
    const items = (await reopened.listThreads({})).items;
    expect(items.map((t) => [t.threadId, t.name]).sort()).toEqual([[a.threadId, "Alpha name"], [b.threadId, undefined]].sort());
  });

  it("moves a corrupt DB aside and rebuilds", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha");
    await store.close();
    writeFileSync(store.stateDbPath, Buffer.alloc(8192, 0x41));
    rmSync(`${store.stateDbPath}-wal`, { force: true });
    const reopened = await h.open();
    expect(reopened.recovered?.movedTo).toMatch(/skein_state_1\.sqlite\.corrupt-/);
    expect(existsSync(reopened.recovered!.movedTo)).toBe(true);
    expect((await reopened.listThreads({})).items.map((t) => t.threadId)).toEqual([a.threadId]);
  });

  it("reindex re-extracts only changed files and reports bad ones without failing", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha");
    await seed(store, "beta");
    const first = await store.reindex();
    expect(first).toMatchObject({ scanned: 2, unreadable: 0 });
    appendFileSync(a.rolloutPath!, `${JSON.stringify({ timestamp: new Date().toISOString(), type: "event_msg", payload: { type: "agent_message", message: "more" } })}\n`);
    const bad = join(h.home, "sessions", "2020", "01", "02");
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, "rollout-2020-01-02T03-04-05-01a2143c-0000-7000-8000-000000000001.jsonl"), "not json\n");
    const progress: number[] = [];
    const second = await store.reindex({ onProgress: (p) => progress.push(p.scanned) });
    expect(second).toMatchObject({ scanned: 3, indexed: 1, changed: 1, unchanged: 1, unreadable: 1, added: 0 });
    expect(second.problems).toEqual([{ path: expect.stringContaining("000000000001"), threadId: "01a2143c-0000-7000-8000-000000000001", reason: "no valid session_meta line" }]);
    expect(progress.at(-1)).toBe(3);
  });

  it("falls back to the files when a row's path is stale, and repairs the row", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha");
    await store.close();
    // Codex archived the file behind our back.
    const dest = join(h.home, "archived_sessions", basename(a.rolloutPath!));
    mkdirSync(join(h.home, "archived_sessions"), { recursive: true });
    renameSync(a.rolloutPath!, dest);
    const reopened = await h.open({ catchUp: "none" });
    const t = await reopened.readThread({ threadId: a.threadId, includeArchived: true, includeHistory: true });
    expect(t.rolloutPath).toBe(dest);
    expect(t.archived).toBe(true);
    expect((await reopened.listThreads({ archived: true })).items.map((x) => x.threadId)).toEqual([a.threadId]);
  });

  it("drops a row whose file vanished from lists instead of showing a broken entry", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha");
    const b = await seed(store, "beta");
    rmSync(a.rolloutPath!);
    expect((await store.listThreads({})).items.map((t) => t.threadId)).toEqual([b.threadId]);
    const check = await store.checkHome();
    expect(check.ok).toBe(true);
  });

  it("quick catch-up on open indexes files another process added", async () => {
    const store = await h.open();
    await seed(store, "alpha");
    const other = await h.open({ index: "none" });
    const c = await seed(other, "gamma");
    await other.close();
    await store.close();
    const reopened = await h.open();
    expect((await reopened.listThreads({})).items.map((t) => t.threadId)).toContain(c.threadId);
  });

  it("checkHome reports unindexed files, torn tails and unreadable lines with byte positions", async () => {
    const store = await h.open();
    const a = await seed(store, "alpha");
    appendFileSync(a.rolloutPath!, "garbage line\n{\"torn\":");
    const check = await store.checkHome();
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => p.kind).sort()).toEqual(["torn_tail", "unreadable_lines"]);
    expect(check.problems.find((p) => p.kind === "unreadable_lines")!.detail).toMatch(/^\d+ unreadable line\(s\) at byte \d+$/);
    expect(check.counts).toMatchObject({ files: 1, indexedThreads: 1 });
  });
});
