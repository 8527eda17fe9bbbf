import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { activeRolloutPath, updateRolloutItemIndex, type RolloutItemIndex } from "@skein/rollout";
import { ITEM_INDEX_DIR, ItemIndexCache } from "../../src/local/item-index-cache.js";

const THREAD = "01a2143c-0000-7000-8000-00000000000c";
const META = JSON.stringify({ timestamp: "t", type: "session_meta", payload: { id: THREAD, timestamp: "t", cwd: "/w" } });
const item = (n: number) => JSON.stringify({ timestamp: "t", type: "response_item", payload: { type: "message", text: "x".repeat(n) } });

describe("ItemIndexCache", () => {
  let tmp: TempDir;
  let path: string;
  beforeEach(() => {
    tmp = makeTempDir("skein-item-cache-");
    path = activeRolloutPath(tmp.path, THREAD, Date.UTC(2026, 0, 2));
    mkdirSync(dirname(path), { recursive: true });
  });
  afterEach(() => tmp.cleanup());

  const sidecar = () => join(tmp.path, ITEM_INDEX_DIR, `${basename(path)}.idx`);

  it("stores no sidecar for a small file", async () => {
    writeFileSync(path, `${META}\n${item(10)}\n`);
    expect((await new ItemIndexCache(tmp.path).get(path)).count).toBe(2);
    expect(existsSync(sidecar())).toBe(false);
  });

  it("stores a sidecar for a large file that a new cache reuses", async () => {
    writeFileSync(path, `${META}\n${Array.from({ length: 300 }, () => item(4000)).join("\n")}\n`);
    const built = await new ItemIndexCache(tmp.path).get(path);
    expect(existsSync(sidecar())).toBe(true);
    expect((await new ItemIndexCache(tmp.path).get(path)).buildId).toBe(built.buildId);
  });

  it("forget removes the sidecar", async () => {
    writeFileSync(path, `${META}\n${Array.from({ length: 300 }, () => item(4000)).join("\n")}\n`);
    const cache = new ItemIndexCache(tmp.path);
    await cache.get(path);
    await cache.forget(path);
    expect(existsSync(sidecar())).toBe(false);
  });

  const turn = (id: string) => [
    JSON.stringify({ timestamp: "2026-01-02T00:00:00Z", type: "event_msg", payload: { type: "task_started", turn_id: id } }),
    item(6000),
    JSON.stringify({ timestamp: "2026-01-02T00:00:01Z", type: "event_msg", payload: { type: "task_complete", turn_id: id } }),
  ];
  const bigRollout = () => writeFileSync(path, `${META}\n${Array.from({ length: 200 }, (_, i) => turn(`t${i}`).join("\n")).join("\n")}\n`);
  /** What a reader uses of an index (the build id is random per build). */
  const facts = (index: RolloutItemIndex) => ({
    end: index.end,
    count: index.count,
    checkpoints: [...index.checkpoints.subarray(0, index.checkpointCount * 2)],
    turns: [...index.turns.subarray(0, (index.turnCount - index.turnsFrom) * 7)],
    turnCount: index.turnCount,
  });

  it("callers asking while an update runs share it: one build of a file at a time", async () => {
    bigRollout();
    const cache = new ItemIndexCache(tmp.path);
    const first = cache.get(path);
    expect(cache.building(path)).toBe(true);
    const second = cache.get(path);
    expect(second).toBe(first);
    expect(await second).toBe(await first);
    expect(cache.building(path)).toBe(false);
  });

  const builtWorker = new URL("../../dist/local/item-index-worker.js", import.meta.url);
  it.skipIf(!existsSync(fileURLToPath(builtWorker)))("builds a large file's index on a worker thread, the same as in-process (needs `pnpm build`)", async () => {
    bigRollout();
    const cache = new ItemIndexCache(tmp.path, { workerBuildBytes: 1, workerUrl: builtWorker });
    const built = await cache.get(path);
    expect(facts(built)).toEqual(facts(await updateRolloutItemIndex(path)));
    expect(built.turnCount).toBe(200);
    expect(existsSync(sidecar())).toBe(true);
  });

  it("builds in-process when the worker fails (or its entry is missing)", async () => {
    bigRollout();
    const broken = join(tmp.path, "broken-worker.mjs");
    writeFileSync(broken, 'throw new Error("no");\n');
    for (const workerUrl of [pathToFileURL(broken), pathToFileURL(join(tmp.path, "missing.js"))]) {
      const built = await new ItemIndexCache(tmp.path, { workerBuildBytes: 1, workerUrl }).get(path);
      expect(facts(built)).toEqual(facts(await updateRolloutItemIndex(path)));
    }
  });

  it.skipIf(!existsSync(fileURLToPath(builtWorker)))("close stops a build on a worker thread: its caller gets an error, not a build in-process (needs `pnpm build`)", async () => {
    bigRollout();
    const cache = new ItemIndexCache(tmp.path, { workerBuildBytes: 1, workerUrl: builtWorker });
    const building = cache.get(path);
    await cache.close();
    await expect(building).rejects.toThrow(/closed while indexing/);
    expect(existsSync(sidecar())).toBe(false);
  });
});
