import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, inputItems, offeredToolNames } from "../src/index.js";
import { LOOKUP_TOOL } from "./support/codex-home-scenario.js";
import { openSkeinStore } from "./support/skein-store.js";
import { openSkeinSide, SKEIN_LOOKUP_RESULT } from "./support/skein-writer.js";
import { requestConversation } from "./support/views.js";

const SKEIN_PROVIDER = "skein-mock";
const SKEIN_PROMPTS = ["skein question one", "[[tool:mock_lookup]] skein uses the tool"];
// What Skein's ScriptedModel answered to SKEIN_PROMPTS (call #2 was the tool call).
const SKEIN_CONVERSATION = [
  "user: skein question one",
  "assistant: hi from scripted model #1 (you said: skein question one)",
  "user: [[tool:mock_lookup]] skein uses the tool",
  "assistant: Tool call_scripted_2 finished. Output starts: " + SKEIN_LOOKUP_RESULT,
];

// The tool call and its output, as Codex replays them to the model.
function toolExchangeOf(body: unknown): unknown[] {
  return inputItems(body)
    .filter((i) => {
      const type = (i as { type?: string }).type;
      return type === "function_call" || type === "function_call_output";
    })
    .map((i) => {
      const item = i as { type: string; name?: string; call_id?: string; output?: unknown };
      return item.type === "function_call" ? { call: item.name, id: item.call_id } : { output: item.output, id: item.call_id };
    });
}

// Issue 7, part 2: Skein writes a thread; the real Codex resumes it and the model sees it all.
describe("Skein writes, Codex reads", () => {
  let codex: CodexRunner;
  beforeAll(async () => {
    // `codex exec resume` refuses a thread recorded under another provider: register the mock
    // under the provider Skein records.
    codex = await CodexRunner.start({ provider: SKEIN_PROVIDER });
  });
  afterAll(async () => {
    await codex?.close();
  });

  // A thread Skein started through ThreadManager (legacy history) and ran two turns on.
  async function skeinThread(): Promise<string> {
    await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: SKEIN_PROVIDER });
    return await skein.startThread(SKEIN_PROMPTS); // awaited here: the store closes on leaving the block
  }

  it("codex exec resume <id> sends Skein's prior history to the model", async () => {
    const threadId = await skeinThread();
    const result = await codex.execResume(threadId, "codex continues");
    expect(result.threadId).toBe(threadId);
    const [request] = codex.mock.requestsFor(threadId);
    expect(requestConversation(request!.body)).toEqual([...SKEIN_CONVERSATION, "user: codex continues"]);
  });

  it("codex exec resume replays Skein's dynamic tool call and its output to the model", async () => {
    const threadId = await skeinThread();
    await codex.execResume(threadId, "what did the tool say?");
    expect(toolExchangeOf(codex.mock.requestsFor(threadId)[0]!.body)).toEqual([
      { call: LOOKUP_TOOL.name, id: "call_scripted_2" },
      { output: SKEIN_LOOKUP_RESULT, id: "call_scripted_2" },
    ]);
  });

  it("codex exec resume offers the dynamic tool Skein recorded", async () => {
    const threadId = await skeinThread();
    await codex.execResume(threadId, "which tools?");
    expect(offeredToolNames(codex.mock.requestsFor(threadId)[0]!.body)).toContain(LOOKUP_TOOL.name);
  });

  it("app-server thread/resume + turn/start sends the history and the dynamic tool, and Codex runs the tool through the client", async () => {
    const threadId = await skeinThread();
    const app = await codex.appServer();
    await app.resumeThread({ threadId });
    const turn = await app.runTurn(threadId, "now use [[tool:mock_lookup]]");
    await app.close();
    const requests = codex.mock.requestsFor(threadId);
    expect(requestConversation(requests[0]!.body).slice(0, 4)).toEqual(SKEIN_CONVERSATION);
    expect(offeredToolNames(requests[0]!.body)).toContain(LOOKUP_TOOL.name);
    expect(app.toolCalls.map((c) => ({ threadId: c.threadId, tool: c.tool, arguments: c.arguments }))).toEqual([
      { threadId, tool: LOOKUP_TOOL.name, arguments: { key: "alpha" } },
    ]);
    expect(turn.status).toBe("completed");
  });

  it("codex exec resume <name> finds a thread by the name Skein gave it (the last of two)", async () => {
    const threadId = await skeinThread();
    {
      await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: SKEIN_PROVIDER });
      await skein.manager.renameThread(threadId, "skein first name");
      await skein.manager.renameThread(threadId, "Skein named thread");
    }
    const result = await codex.execResume("Skein named thread", "resumed by name");
    expect(result.threadId).toBe(threadId);
    expect(requestConversation(codex.mock.requestsFor(threadId).at(-1)!.body)).toEqual([...SKEIN_CONVERSATION, "user: resumed by name"]);
  });

  it("Codex lists a thread Skein archived as archived, with Skein's name, and codex unarchive restores it", async () => {
    const threadId = await skeinThread();
    {
      await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: SKEIN_PROVIDER });
      await skein.manager.renameThread(threadId, "archived by skein");
      await skein.manager.archiveThread(threadId);
    }
    const app = await codex.appServer();
    const archived = await app.listThreads({ archived: true });
    const active = await app.listThreads();
    await app.close();
    expect(archived.filter((t) => t.id === threadId).map((t) => t.name)).toEqual(["archived by skein"]);
    expect(active.map((t) => t.id)).not.toContain(threadId);

    // Codex names a named thread by its name in this message: "Unarchived session <name> (<id>)."
    expect(await codex.unarchive(threadId)).toBe(`Unarchived session archived by skein (${threadId}).`);
    await using store = await openSkeinStore(codex.codexHome);
    const record = await store.readThread({ threadId });
    expect({ archived: record.archived, name: record.name }).toEqual({ archived: false, name: "archived by skein" });
  });
});
