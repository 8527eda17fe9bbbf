import { ModelCallError, ThreadManager, TurnInterruptedError } from "@skein/core-session";
import { OpenAIResponsesModel } from "@skein/model-openai";
import { scanRolloutFiles } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, inputMessages, MockResponsesServer, offeredToolNames } from "../src/index.js";
import { LOOKUP_TOOL } from "./support/codex-home-scenario.js";
import { comparableTurn, kinds, type Line, rolloutLines, turnsOf } from "./support/turn-records.js";
import { requestConversation } from "./support/views.js";

const PROVIDER = "skein-mock";
const TOOL_PROMPT = "[[tool:mock_lookup]] look alpha up";
const SLOW_PROMPT = "[[slow]] tell me a long story";
const SLOW_TOOL_PROMPT = "[[tool:mock_lookup]] the tool is slow today";
const FAIL_PROMPT = "[[fail]] the server breaks";
// What Codex's app-server client answers for the dynamic tool; Skein's handler answers the same.
const TOOL_OUTPUT = 'mock_lookup({"key":"alpha"}) = 42';

// Issue 20: turns produced by @skein/model-openai (the official openai SDK) against the same mock
// Responses server Codex talks to. The mock listens on TCP 127.0.0.1 for our client; Codex
// reaches its own instance through the sandbox relay. Both answer the same prompts alike.
describe("threads whose turns @skein/model-openai produced", () => {
  let codex: CodexRunner;
  let mock: MockResponsesServer;
  let skeinThreadId: string;
  let skeinLines: Line[];
  let codexToolTurn: Line[];
  let codexInterruptedTurn: Line[];
  let codexCutToolTurn: Line[];
  let codexFailedTurn: Line[];

  beforeAll(async () => {
    codex = await CodexRunner.start({ provider: PROVIDER });
    mock = await MockResponsesServer.start();
    const baseURL = `http://127.0.0.1:${mock.port}/v1`;

    // Skein: a plain streamed turn, a tool turn answered unstreamed, and a streamed turn interrupted.
    const store = await LocalThreadStore.open({ home: codex.codexHome });
    try {
      const manager = new ThreadManager({ store, defaults: { modelProvider: PROVIDER, model: "mock-model", cwd: codex.workDir } });
      let hang = false; // the last turn's tool never answers
      const mock_lookup = async (args: unknown) => (hang ? new Promise<string>(() => undefined) : `mock_lookup(${JSON.stringify(args)}) = 42`);
      const session = await manager.startThread({ dynamicTools: [LOOKUP_TOOL], toolHandlers: { mock_lookup } });
      skeinThreadId = session.threadId;
      const streamed = new OpenAIResponsesModel({ baseURL, apiKey: "dummy-mock-key", maxRetries: 0 });
      const plain = new OpenAIResponsesModel({ baseURL, apiKey: "dummy-mock-key", maxRetries: 0, stream: false });
      await session.runTurn({ userText: "client question one", model: streamed });
      await session.runTurn({ userText: TOOL_PROMPT, model: plain });
      const controller = new AbortController();
      const interrupted = session.runTurn({ userText: SLOW_PROMPT, model: streamed, signal: controller.signal, onEvent: (e) => e.type === "output_text_delta" && controller.abort() });
      await expect(interrupted).rejects.toBeInstanceOf(TurnInterruptedError);
      hang = true;
      const cut = new AbortController();
      const cutShort = session.runTurn({ userText: SLOW_TOOL_PROMPT, model: streamed, signal: cut.signal, onEvent: (e) => e.type === "tool_call_started" && setImmediate(() => cut.abort()) });
      await expect(cutShort).rejects.toBeInstanceOf(TurnInterruptedError);
      await expect(session.runTurn({ userText: FAIL_PROMPT, model: streamed })).rejects.toBeInstanceOf(ModelCallError);
      await manager.shutdownAll();
    } finally {
      await store.close();
    }
    skeinLines = rolloutLines(await pathOf(skeinThreadId));

    // Codex: the same tool turn and the same interrupted turn in a legacy app-server thread.
    let release: ((result: { contentItems: Array<{ type: "inputText"; text: string }>; success: boolean }) => void) | undefined; // never called: the tool never answers
    let hang = false;
    const app = await codex.appServer({
      onDynamicToolCall: (call) =>
        hang ? new Promise((resolve) => (release = resolve)) : { contentItems: [{ type: "inputText", text: `${call.tool}(${JSON.stringify(call.arguments)}) = 42` }], success: true },
    });
    const codexThread = (await app.startThread({ cwd: codex.workDir, historyMode: "legacy", dynamicTools: [LOOKUP_TOOL] })).id;
    await app.runTurn(codexThread, TOOL_PROMPT);
    const started = await app.request<{ turn: { id: string } }>("turn/start", { threadId: codexThread, input: [{ type: "text", text: SLOW_PROMPT, text_elements: [] }] });
    const completed = app.waitForNotification("turn/completed", (p) => p["threadId"] === codexThread);
    await app.waitForNotification("item/agentMessage/delta", (p) => p["threadId"] === codexThread);
    await app.request("turn/interrupt", { threadId: codexThread, turnId: started.turn.id });
    await completed;
    // The same tool turn, interrupted while the client runs the tool.
    hang = true;
    const toolStarted = await app.request<{ turn: { id: string } }>("turn/start", { threadId: codexThread, input: [{ type: "text", text: SLOW_TOOL_PROMPT, text_elements: [] }] });
    const toolCompleted = app.waitForNotification("turn/completed", (p) => p["threadId"] === codexThread);
    for (let i = 0; i < 600 && !release; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await app.request("turn/interrupt", { threadId: codexThread, turnId: toolStarted.turn.id });
    await toolCompleted;
    hang = false;
    await app.runTurn(codexThread, FAIL_PROMPT); // the mock answers HTTP 500; Codex is configured without retries
    await app.close();
    [codexToolTurn, codexInterruptedTurn, codexCutToolTurn, codexFailedTurn] = turnsOf(rolloutLines(await pathOf(codexThread))) as [Line[], Line[], Line[], Line[]];
  }, 120_000);
  afterAll(async () => {
    await mock?.close();
    await codex?.close();
  });

  const byKind = (a: Line, b: Line) => kinds([a])[0]!.localeCompare(kinds([b])[0]!);

  async function pathOf(threadId: string): Promise<string> {
    return (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === threadId)!.path;
  }

  it("records the tool turn's model-visible items exactly as Codex does", () => {
    const ours = comparableTurn(turnsOf(skeinLines)[1]!).filter((l) => l.type === "response_item");
    const codexs = comparableTurn(codexToolTurn).filter((l) => l.type === "response_item");
    expect(ours).toEqual(codexs);
    expect(kinds(ours)).toEqual(["response_item:message", "response_item:function_call", "response_item:function_call_output", "response_item:message"]);
  });

  it("records the tool turn's events as Codex does: the same kinds, each with Codex's values", () => {
    const ours = comparableTurn(turnsOf(skeinLines)[1]!).filter((l) => l.type === "event_msg");
    const codexs = comparableTurn(codexToolTurn).filter((l) => l.type === "event_msg");
    // The same events; their order within the turn is core-session's turn form (Codex writes
    // `agent_message` before its message item), checked by core-session's own tests.
    expect(kinds(ours).sort()).toEqual(kinds(codexs).sort());
    // Every field Skein writes has Codex's value (Codex adds a few of its own), usage included.
    const byKind = (lines: Line[], kind: string) => lines.filter((l) => kinds([l])[0] === kind);
    for (const kind of new Set(kinds(ours))) expect(byKind(codexs, kind)).toMatchObject(byKind(ours, kind));
  });

  it("records the interrupted streamed turn as Codex records an interrupt, with nothing of the partial answer", () => {
    const ours = comparableTurn(turnsOf(skeinLines)[2]!);
    const codexs = comparableTurn(codexInterruptedTurn);
    expect(kinds(ours)).toEqual(kinds(codexs));
    expect(kinds(ours).slice(-2)).toEqual(["response_item:message", "event_msg:turn_aborted"]);
    expect(codexs.slice(2)).toMatchObject(ours.slice(2)); // user input, user_message, marker, turn_aborted
    expect(ours.at(-2)).toEqual(codexs.at(-2)); // the marker, exactly
    expect(JSON.stringify(ours)).not.toContain("mock reply");
  });

  it("records a tool call cut short by the interrupt as Codex does: Codex's cancellation output, the marker, turn_aborted", () => {
    const ours = comparableTurn(turnsOf(skeinLines)[3]!);
    const codexs = comparableTurn(codexCutToolTurn);
    const items = (lines: Line[]) => lines.filter((l) => l.type === "response_item");
    expect(items(ours)).toEqual(items(codexs));
    expect(kinds(items(ours))).toEqual(["response_item:message", "response_item:function_call", "response_item:function_call_output", "response_item:message"]);
    expect(kinds(ours).sort()).toEqual(kinds(codexs).sort());
    expect(codexs.filter((l) => l.type === "event_msg").sort(byKind)).toMatchObject(ours.filter((l) => l.type === "event_msg").sort(byKind));
  });

  it("records a turn whose model call failed as Codex records it: task_complete with the error", () => {
    const ours = comparableTurn(turnsOf(skeinLines)[4]!);
    const codexs = comparableTurn(codexFailedTurn);
    expect(kinds(ours)).toEqual(kinds(codexs));
    expect(kinds(ours).at(-1)).toBe("event_msg:task_complete");
    const error = (lines: Line[]) => lines.at(-1)!.payload["error"] as { message: string; codex_error_info: unknown };
    expect(error(ours).codex_error_info).toEqual(error(codexs).codex_error_info);
    expect(error(ours).message).toBe("model response failed: HTTP 500: mock server error"); // Codex words its own
    expect(codexs.at(-1)).toMatchObject({ ...ours.at(-1), payload: { ...ours.at(-1)!.payload, error: { codex_error_info: error(codexs).codex_error_info } } });
  });

  it("codex exec resume sends the whole history the client produced, the tool exchange and the interrupt marker, and offers the tool", async () => {
    await codex.execResume(skeinThreadId, "codex continues");
    const body = codex.mock.requestsFor(skeinThreadId)[0]!.body;
    expect(requestConversation(body).map((m) => m.replace(/#\d+/, "#N"))).toEqual([
      "user: client question one",
      "assistant: mock reply #N: client question one",
      `user: ${TOOL_PROMPT}`,
      `assistant: tool output: ${TOOL_OUTPUT}`,
      `user: ${SLOW_PROMPT}`,
      `user: ${SLOW_TOOL_PROMPT}`,
      `user: ${FAIL_PROMPT}`,
      "user: codex continues",
    ]);
    expect(inputMessages(body).filter((m) => m.role === "user" && m.text.startsWith("<turn_aborted>"))).toHaveLength(2);
    expect(offeredToolNames(body)).toContain(LOOKUP_TOOL.name);
  });

  it("Codex's app-server resumes it, shows its turns (interrupted and failed ones as such) and routes a tool call to its client", async () => {
    const app = await codex.appServer();
    await app.resumeThread({ threadId: skeinThreadId });
    const read = await app.readThread(skeinThreadId, true);
    const turn = await app.runTurn(skeinThreadId, "[[tool:mock_lookup]] codex uses the tool too");
    await app.close();
    expect(read.turns.slice(0, 5).map((t) => t.status)).toEqual(["completed", "completed", "interrupted", "interrupted", "failed"]);
    expect(read.turns[4]!["error"]).toMatchObject({ message: "model response failed: HTTP 500: mock server error", codexErrorInfo: "internalServerError" });
    expect(read.turns[1]!.items.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
    expect(turn.status).toBe("completed");
    expect(app.toolCalls.map((c) => c.tool)).toEqual([LOOKUP_TOOL.name]);
  });
});
