import { ModelCallError, ThreadManager, TurnInterruptedError } from "@skein/core-session";
import { OpenAIResponsesModel } from "@skein/model-openai";
import { LocalThreadStore } from "@skein/thread-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServerThread, CodexRunner, MockResponsesServer } from "../src/index.js";
import { LOOKUP_TOOL } from "./support/codex-home-scenario.js";

// Issue 20, paginated form: a Codex app-server thread (Codex 0.169's default, paginated history)
// continued by Skein with @skein/model-openai turns that end badly: a tool call cut short by an
// interrupt, and a model call that fails. Codex must show them as it shows its own such turns.
describe("@skein/model-openai turns that end badly, in a Codex paginated thread", () => {
  let codex: CodexRunner;
  let mock: MockResponsesServer;
  let threadId: string;
  let read: AppServerThread;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    mock = await MockResponsesServer.start();
    const app = await codex.appServer();
    threadId = (await app.startThread({ cwd: codex.workDir, dynamicTools: [LOOKUP_TOOL] })).id;
    await app.runTurn(threadId, "codex's own first turn");
    await app.close();

    const store = await LocalThreadStore.open({ home: codex.codexHome });
    try {
      const manager = new ThreadManager({ store, defaults: { modelProvider: "mock", model: "mock-model", cwd: codex.workDir } });
      const session = await manager.resumeThread({ threadId, toolHandlers: { mock_lookup: () => new Promise<string>(() => undefined) } });
      expect(session.historyMode).toBe("paginated");
      const model = new OpenAIResponsesModel({ baseURL: `http://127.0.0.1:${mock.port}/v1`, apiKey: "dummy-mock-key", maxRetries: 0 });
      const controller = new AbortController();
      const onEvent = (e: { type: string }) => e.type === "tool_call_started" && setImmediate(() => controller.abort());
      await expect(session.runTurn({ userText: "[[tool:mock_lookup]] a slow lookup", model, signal: controller.signal, onEvent })).rejects.toBeInstanceOf(TurnInterruptedError);
      await expect(session.runTurn({ userText: "[[fail]] then the server breaks", model })).rejects.toBeInstanceOf(ModelCallError);
      await manager.shutdownAll();
    } finally {
      await store.close();
    }

    const reader = await codex.appServer();
    await reader.resumeThread({ threadId });
    read = await reader.readThread(threadId, true);
    await reader.close();
  }, 120_000);
  afterAll(async () => {
    await mock?.close();
    await codex?.close();
  });

  it("shows the cut-short tool turn as interrupted, its call as a failed dynamic tool call with Codex's cancellation error", () => {
    const turn = read.turns[1]!;
    expect(turn.status).toBe("interrupted");
    expect(turn.items.map((i) => i.type)).toEqual(["userMessage", "dynamicToolCall"]);
    expect(turn.items[1]).toMatchObject({ tool: LOOKUP_TOOL.name, status: "failed", success: false, contentItems: [] });
  });

  it("shows the turn whose model call failed as failed, with Skein's error", () => {
    const turn = read.turns[2]!;
    expect(turn.status).toBe("failed");
    expect(turn["error"]).toMatchObject({ message: "model response failed: HTTP 500: mock server error", codexErrorInfo: "internalServerError" });
    expect(turn.items.map((i) => i.type)).toEqual(["userMessage"]);
  });
});
