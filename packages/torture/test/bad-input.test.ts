import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { InvalidRequestError, LocalThreadStore, type ThreadStoreError } from "@skein/thread-store";
import { beforeEach, describe, expect, it } from "vitest";
import { makeTempDir } from "@skein/testkit";
import { runSkein, seedThread } from "./helpers/home.js";
import { snapshotTree } from "./helpers/snapshot.js";

/** A home with two threads, next to a sentinel directory that no call may touch. */
interface Fixture {
  root: string;
  home: string;
  sentinel: string;
  store: LocalThreadStore;
  threadId: ThreadId;
  before: Record<string, string>;
}

let f: Fixture;
beforeEach(async () => {
  const dir = makeTempDir();
  const root = dir.path;
  const home = join(root, "home");
  const sentinel = join(root, "sentinel");
  mkdirSync(join(sentinel, "sessions"), { recursive: true });
  writeFileSync(join(sentinel, "secret.txt"), "do not touch");
  writeFileSync(join(sentinel, "sessions", "rollout-2026-01-01T00-00-00-01a20000-0000-7000-8000-000000000000.jsonl"), "{}\n");
  const store = await LocalThreadStore.open({ home });
  const { threadId } = await seedThread(store, ["first thread"]);
  await seedThread(store, ["second thread"]);
  f = { root, home, sentinel, store, threadId, before: snapshotTree(sentinel) };
  return async () => {
    await store.close();
    try {
      // The invariant every test in this file shares: nothing outside the home changed.
      expect(snapshotTree(sentinel)).toEqual(f.before);
    } finally {
      dir.cleanup();
    }
  };
});

async function rejection(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ThreadStoreError> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    return error as ThreadStoreError;
  }
  throw new Error("expected a rejection");
}

const HOSTILE_IDS = ["not-a-uuid", "", "../../sentinel/secret.txt", "../sentinel", "/etc/passwd", "01a20000-0000-7000-8000-000000000000/../../x", "01a20000-0000-7000-8000-00000000000\u0000", " 01a20000-0000-7000-8000-000000000000"];

