import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { newThreadId, type ThreadId } from "@skein/protocol";
import { activeRolloutPath, readRollout } from "@skein/rollout";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, ThreadNotFoundError } from "../src/index.js";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";

let h: LocalHome;
beforeEach(() => {
  h = localHome();
});
afterEach(() => h.cleanup());

/** What a kill between the rollout's open(O_CREAT) and its first write leaves. */
function emptyRollout(threadId: ThreadId, createdAtMs = Date.now()): string {
  const path = activeRolloutPath(h.home, threadId, createdAtMs);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, "", { mode: 0o600 });
  return path;
}

const userMessages = async (path: string): Promise<string[]> =>
  (await readRollout(path)).lines.flatMap((l) => (l.type === "event_msg" && (l.payload as { type: string }).type === "user_message" ? [(l.payload as { message: string }).message] : []));

describe("LocalThreadStore and a 0-byte rollout (a thread never written)", () => {
  for (const index of ["sqlite", "none"] as const) {
    it(`readThread answers ThreadNotFoundError (index ${index})`, async () => {
      const threadId = newThreadId();
      emptyRollout(threadId);
      const store = await h.open({ index });
      await expect(store.readThread({ threadId })).rejects.toThrow(new ThreadNotFoundError(threadId));
    });

    it(`listThreads skips it (index ${index})`, async () => {
      const threadId = newThreadId();
      emptyRollout(threadId);
      const store = await h.open({ index });
      const other = createParams();
      await store.createThread(other);
      await store.appendItems({ threadId: other.threadId, items: userTurn("listed") });
      await store.shutdownThread({ threadId: other.threadId });
      await store.reindex();
      expect((await store.listThreads({})).items.map((t) => t.threadId)).toEqual([other.threadId]);
    });
  }

  it("resumeThread answers ThreadNotFoundError and releases the writer lock", async () => {
    const threadId = newThreadId();
    emptyRollout(threadId);
    const store = await h.open();
    await expect(store.resumeThread({ threadId, metadata: { cwd: "/repo", modelProvider: "openai" } })).rejects.toThrow(new ThreadNotFoundError(threadId));
    expect(existsSync(join(h.home, ".skein", "locks", `${threadId}.lock`))).toBe(false);
  });

  it("createThread writes session_meta into the same file, which then reads back", async () => {
    const threadId = newThreadId();
    const path = emptyRollout(threadId, Date.now() - 60_000);
    const store = await h.open();
    await store.createThread(createParams({ threadId }));
    await store.appendItems({ threadId, items: userTurn("revived") });
    await store.shutdownThread({ threadId });
    const read = await readRollout(path);
    expect(read.meta?.id).toBe(threadId);
    expect(read.lines[0]?.type).toBe("session_meta");
    expect(await userMessages(path)).toEqual(["revived"]);
    expect((await store.readThread({ threadId })).rolloutPath).toBe(path);
  });

  it("createThread removes a 0-byte file whose name does not render back to its path, and writes a new one", async () => {
    const threadId = newThreadId();
    const right = activeRolloutPath(h.home, threadId, Date.now());
    // The name of a file dated a day later, in this day's folder: not where the recorder writes it.
    const name = activeRolloutPath(h.home, threadId, Date.now() + 86_400_000).split("/").at(-1)!;
    const misplaced = join(dirname(right), name);
    mkdirSync(dirname(misplaced), { recursive: true });
    writeFileSync(misplaced, "");
    const store = await h.open();
    await store.createThread(createParams({ threadId }));
    await store.appendItems({ threadId, items: userTurn("fresh") });
    await store.shutdownThread({ threadId });
    expect(existsSync(misplaced)).toBe(false);
    const path = (await store.readThread({ threadId })).rolloutPath!;
    expect(await userMessages(path)).toEqual(["fresh"]);
  });

  it("createThread refuses a thread whose rollout has content and leaves the file byte for byte", async () => {
    const store = await h.open();
    const params = createParams();
    await store.createThread(params);
    await store.appendItems({ threadId: params.threadId, items: userTurn("kept") });
    await store.shutdownThread({ threadId: params.threadId });
    const path = (await store.readThread({ threadId: params.threadId })).rolloutPath!;
    const before = readFileSync(path);
    await expect(store.createThread(params)).rejects.toThrow(new ConflictError(`thread ${params.threadId} already exists`));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("checkHome reports it as empty_rollout with the fix, and not as unindexed", async () => {
    const threadId = newThreadId();
    const path = emptyRollout(threadId);
    const store = await h.open({ catchUp: "full" });
    const report = await store.checkHome();
    expect(report.problems).toEqual([
      {
        kind: "empty_rollout",
        threadId,
        path,
        detail: "0-byte rollout: the thread's file was created but never written (a process killed in between); reads treat the thread as absent",
        fix: "none needed: creating the thread with this id writes into the file; or delete the empty file",
      },
    ]);
    expect(report.ok).toBe(false);
  });
});
