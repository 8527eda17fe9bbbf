import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { newThreadId, type ThreadId } from "@skein/protocol";
import { activeRolloutPath } from "@skein/rollout";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidRequestError, ThreadNotFoundError, type LocalThreadStore } from "../src/index.js";
import { RolloutPathGuard, resolveRolloutPathParam } from "../src/local/home-paths.js";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";

let root: TempDir;
let home: LocalHome;
beforeEach(() => {
  root = makeTempDir("skein-paths-");
  mkdirSync(join(root.path, "home"));
  home = localHome({ path: join(root.path, "home"), cleanup: () => undefined });
});
afterEach(async () => {
  await home.cleanup();
  root.cleanup();
});

/** A thread with one turn; returns its id and rollout path. */
async function seeded(store: LocalThreadStore, text = "hello"): Promise<{ threadId: ThreadId; path: string }> {
  const params = createParams();
  await store.createThread(params);
  await store.appendItems({ threadId: params.threadId, items: userTurn(text) });
  await store.shutdownThread({ threadId: params.threadId });
  return { threadId: params.threadId, path: (await store.readThread({ threadId: params.threadId })).rolloutPath! };
}

/** A valid rollout in a second home next to ours, and a link to it in our sessions tree. */
async function linkedOutside(): Promise<{ threadId: ThreadId; outside: string; link: string; before: string }> {
  const other = localHome({ path: join(root.path, "outside"), cleanup: () => undefined });
  const { threadId, path: outside } = await seeded(await other.open(), "outside text");
  await other.cleanup();
  const link = activeRolloutPath(home.home, threadId, Date.now());
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(outside, link);
  return { threadId, outside, link, before: readFileSync(outside, "utf8") };
}

const refusedDetail = (path: string): string => `rollout path ${path} resolves outside the sessions folders of ${home.home}; refused`;

describe("RolloutPathGuard", () => {
  it("accepts a rollout with content inside sessions/", () => {
    const path = activeRolloutPath(home.home, newThreadId(), Date.now());
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "{}\n");
    expect(new RolloutPathGuard(home.home).inspect(path)).toMatchObject({ kind: "file", size: 3 });
  });

  it("normalizes . and .. segments before judging a path", () => {
    const path = activeRolloutPath(home.home, newThreadId(), Date.now());
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "{}\n");
    const guard = new RolloutPathGuard(home.home);
    expect(guard.inspect(path.replace("/sessions/", "/sessions/./../sessions//"))).toMatchObject({ kind: "file", size: 3 });
    expect(guard.inspect(path.replace("/sessions/", "/sessions/../"))).toEqual({ kind: "missing" });
  });

  it("calls a 0-byte rollout empty and a missing one missing", () => {
    const path = activeRolloutPath(home.home, newThreadId(), Date.now());
    const guard = new RolloutPathGuard(home.home);
    expect(guard.inspect(path)).toEqual({ kind: "missing" });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "");
    expect(guard.inspect(path)).toMatchObject({ kind: "empty" });
  });

  it("refuses a file of the home outside its rollout folders", () => {
    writeFileSync(join(home.home, "notes.jsonl"), "{}\n");
    expect(new RolloutPathGuard(home.home).inspect(join(home.home, "notes.jsonl"))).toEqual({ kind: "outside", realPath: join(home.home, "notes.jsonl") });
  });

  it("refuses a path reaching outside through a symlinked folder", () => {
    const elsewhere = join(root.path, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "x.jsonl"), "{}\n");
    mkdirSync(join(home.home, "sessions", "2026", "01"), { recursive: true });
    symlinkSync(elsewhere, join(home.home, "sessions", "2026", "01", "02"));
    const state = new RolloutPathGuard(home.home).inspect(join(home.home, "sessions", "2026", "01", "02", "x.jsonl"));
    expect(state).toEqual({ kind: "outside", realPath: join(elsewhere, "x.jsonl") });
  });

  it("follows a symlink that stays inside sessions/", () => {
    const target = activeRolloutPath(home.home, newThreadId(), Date.now());
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, "{}\n");
    const link = join(dirname(target), "rollout-link.jsonl");
    symlinkSync(target, link);
    expect(new RolloutPathGuard(home.home).inspect(link)).toMatchObject({ kind: "file", size: 3 });
  });
});

