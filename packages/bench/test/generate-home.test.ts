import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";
import { generateHome, generateLargeRollout } from "../src/generate-home.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempHome(): Promise<string> {
  const dir = await makeTempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

describe("generateHome", () => {
  it("writes the same bytes for the same seed", async () => {
    const [a, b] = [await tempHome(), await tempHome()];
    const first = generateHome({ home: a, threads: 30, seed: 7 });
    const second = generateHome({ home: b, threads: 30, seed: 7 });
    expect(first.threads.map((t) => readFileSync(t.path, "utf8"))).toEqual(second.threads.map((t) => readFileSync(t.path, "utf8")));
  });

  it("averages close to the requested rollout size", async () => {
    const home = generateHome({ home: await tempHome(), threads: 300, seed: 3, meanBytes: 44_000 });
    expect(home.bytes / home.threads.length).toBeGreaterThan(35_000);
    expect(home.bytes / home.threads.length).toBeLessThan(55_000);
  });

  it("writes rollouts the local store indexes without a problem, forks and names included", async () => {
    const path = await tempHome();
    const home = generateHome({ home: path, threads: 200, seed: 11, forkShare: 0.2, nameShare: 0.3 });
    const store = await LocalThreadStore.open({ home: path, catchUp: "none" });
    cleanups.push(() => store.close());
    const report = await store.reindex();
    expect({ indexed: report.indexed, unreadable: report.unreadable }).toEqual({ indexed: 200, unreadable: 0 });
    const listed = await store.listThreads({ pageSize: 1000 });
    const forks = home.threads.filter((t) => t.forkedFromId).length;
    expect(forks).toBeGreaterThan(0);
    expect(listed.items.filter((t) => t.forkedFromId).length).toBe(forks);
    expect(listed.items.filter((t) => t.name).length).toBe(home.threads.filter((t) => t.name).length);
  });

  it("gives every thread its first user message as the preview", async () => {
    const path = await tempHome();
    const home = generateHome({ home: path, threads: 20, seed: 5, forkShare: 0 });
    const store = await LocalThreadStore.open({ home: path, catchUp: "none" });
    cleanups.push(() => store.close());
    await store.reindex();
    const first = home.threads[0]!;
    expect((await store.readThread({ threadId: first.threadId as never })).preview).toBe(first.firstUserMessage);
  });
});

describe("generateLargeRollout", () => {
  it("writes at least the requested bytes of complete lines", async () => {
    const thread = await generateLargeRollout({ home: await tempHome(), bytes: 300_000 });
    const text = readFileSync(thread.path, "utf8");
    expect(text.length).toBeGreaterThanOrEqual(300_000);
    expect(text.endsWith("\n")).toBe(true);
    expect(() => text.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).not.toThrow();
  });
});
