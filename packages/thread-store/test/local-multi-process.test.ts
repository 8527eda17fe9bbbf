import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { newThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocalThreadStore } from "../src/index.js";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(PACKAGE_DIR, "test", "fixtures", "local-writer.mjs");

function run(command: string, home: string, threadId: string): ChildProcess {
  return spawn(process.execPath, [SCRIPT, command, home, threadId], { stdio: ["ignore", "pipe", "inherit"] });
}

/** Resolves with the child's first stdout line. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buf = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolveLine(buf.slice(0, nl));
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before printing a line`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.on("exit", () => r());
    child.kill("SIGKILL");
  });
}

describe("LocalThreadStore across processes", () => {
  let dir: TempDir;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    // Children run plain Node on dist/: build incrementally (a no-op when up to date).
    execFileSync(resolve(PACKAGE_DIR, "../../node_modules/.bin/tsc"), ["-b"], { cwd: PACKAGE_DIR, stdio: "pipe" });
  }, 120_000);
  beforeEach(() => {
    dir = makeTempDir("skein-mp-");
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await killed(c);
    dir.cleanup();
  });

  it("rejects a second process's writer with a ConflictError naming the first's pid", async () => {
    const threadId = newThreadId();
    const holder = run("hold", dir.path, threadId);
    children.push(holder);
    expect(await firstLine(holder)).toBe("ready");
    const second = run("resume", dir.path, threadId);
    children.push(second);
    expect(JSON.parse(await firstLine(second))).toEqual({
      code: "conflict",
      message: `thread-store conflict: thread ${threadId} already has a live writer (pid ${holder.pid} on ${hostname()})`,
    });
  });

  it("lets a new process take over the lock of a writer that was killed", async () => {
    const threadId = newThreadId();
    const holder = run("hold", dir.path, threadId);
    children.push(holder);
    expect(await firstLine(holder)).toBe("ready");
    await killed(holder);
    const next = run("resume", dir.path, threadId);
    children.push(next);
    expect(JSON.parse(await firstLine(next))).toEqual({ ok: true });
    const store = await LocalThreadStore.open({ home: dir.path });
    const t = await store.readThread({ threadId, includeHistory: true });
    expect(t.history?.filter((l) => l.type === "event_msg" && (l.payload as { type: string }).type === "user_message")).toHaveLength(2);
    await store.close();
  });

  it("catches the index up after a writer is killed between an append and its metadata patch", async () => {
    const threadId = newThreadId();
    const child = run("crash", dir.path, threadId);
    children.push(child);
    expect(await firstLine(child)).toBe("appended");
    await killed(child);
    const store = await LocalThreadStore.open({ home: dir.path });
    const t = await store.readThread({ threadId, includeHistory: true });
    // The dead writer's patch set updatedAt=1000; catch-up re-extracted the file, which holds both turns.
    expect(t.updatedAt).toBe(Math.trunc(statSync(t.rolloutPath!).mtimeMs));
    expect(t.preview).toBe("first");
    expect(t.history?.length).toBe(7);
    const check = await store.checkHome();
    expect(check.problems.map((p) => p.kind)).toEqual(["stale_lock"]);
    await store.close();
  });
});