describe("resolveRolloutPathParam", () => {
  it("refuses an absolute path outside the home, naming it", async () => {
    const outside = join(root.path, "outside.jsonl");
    writeFileSync(outside, "{}\n");
    await expect(resolveRolloutPathParam(home.home, outside)).rejects.toThrow(new InvalidRequestError(refusedDetail(outside)));
  });

  it("refuses a relative ../ path out of the home, naming it", async () => {
    writeFileSync(join(root.path, "outside.jsonl"), "{}\n");
    await expect(resolveRolloutPathParam(home.home, "../outside.jsonl")).rejects.toThrow(new InvalidRequestError(refusedDetail("../outside.jsonl")));
  });

  it("reads an empty file as a thread never written when a thread id is given", async () => {
    const threadId = newThreadId();
    const path = activeRolloutPath(home.home, threadId, Date.now());
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "");
    await expect(resolveRolloutPathParam(home.home, path, threadId)).rejects.toThrow(new ThreadNotFoundError(threadId));
  });

  it("resolves a relative path inside sessions/ against the home", async () => {
    const path = activeRolloutPath(home.home, newThreadId(), Date.now());
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "{}\n");
    expect(await resolveRolloutPathParam(home.home, relative(home.home, path))).toBe(path);
  });
});

describe("LocalThreadStore with rollout paths outside the home", () => {
  it("resumeThread refuses a rollout path outside the home and leaves the file untouched", async () => {
    const store = await home.open();
    const outside = join(root.path, "outside.jsonl");
    writeFileSync(outside, "{}\n");
    const threadId = newThreadId();
    await expect(store.resumeThread({ threadId, rolloutPath: outside, metadata: { cwd: "/repo", modelProvider: "openai" } })).rejects.toThrow(
      new InvalidRequestError(refusedDetail(outside)),
    );
    await expect(store.appendItems({ threadId, items: userTurn("x") })).rejects.toThrow(new ThreadNotFoundError(threadId));
    expect(readFileSync(outside, "utf8")).toBe("{}\n");
  });

  it("readThreadByRolloutPath refuses a symlink in sessions/ that leads outside", async () => {
    const s = await linkedOutside();
    const store = await home.open();
    await expect(store.readThreadByRolloutPath({ rolloutPath: s.link })).rejects.toThrow(new InvalidRequestError(refusedDetail(s.link)));
  });

  it("readThread refuses a thread whose rollout is a symlink leading outside", async () => {
    const s = await linkedOutside();
    const store = await home.open();
    await expect(store.readThread({ threadId: s.threadId })).rejects.toThrow(new InvalidRequestError(refusedDetail(s.link)));
  });

  it("resumeThread by id refuses it and no append reaches the target", async () => {
    const s = await linkedOutside();
    const store = await home.open();
    await expect(store.resumeThread({ threadId: s.threadId, metadata: { cwd: "/repo", modelProvider: "openai" } })).rejects.toThrow(new InvalidRequestError(refusedDetail(s.link)));
    expect(readFileSync(s.outside, "utf8")).toBe(s.before);
  });

  it("listThreads drops an index row that points at such a link", async () => {
    const store = await home.open();
    const { threadId, path } = await seeded(store, "inside");
    // The row stays; the file becomes a link to a copy outside the home.
    const outside = join(root.path, "copy.jsonl");
    writeFileSync(outside, readFileSync(path));
    rmSync(path);
    symlinkSync(outside, path);
    expect((await store.listThreads({})).items.map((t) => t.threadId)).not.toContain(threadId);
    expect((await store.searchThreads({ searchTerm: "inside" })).items).toEqual([]);
  });

  it("checkHome reports a link inside the home that leads outside the sessions folders", async () => {
    const store = await home.open();
    const threadId = newThreadId();
    const target = join(home.home, "stray.jsonl");
    writeFileSync(target, "{}\n");
    const link = activeRolloutPath(home.home, threadId, Date.now());
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link);
    const report = await store.checkHome();
    expect(report.problems).toEqual([
      { kind: "unreadable_file", threadId, path: link, detail: `path ${link} resolves to ${target}, outside the sessions folders`, fix: "remove the symlink or point it inside the home" },
    ]);
    expect(statSync(target).size).toBe(3);
  });
});
