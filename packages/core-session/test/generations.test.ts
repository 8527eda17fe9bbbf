import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compressRolloutFile, readRollout } from "@skein/rollout";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScriptedModel, ThreadManager } from "../src/index.js";

// Sessions over the rollouts Codex leaves in real homes besides its current files: a compressed
// `.jsonl.zst` thread (resumed: the plain file comes back before the append) and a read-only
// 2025-generation thread (forked into a current-format thread). Rollouts written by hand.

const OLD = "5973b6c0-94b8-487b-a530-2aeb6098ae0e";
const ZST = "01a2143c-0002-7000-8000-000000000002";

function write(path: string, lines: unknown[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { mode: 0o600 });
}

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

describe("ThreadManager over compressed and 2025-generation threads", () => {
  let dir: TempDir;
  let store: LocalThreadStore;
  let manager: ThreadManager;
  let oldPath: string;
  let zstPlain: string;
  beforeEach(async () => {
    dir = makeTempDir("skein-generations-");
    oldPath = join(dir.path, "sessions", "2025", "05", "07", `rollout-2025-05-07T17-24-21-${OLD}.jsonl`);
    write(oldPath, [
      { id: OLD, timestamp: "2025-05-07T17:24:21.123Z", instructions: null, git: null },
      { record_type: "state" },
      user(`<environment_context>\n  <cwd>/home/me/project</cwd>\n</environment_context>`),
      user("why does the build fail?"),
      { type: "function_call", id: "fc_1", name: "shell", arguments: '{"command":["make"]}', call_id: "call_1" },
      { type: "function_call_output", call_id: "call_1", output: '{"output":"error: missing header"}' },
      { type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: "A header is missing." }] },
      { record_type: "state" },
    ]);
    zstPlain = join(dir.path, "sessions", "2026", "01", "02", `rollout-2026-01-02T10-00-00-${ZST}.jsonl`);
    const t = "2026-01-02T10:00:00.000Z";
    write(zstPlain, [
      { timestamp: t, type: "session_meta", payload: { id: ZST, timestamp: t, cwd: "/repo", originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", model_provider: "openai" } },
      { timestamp: t, type: "response_item", payload: user("remember the word alpha") },
      { timestamp: t, type: "event_msg", payload: { type: "user_message", message: "remember the word alpha", images: [] } },
      { timestamp: t, type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: "noted" }] } },
      { timestamp: t, type: "event_msg", payload: { type: "agent_message", message: "noted" } },
    ]);
    await compressRolloutFile(zstPlain);
    store = await LocalThreadStore.open({ home: dir.path });
    manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: "/elsewhere" } });
  });
  afterEach(async () => {
    await manager.shutdownAll();
    await store.close();
    dir.cleanup();
  });

  it("resumes a compressed thread with its history, restoring the plain file before the turn is recorded", async () => {
    const session = await manager.resumeThread({ threadId: ZST });
    expect(JSON.stringify(session.nextModelRequest().input)).toContain("remember the word alpha");
    await session.runTurn({ userText: "and now?", model: new ScriptedModel() });
    await session.shutdown();
    expect(existsSync(`${zstPlain}.zst`)).toBe(false);
    const text = readFileSync(zstPlain, "utf8");
    expect(text).toContain("remember the word alpha");
    expect(text).toContain("and now?");
  });

  it("refuses to resume a 2025-generation thread", async () => {
    await expect(manager.resumeThread({ threadId: OLD })).rejects.toThrow(/read-only: fork it/);
  });

  it("forks a 2025-generation thread into a current-format thread with the same conversation", async () => {
    const fork = await manager.forkThread({ threadId: OLD, name: "build, continued" });
    const request = fork.nextModelRequest();
    const input = JSON.stringify(request.input);
    expect(input).toContain("why does the build fail?");
    expect(input).toContain("A header is missing.");
    expect(input).toContain("call_1");
    await fork.shutdown();
    const thread = await store.readThread({ threadId: fork.threadId });
    expect(thread).toMatchObject({ forkedFromId: OLD, cwd: "/home/me/project", preview: "why does the build fail?", name: "build, continued" });
    const read = await readRollout(thread.rolloutPath!);
    expect(read.parseErrors).toBe(0);
    expect(read.lines[0]).toMatchObject({ type: "session_meta", payload: { id: fork.threadId, forked_from_id: OLD, cwd: "/home/me/project" } });
    // Current form only: enveloped lines with times, no bare items, no state snapshots, no 2025 header.
    for (const line of read.lines) {
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(["session_meta", "response_item", "event_msg", "turn_context"]).toContain(line.type);
    }
    expect(read.lines.filter((l) => l.type === "session_meta")).toHaveLength(1);
    expect(read.lines.filter((l) => l.type === "event_msg").map((l) => (l.payload as { type: string }).type)).toEqual(["user_message", "agent_message"]);
    // The source is untouched and can be resumed by the fork only.
    const resumed = await manager.resumeThread({ threadId: fork.threadId });
    expect(JSON.stringify(resumed.nextModelRequest().input)).toContain("why does the build fail?");
  });
});
