import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { activeRolloutPath } from "@skein/rollout";
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
});
