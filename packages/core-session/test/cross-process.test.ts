import { execFileSync, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ModelRequest } from "../src/index.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, "fixtures", "session-child.mjs");
const REPO = resolve(HERE, "../../..");

/** Runs the child to completion and returns its last stdout line as JSON. */
function runChild(...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [CHILD, ...args], { encoding: "utf8", timeout: 30_000 });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

// The child imports the built dist/ of the workspace packages (Node 20 cannot run TypeScript),
// so build them first; turbo makes this a cache hit when nothing changed. The repository's
// test command builds everything before any test runs and sets SKEIN_SKIP_TEST_BUILDS=1, so
// no build (not even a cache replay) runs while other suites' children import dist/.
beforeAll(() => {
  if (process.env["SKEIN_SKIP_TEST_BUILDS"] === "1") return;
  execFileSync("pnpm", ["turbo", "run", "build", "--filter=@skein/core-session...", "--output-logs=errors-only"], {
    cwd: REPO,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    stdio: "pipe",
  });
}, 300_000);

describe("LocalThreadStore sessions across processes", () => {
  let home: TempDir;
  beforeEach(() => {
    home = makeTempDir("skein-core-session-xproc-");
  });
  afterEach(() => home.cleanup());

  it("restores a dynamic tool and the prior history when a new process resumes", () => {
    const { threadId } = runChild("start", home.path) as { threadId: string };
    const { request, modelSaw, lastAgentMessage } = runChild("resume", home.path, threadId) as { request: ModelRequest; modelSaw: ModelRequest; lastAgentMessage: string };
    const tool = { type: "function", name: "lookup", description: "Look up a value by key", parameters: { type: "object", properties: { key: { type: "string" } }, required: ["key"] } };
    expect(request.tools).toEqual([tool]);
    expect(request.instructions).toBe("be brief");
    expect(request.input.map((i) => i.type)).toEqual(["message", "function_call", "function_call_output", "message"]);
    expect(request.input[2]).toMatchObject({ output: "value of alpha is 42" });
    // The next request the model really received carries the tool and the prior history too.
    expect(modelSaw.tools).toEqual([tool]);
    expect(modelSaw.input).toHaveLength(5);
    expect(lastAgentMessage).toMatch(/^Tool call_scripted_\d+ finished\. Output starts: value of alpha is 42$/);
  });

  it("forks in a new process with the source's tool and history", () => {
    const { threadId } = runChild("start", home.path) as { threadId: string };
    const { forkId, request } = runChild("fork", home.path, threadId) as { forkId: string; request: ModelRequest };
    expect(forkId).not.toBe(threadId);
    expect(request.tools.map((t) => t.name)).toEqual(["lookup"]);
    expect(request.input.map((i) => i.type)).toEqual(["message", "function_call", "function_call_output", "message"]);
    const { request: resumed } = runChild("resume", home.path, forkId) as { request: ModelRequest };
    expect(resumed.tools.map((t) => t.name)).toEqual(["lookup"]);
  });

  it("never lets the index get ahead of the history when killed between append and metadata", async () => {
    const child = spawn(process.execPath, [CHILD, "crash", home.path], { stdio: ["ignore", "pipe", "inherit"] });
    let threadId = "";
    await new Promise<void>((done, fail) => {
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        threadId = /THREAD (\S+)/.exec(buffer)?.[1] ?? threadId;
        if (buffer.includes("READY ")) done();
      });
      child.on("exit", (code) => fail(new Error(`child exited early with ${String(code)}: ${buffer}`)));
    });
    child.kill("SIGKILL");
    await new Promise((done) => child.once("exit", done));

    // As the killed process left it: the history holds the turn, the index does not list it
    // (a thread is listed only once it has a preview). Opened without catch-up to see that.
    const frozen = await LocalThreadStore.open({ home: home.path, catchUp: "none" });
    try {
      expect(frozen.indexMode).toBe("sqlite");
      expect((await frozen.listThreads({})).items.map((t) => t.threadId)).not.toContain(threadId);
    } finally {
      await frozen.close();
    }

    // Reopening catches the index up from the history (never the reverse).
    const store = await LocalThreadStore.open({ home: home.path });
    try {
      const thread = await store.readThread({ threadId, includeHistory: true });
      expect(thread.history!.some((l) => (l.payload as { message?: string }).message === "crash before metadata")).toBe(true);
      const listed = (await store.listThreads({})).items.find((t) => t.threadId === threadId);
      expect(listed).toMatchObject({ preview: "crash before metadata", firstUserMessage: "crash before metadata" });
      // The killed writer's lock does not block a new session.
      await store.resumeThread({ threadId, metadata: { cwd: "/work", modelProvider: "openai" } });
      await store.shutdownThread({ threadId });
    } finally {
      await store.close();
    }
  });
});