describe("LocalThreadStore entry points", () => {
  for (const id of HOSTILE_IDS) {
    it(`rejects thread id ${JSON.stringify(id)} with InvalidRequestError before any lookup`, async () => {
      const calls: (() => Promise<unknown>)[] = [
        () => f.store.readThread({ threadId: id as ThreadId }),
        () => f.store.loadHistory({ threadId: id as ThreadId }),
        () => f.store.createThread({ threadId: id as ThreadId, source: "cli", metadata: { cwd: f.home, modelProvider: "openai" } }),
        () => f.store.resumeThread({ threadId: id as ThreadId, metadata: { cwd: f.home, modelProvider: "openai" } }),
        () => f.store.updateThreadMetadata({ threadId: id as ThreadId, patch: { name: "x" } }),
        () => f.store.archiveThread({ threadId: id as ThreadId }),
        () => f.store.unarchiveThread({ threadId: id as ThreadId }),
        () => f.store.deleteThread({ threadId: id as ThreadId }),
        () => f.store.listTurns({ threadId: id as ThreadId }),
      ];
      for (const call of calls) {
        const error = await rejection(call);
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect(error.message).toBe(`invalid thread-store request: invalid thread id: ${id}`);
      }
    });
  }

  const outsidePaths = (): [string, string][] => {
    const file = "rollout-2026-01-01T00-00-00-01a20000-0000-7000-8000-000000000000.jsonl";
    return [
      ["an absolute path", join(f.sentinel, "sessions", file)],
      ["a ../ escape from the home", `${f.home}/../sentinel/sessions/${file}`],
      ["a relative ../ path", `../sentinel/sessions/${file}`],
    ];
  };
  const PARKED_ID = "01a20000-0000-7000-8000-000000000000" as ThreadId;

  it("readThreadByRolloutPath refuses rollout paths outside the home", async () => {
    for (const [what, rolloutPath] of outsidePaths()) {
      const error = await rejection(() => f.store.readThreadByRolloutPath({ rolloutPath }));
      expect(error.code, what).toBe("invalid_request");
      expect(error.message, what).toMatch(/^invalid thread-store request: /);
    }
  });

  // Was a bug: resolveRolloutPathParam checked containment only for symlinks, so a regular file
  // outside the home (absolute, or relative with ../) got a live writer and then appends. Now
  // every rollout path's real path must lie inside the home's sessions folders.
  it("resumeThread refuses rollout paths outside the home", async () => {
    for (const [what, rolloutPath] of outsidePaths()) {
      const error = await rejection(() => f.store.resumeThread({ threadId: PARKED_ID, rolloutPath, metadata: { cwd: f.home, modelProvider: "openai" } }));
      expect(error.code, what).toBe("invalid_request");
      expect(error.message, what).toBe(`invalid thread-store request: rollout path ${rolloutPath} resolves outside the sessions folders of ${f.home}; refused`);
    }
  });

  it("names with ../ and absolute paths are plain text: stored, never used as paths", async () => {
    for (const name of ["../../sentinel/owned", "/etc/passwd", "..\\..\\x"]) {
      const record = await f.store.updateThreadMetadata({ threadId: f.threadId, patch: { name } });
      expect(record.name).toBe(name);
    }
  });

  it("a huge name is either stored whole or refused with InvalidRequestError, never truncated silently", async () => {
    const name = "n".repeat(1024 * 1024);
    try {
      const record = await f.store.updateThreadMetadata({ threadId: f.threadId, patch: { name } });
      expect(record.name).toBe(name);
      expect((await f.store.readThread({ threadId: f.threadId })).name).toBe(name);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
    }
  });

  it.each([
    [{ name: 42 }, "name"],
    [{ memoryMode: "sometimes" }, "memoryMode"],
    [{ gitInfo: "main" }, "gitInfo"],
    [{ archived: true }, ""],
    [{ preview: ["a"] }, "preview"],
  ])("rejects patch %j with a message naming the field", async (patch, field) => {
    const error = await rejection(f.store.updateThreadMetadata({ threadId: f.threadId, patch: patch as never }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toMatch(/^invalid thread-store request: invalid metadata patch: /);
    expect(error.message).toContain(field);
  });

  it("rejects an unknown sort key, sort direction and page size", async () => {
    for (const params of [{ sortKey: "size" }, { sortKey: "created; DROP TABLE threads" }, { sortDirection: "sideways" }, { pageSize: 0 }, { pageSize: 1.5 }, { pageSize: 1_000_000 }]) {
      const error = await rejection(f.store.listThreads(params as never));
      expect(error, JSON.stringify(params)).toBeInstanceOf(InvalidRequestError);
    }
  });

  it("rejects a cursor from another query, another operation, or edited by hand", async () => {
    const page = await f.store.listThreads({ pageSize: 1 });
    const cursor = page.nextCursor!;
    expect(cursor).toBeDefined();
    const tamperedBody = `${cursor[0] === "A" ? "B" : "A"}${cursor.slice(1)}`;
    const mid = Math.floor(cursor.length / 2);
    const tamperedMiddle = `${cursor.slice(0, mid)}${cursor[mid] === "A" ? "B" : "A"}${cursor.slice(mid + 1)}`;
    const cases: (() => Promise<unknown>)[] = [
      () => f.store.listThreads({ pageSize: 1, archived: true, cursor }),
      () => f.store.listThreads({ pageSize: 1, sortKey: "recency", cursor }),
      () => f.store.listThreads({ pageSize: 1, sortDirection: "asc", cursor }),
      () => f.store.listThreads({ pageSize: 1, sources: ["vscode"], cursor }),
      () => f.store.searchThreads({ searchTerm: "thread", pageSize: 1, cursor }),
      () => f.store.listTurns({ threadId: f.threadId, cursor }),
      () => f.store.listThreads({ pageSize: 1, cursor: tamperedBody }),
      () => f.store.listThreads({ pageSize: 1, cursor: tamperedMiddle }),
      () => f.store.listThreads({ pageSize: 1, cursor: "" }),
      () => f.store.listThreads({ pageSize: 1, cursor: "x".repeat(100_000) }),
    ];
    for (const call of cases) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toMatch(/^invalid thread-store request: invalid cursor: /);
    }
  });

  it("LiveThread.updateMetadata rejects a wrong-typed patch with InvalidSessionRequestError", async () => {
    const live = await LiveThread.resume(f.store, { threadId: f.threadId, metadata: { cwd: f.home, modelProvider: "openai" } });
    try {
      const error = await rejection(live.updateMetadata({ name: 42 } as never));
      expect(error.name).toBe("InvalidSessionRequestError");
      expect(error.message).toMatch(/invalid metadata patch: name: /);
    } finally {
      await live.shutdown();
    }
  });
});

describe("skein CLI entry points", () => {
  const usage = (args: string[]) => async () => {
    const run = await runSkein([...args, "--home", f.home]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/skein --help|error/i);
    expect(run.stdout).toBe("");
  };
  it("exits 2 for an unknown sort key", usage(["list", "--sort", "size"]));
  it("exits 2 for a page size of 0", usage(["list", "--limit", "0"]));
  it("exits 2 for a non-numeric page size", usage(["list", "--limit", "ten"]));
  it("exits 2 for a missing argument", usage(["show"]));
  it("exits 2 for an unknown command", usage(["explode"]));
  it("exits 2 for an unknown option", usage(["list", "--format=xml"]));
  it("exits 2 for delete without --yes", usage(["delete", "01a20000-0000-7000-8000-000000000000"]));

  // Was a bug: a tampered --cursor exited 1. It is a usage error now (InvalidCursorOptionError).
  it("exits 2 for a tampered cursor", async () => {
    const first = await runSkein(["list", "--limit", "1", "--json", "--home", f.home]);
    const cursor = (JSON.parse(first.stdout) as { nextCursor: string }).nextCursor;
    const run = await runSkein(["list", "--limit", "1", "--cursor", `${cursor.slice(0, -2)}00`, "--home", f.home]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: invalid cursor: --cursor does not belong to this listing \(.+\); rerun without --cursor to start from the first page/);
  });

  it.each([["../../sentinel/secret.txt"], ["/etc/passwd"], ["not-a-uuid"], [newThreadId()]])("`skein show %s` exits 1 naming the ref", async (ref) => {
    const run = await runSkein(["show", ref, "--home", f.home]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`"${ref}"`);
  });

  it("`skein rename` with a path-like name stores it as text", async () => {
    const run = await runSkein(["rename", f.threadId, "../../sentinel/owned", "--home", f.home]);
    expect(run.code, run.stderr).toBe(0);
    expect((await f.store.readThread({ threadId: f.threadId })).name).toBe("../../sentinel/owned");
  });

  it("`skein --home` pointing at a missing dir exits 1 and creates nothing", async () => {
    const run = await runSkein(["list", "--home", join(f.root, "nope")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("does not exist");
    expect(snapshotTree(f.root)["nope"]).toBeUndefined();
  });
});
