import { cpSync, existsSync, readdirSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { LocalThreadStore } from "../src/index.js";
import { ReadOnlyHome } from "../src/read-only/index.js";
import { createParams, userTurn } from "./local-helpers.js";

// The index keeps absolute rollout paths. A home copied (or moved) together with its `.skein/`
// must not lead Skein back to the original: reads would show the other home's files and storage
// care would compress or trash them (docs/state-index.md, "A moved or copied home").

const DAY = 24 * 3600 * 1000;

function rolloutFiles(home: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith("rollout-")) out.push(p);
    }
  };
  if (existsSync(join(home, "sessions"))) walk(join(home, "sessions"));
  return out.sort();
}

describe("a home copied with its index", () => {
  const dirs: TempDir[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup();
  });

  async function originalAndCopy(): Promise<{ original: string; copy: string; ids: string[] }> {
    const a = makeTempDir("skein-home-original-");
    const b = makeTempDir("skein-home-copy-");
    dirs.push(a, b);
    const store = await LocalThreadStore.open({ home: a.path, codexSync: false });
    const ids: string[] = [];
    for (const text of ["first", "second", "third"]) {
      const p = createParams();
      await store.createThread(p);
      await store.appendItems({ threadId: p.threadId, items: userTurn(text) });
      ids.push(p.threadId);
    }
    await store.close();
    const indexer = await LocalThreadStore.open({ home: a.path, codexSync: false });
    await indexer.reindex({});
    await indexer.close();
    // Old enough to compress; `cp -a` keeps mtimes, folders' too, so no folder looks changed.
    const old = (Date.now() - 30 * DAY) / 1000;
    for (const f of rolloutFiles(a.path)) utimesSync(f, old, old);
    cpSync(a.path, b.path, { recursive: true, preserveTimestamps: true });
    return { original: a.path, copy: b.path, ids };
  }

  it("reads the copy's files, not the original's", async () => {
    const { original, copy, ids } = await originalAndCopy();
    const store = await LocalThreadStore.open({ home: copy, codexSync: false });
    try {
      const page = await store.listThreads({ archived: false, pageSize: 10 });
      expect(page.items.map((t) => t.threadId).sort()).toEqual([...ids].sort());
      for (const t of page.items) expect(t.rolloutPath?.startsWith(copy + "/")).toBe(true);
      const thread = await store.readThread({ threadId: ids[0]!, includeHistory: false });
      expect(thread.rolloutPath?.startsWith(copy + "/")).toBe(true);
    } finally {
      await store.close();
    }
    // And the original, opened again, still lists its own.
    const back = await LocalThreadStore.open({ home: original, codexSync: false });
    try {
      const page = await back.listThreads({ archived: false, pageSize: 10 });
      for (const t of page.items) expect(t.rolloutPath?.startsWith(original + "/")).toBe(true);
    } finally {
      await back.close();
    }
  });

  it("compresses the copy's files and leaves the original's alone", async () => {
    const { original, copy } = await originalAndCopy();
    const before = rolloutFiles(original).map((f) => [f, statSync(f).size]);
    const store = await LocalThreadStore.open({ home: copy, codexSync: false });
    try {
      const report = await store.storage().compress({ olderThanMs: 7 * DAY });
      expect(report.threads.filter((t) => t.outcome === "compressed")).toHaveLength(3);
      for (const t of report.threads) expect(t.path.startsWith(copy + "/")).toBe(true);
    } finally {
      await store.close();
    }
    expect(rolloutFiles(original).map((f) => [f, statSync(f).size])).toEqual(before);
    expect(rolloutFiles(copy).every((f) => f.endsWith(".jsonl.zst"))).toBe(true);
  });

  it("makes the read-only list path decline until the store has caught up", async () => {
    const { copy } = await originalAndCopy();
    expect(await ReadOnlyHome.open(copy)).toBeUndefined();
    const store = await LocalThreadStore.open({ home: copy, codexSync: false });
    await store.close();
    const index = await ReadOnlyHome.open(copy);
    expect(index).toBeDefined();
    index?.close();
  });

  it("takes the same home reached through a symlink as the same home (no re-derivation)", async () => {
    const { original, ids } = await originalAndCopy();
    const links = makeTempDir("skein-home-link-");
    dirs.push(links);
    const alias = join(links.path, "codex");
    symlinkSync(original, alias);
    const store = await LocalThreadStore.open({ home: alias, codexSync: false });
    try {
      expect((await store.listThreads({ archived: false, pageSize: 10 })).items.map((t) => t.threadId).sort()).toEqual([...ids].sort());
    } finally {
      await store.close();
    }
    const index = await ReadOnlyHome.open(alias);
    expect(index).toBeDefined();
    index?.close();
  });
});
