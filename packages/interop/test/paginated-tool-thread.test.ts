import { readRollout, scanRolloutFiles } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServerThread, CodexRunner, lastUserText } from "../src/index.js";
import { LOOKUP_TOOL } from "./support/codex-home-scenario.js";
import { SKEIN_LOOKUP_RESULT, openSkeinSide } from "./support/skein-writer.js";
import { codexConversation, requestConversation } from "./support/views.js";

const CODEX_PROMPT = "codex turn, please use [[tool:mock_lookup]]";
const SKEIN_PROMPT = "[[tool:mock_lookup]] skein turn with the tool";
const SKEIN_ANSWER = `Tool call_scripted_1 finished. Output starts: ${SKEIN_LOOKUP_RESULT}`;
const CODEX_AFTER = "codex turn after Skein's";

// Codex's own items of its first turn (the mock answers the tool call, the client runs it).
const CODEX_TURN = [
  { role: "user", text: CODEX_PROMPT },
  { role: "agent", text: 'tool output: mock_lookup({"key":"alpha"}) = 42' },
];
const SKEIN_TURN = [
  { role: "user", text: SKEIN_PROMPT },
  { role: "agent", text: SKEIN_ANSWER },
];

// A paginated app-server thread with a dynamic tool (Codex 0.169's default form), continued
// by Skein with a tool turn. Skein records it the way Codex does for paginated threads
// (`item_completed` items), so Codex shows it as its own turn once it loads the thread.
describe("Skein's tool turn in a Codex paginated app-server thread", () => {
  let codex: CodexRunner;
  let threadId: string;
  let path: string;
  let coldRead: AppServerThread;
  let loadedRead: AppServerThread;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    const app = await codex.appServer();
    threadId = (await app.startThread({ cwd: codex.workDir, dynamicTools: [LOOKUP_TOOL] })).id;
    await app.runTurn(threadId, CODEX_PROMPT);
    await app.close();
    path = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === threadId)!.path;
    {
      await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
      await skein.runTurns(threadId, [SKEIN_PROMPT]);
    }
    const reader = await codex.appServer();
    coldRead = await reader.readThread(threadId, true);
    await reader.resumeThread({ threadId });
    loadedRead = await reader.readThread(threadId, true);
    await reader.close();
    await codex.execResume(threadId, CODEX_AFTER);
  });
  afterAll(async () => {
    await codex?.close();
  });

  it("shows Skein's user message, tool call and agent message in Codex's thread/read once Codex loaded the thread", () => {
    expect(loadedRead.turns).toHaveLength(2);
    const skeinTurn = loadedRead.turns[1]!;
    expect(skeinTurn.status).toBe("completed");
    expect(skeinTurn.items.map((i) => i.type)).toEqual(["userMessage", "dynamicToolCall", "agentMessage"]);
    expect(skeinTurn.items[1]).toMatchObject({
      id: "call_scripted_1",
      tool: LOOKUP_TOOL.name,
      arguments: { key: "alpha" },
      status: "completed",
      contentItems: [{ type: "inputText", text: SKEIN_LOOKUP_RESULT }],
      success: true,
    });
    expect(codexConversation(loadedRead)).toEqual([...CODEX_TURN, ...SKEIN_TURN]);
  });

  it("names Skein's turn in Codex's thread/read by the turn id of Skein's task_started", async () => {
    const started = (await readRollout(path)).lines.filter((l) => l.type === "event_msg" && (l.payload as { type?: string }).type === "task_started");
    expect(loadedRead.turns.map((t) => t.id)).toEqual(started.slice(0, 2).map((l) => (l.payload as { turn_id: string }).turn_id));
  });

  // Known disagreement (README): Codex's thread/read of a thread it has not loaded serves its
  // own projection (thread_history_1.sqlite), which only Codex advances, when it loads the
  // thread (thread/resume, exec resume, a turn). Skein leaves Codex's databases alone.
  it("does not show Skein's turn in a thread/read before Codex loads the thread (Codex's projection lags)", () => {
    expect(codexConversation(coldRead)).toEqual(CODEX_TURN);
  });

  it("sends Codex's next request the whole conversation, with Skein's tool call and its output", () => {
    const request = codex.mock.requestsFor(threadId).find((r) => lastUserText(r.body) === CODEX_AFTER)!;
    expect(requestConversation(request.body)).toEqual([
      `user: ${CODEX_PROMPT}`,
      'assistant: tool output: mock_lookup({"key":"alpha"}) = 42',
      `user: ${SKEIN_PROMPT}`,
      `assistant: ${SKEIN_ANSWER}`,
      `user: ${CODEX_AFTER}`,
    ]);
    const body = JSON.stringify(request.body);
    expect(body).toContain('"call_id":"call_scripted_1"');
    expect(body).toContain(JSON.stringify(SKEIN_LOOKUP_RESULT));
  });

  it("keeps the ordinals contiguous across Codex's and Skein's lines", async () => {
    const ordinals = (await readRollout(path)).lines.map((l) => (l as { ordinal?: number }).ordinal);
    expect(ordinals).toEqual(ordinals.map((_, i) => i));
  });
});
