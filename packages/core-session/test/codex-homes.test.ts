import { readFileSync } from "node:fs";
import { readRollout } from "@skein/rollout";
import { codexFixtureIds, extractCodexHome, type TempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedModel, ThreadManager } from "../src/index.js";
import { LEGACY_TOOL_TURN, PAGINATED_TOOL_TURN, codexTurnShapes, lineShape } from "./fixtures/turn-shapes.js";

// Real Codex 0.169.0 homes (docs/codex-interop.md, "Real homes"): sessions written by Codex itself,
// resumed through LocalThreadStore + ThreadManager over a temp copy.
describe("ThreadManager over real Codex homes", () => {
  let home: TempDir;
  let store: LocalThreadStore;
  let manager: ThreadManager;

  async function open(name: "codexhome2-premigrate" | "codexhome2") {
    home = extractCodexHome(name);
    store = await LocalThreadStore.open({ home: home.path });
    manager = new ThreadManager({ store, defaults: { modelProvider: "mock", cwd: "/tmp/codexwork" } });
  }
  afterEach(async () => {
    await manager?.shutdownAll();
    await store?.close();
    home?.cleanup();
  });

  it("restores the dynamic tool of a Codex legacy app-server thread and continues after its compaction", async () => {
    await open("codexhome2-premigrate");
    const { T_L } = codexFixtureIds(2);
    const session = await manager.resumeThread({ threadId: T_L! });
    const request = session.nextModelRequest();
    expect(request.tools.map((t) => t.name)).toEqual(["mock_lookup"]);
    expect(request.tools[0]!.parameters).toEqual({ type: "object", properties: { key: { type: "string" } }, required: ["key"] });
    expect(request.instructions.length).toBeGreaterThan(20_000);
    // The compaction's replacement history leads the input; the later turn follows it.
    const texts = request.input.map((i) => JSON.stringify(i));
    expect(texts.some((t) => t.includes("legacy thread after compaction"))).toBe(true);
    expect(texts.some((t) => t.includes("legacy thread via app-server"))).toBe(true);
  });

  it("records a legacy tool turn in the order the real Codex wrote its own in the same thread", async () => {
    await open("codexhome2-premigrate");
    const { T_L } = codexFixtureIds(2);
    const path = (await store.readThread({ threadId: T_L! })).rolloutPath!;
    const codexWrote = (await readRollout(path)).lines;
    const codexToolTurn = codexTurnShapes(codexWrote, (turn) => turn.some((l) => lineShape(l) === "function_call"));
    expect(codexToolTurn).toEqual(LEGACY_TOOL_TURN);
    const session = await manager.resumeThread({ threadId: T_L!, toolHandlers: { mock_lookup: async () => "42" } });
    await session.runTurn({ userText: "[[tool:mock_lookup]] legacy order", model: new ScriptedModel() });
    await session.shutdown();
    expect((await readRollout(path)).lines.slice(codexWrote.length).map(lineShape)).toEqual(codexToolTurn);
  });

  it("runs a turn that calls the restored tool and keeps the Codex name", async () => {
    await open("codexhome2-premigrate");
    const { T_L } = codexFixtureIds(2);
    const session = await manager.resumeThread({ threadId: T_L!, toolHandlers: { mock_lookup: async () => "42" } });
    const turn = await session.runTurn({ userText: "[[tool:mock_lookup]] once more", model: new ScriptedModel() });
    expect(turn.lastAgentMessage).toMatch(/^Tool call_scripted_1 finished\. Output starts: 42$/);
    await session.shutdown();
    const thread = await store.readThread({ threadId: T_L! });
    expect(thread.name).toBe("Legacy named thread");
    expect(thread.rolloutPath).toBeDefined();
    // The appended lines are plain legacy lines: no ordinal, one JSON object each.
    const lines = readFileSync(thread.rolloutPath!, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const appended = lines.slice(-12);
    expect(appended.every((l) => l["ordinal"] === undefined)).toBe(true);
    expect(appended.at(-1)).toMatchObject({ type: "event_msg", payload: { type: "task_complete", last_agent_message: turn.lastAgentMessage } });
  });

  it("restores the dynamic tool of a Codex paginated thread", async () => {
    await open("codexhome2");
    const { T_P } = codexFixtureIds(2);
    const session = await manager.resumeThread({ threadId: T_P! });
    expect(session.nextModelRequest().tools.map((t) => t.name)).toEqual(["mock_lookup"]);
  });

  // A paginated Codex thread stays paginated: Skein's turn is recorded with item_completed
  // items (docs/rollout-format.md, "Turn shapes"), its ordinals continue Codex's, and nothing legacy appears.
  async function paginatedTurn(threadId: string, userText: string) {
    const before = (await readRollout((await store.readThread({ threadId })).rolloutPath!)).lines.length;
    const session = await manager.resumeThread({ threadId, toolHandlers: { mock_lookup: async () => "42" } });
    expect(session.historyMode).toBe("paginated");
    const turn = await session.runTurn({ userText, model: new ScriptedModel() });
    await session.shutdown();
    const read = await readRollout((await store.readThread({ threadId })).rolloutPath!);
    return { turn, read, appended: read.lines.slice(before) };
  }

  it("records a tool turn on the paginated app-server thread T_P in the paginated form", async () => {
    await open("codexhome2");
    const { T_P } = codexFixtureIds(2);
    const codexWrote = (await readRollout((await store.readThread({ threadId: T_P! })).rolloutPath!)).lines;
    const { appended } = await paginatedTurn(T_P!, "[[tool:mock_lookup]] from Skein");
    // The expected order is the one the real Codex binary wrote for its own tool turn in this thread.
    const codexToolTurn = codexTurnShapes(codexWrote, (turn) => turn.some((l) => lineShape(l) === "item_completed.DynamicToolCall"));
    expect(codexToolTurn).toEqual(PAGINATED_TOOL_TURN);
    expect(appended.map(lineShape)).toEqual(codexToolTurn);
    const call = appended.find((l) => lineShape(l) === "item_completed.DynamicToolCall")!.payload as { thread_id: string; item: unknown };
    expect(call.thread_id).toBe(T_P);
    expect(call.item).toMatchObject({ tool: "mock_lookup", arguments: { key: "alpha" }, content_items: [{ type: "inputText", text: "42" }], success: true });
  });

  it("continues the ordinals of the paginated exec thread T_A and parses back cleanly", async () => {
    await open("codexhome2");
    const { T_A } = codexFixtureIds(2);
    const { read, appended } = await paginatedTurn(T_A!, "hello from Skein");
    expect({ parseErrors: read.parseErrors, badLines: read.badLines }).toEqual({ parseErrors: 0, badLines: [] });
    const ordinals = read.lines.map((l) => (l as { ordinal?: number }).ordinal);
    expect(ordinals).toEqual(ordinals.map((_, i) => i));
    expect(appended.map(lineShape).filter((s) => s === "user_message" || s === "agent_message")).toEqual([]);
  });

  it("keeps the Codex thread's preview and name after a paginated Skein turn", async () => {
    await open("codexhome2");
    const { T_A } = codexFixtureIds(2);
    const before = await store.readThread({ threadId: T_A! });
    await paginatedTurn(T_A!, "hello from Skein");
    const after = await store.readThread({ threadId: T_A! });
    expect({ preview: after.preview, name: after.name }).toEqual({ preview: before.preview, name: before.name });
  });

  it("forks a Codex thread with its tool into a legacy Skein thread", async () => {
    await open("codexhome2-premigrate");
    const { T_L } = codexFixtureIds(2);
    const fork = await manager.forkThread({ threadId: T_L!, atTurn: 1 });
    expect(fork.nextModelRequest().tools.map((t) => t.name)).toEqual(["mock_lookup"]);
    await fork.shutdown();
    const thread = await store.readThread({ threadId: fork.threadId });
    expect(thread.forkedFromId).toBe(T_L);
    expect(thread.preview).toBe("legacy thread via app-server, please use [[tool:mock_lookup]]");
  });
});
