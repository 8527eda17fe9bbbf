import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ScriptedModel, ThreadManager } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { warmLargeRollouts } from "../../src/serve/item-index-warmer.js";
import { startViewerServer } from "../../src/serve/viewer-server.js";

// A huge thread's first opening must not wait for its item index: `skein serve` builds the
// indexes of large rollouts in the background when it starts (docs/viewer.md, "Huge threads").

const ITEM_INDEX_DIR = join(".skein", "cache", "item-index");

describe("skein serve: item indexes of large rollouts are built ahead of their opening", () => {
  let dir: TempDir;
  let store: LocalThreadStore;
  let big: string;
  let small: string;

  beforeEach(async () => {
    dir = makeTempDir("skein-serve-warm-");
    store = await LocalThreadStore.open({ home: dir.path });
    const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: dir.path } });
    const a = await manager.startThread({ cwd: dir.path });
    for (let turn = 0; turn < 4; turn++) await a.runTurn({ userText: `turn ${turn} ${"long text ".repeat(60_000)}`, model: new ScriptedModel() });
    big = a.threadId;
    const b = await manager.startThread({ cwd: dir.path });
    await b.runTurn({ userText: "a short one", model: new ScriptedModel() });
    small = b.threadId;
    await manager.shutdownAll();
  });

  afterEach(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const sidecars = () => (existsSync(join(dir.path, ITEM_INDEX_DIR)) ? readdirSync(join(dir.path, ITEM_INDEX_DIR)) : []);

  it("indexes the rollouts above the size, not the others, and keeps the index for the page", async () => {
    const bigFile = (await store.readThread({ threadId: big })).rolloutPath!;
    expect(statSync(bigFile).size).toBeGreaterThan(2 << 20);
    expect(sidecars()).toEqual([]);
    expect(await warmLargeRollouts(store, { minBytes: 1 << 20 })).toEqual([big]);
    expect(sidecars().filter((name) => name.includes(big))).toHaveLength(1);
    expect(sidecars().some((name) => name.includes(small))).toBe(false);
  });

  it("starts with the server, and stops when asked", async () => {
    const server = await startViewerServer({ store, label: dir.path, warmRolloutBytes: 1 << 20 });
    try {
      expect(await server.warmed).toEqual([big]);
    } finally {
      await server.close();
    }
    const stopped = new AbortController();
    stopped.abort();
    expect(await warmLargeRollouts(store, { minBytes: 1, signal: stopped.signal })).toEqual([]);
  });
});
