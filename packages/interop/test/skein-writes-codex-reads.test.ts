import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, inputMessages, offeredToolNames } from "../src/index.js";
import { LOOKUP_TOOL } from "./support/codex-home-scenario.js";
import { writeSkeinThread } from "./support/skein-writer.js";
import { openSkeinStore } from "./support/skein-store.js";

const SKEIN_PROVIDER = "skein-mock";
const SKEIN_TURNS = [
  { user: "skein question one", agent: "skein answer one" },
  { user: "skein question two", agent: "skein answer two" },
];

// The user/assistant texts of a request's input, without Codex's injected context messages.
function conversationOf(body: unknown): string[] {
  return inputMessages(body)
    .filter((m) => (m.role === "user" || m.role === "assistant") && !m.text.startsWith("<"))
    .map((m) => `${m.role}: ${m.text}`);
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

  it("codex exec resume <id> sends Skein's prior history to the model", async () => {
    const threadId = await writeSkeinThread({ home: codex.codexHome, cwd: codex.workDir, provider: SKEIN_PROVIDER, turns: SKEIN_TURNS });
    const result = await codex.execResume(threadId, "codex continues");
    expect(result.threadId).toBe(threadId);
    const [request] = codex.mock.requestsFor(threadId);
    expect(conversationOf(request!.body)).toEqual([
      "user: skein question one",
      "assistant: skein answer one",
      "user: skein question two",
      "assistant: skein answer two",
      "user: codex continues",
    ]);
  });

  it("codex exec resume offers the dynamic tool Skein recorded", async () => {
    const threadId = await writeSkeinThread({ home: codex.codexHome, cwd: codex.workDir, provider: SKEIN_PROVIDER, turns: SKEIN_TURNS });
    await codex.execResume(threadId, "which tools?");
    expect(offeredToolNames(codex.mock.requestsFor(threadId)[0]!.body)).toContain(LOOKUP_TOOL.name);
  });

  it("app-server thread/resume + turn/start sends the history and the dynamic tool, and Codex runs the tool through the client", async () => {
    const threadId = await writeSkeinThread({ home: codex.codexHome, cwd: codex.workDir, provider: SKEIN_PROVIDER, turns: SKEIN_TURNS });
    const app = await codex.appServer();
    await app.resumeThread({ threadId });
    const turn = await app.runTurn(threadId, "now use [[tool:mock_lookup]]");
    await app.close();
    const requests = codex.mock.requestsFor(threadId);
    expect(conversationOf(requests[0]!.body).slice(0, 4)).toEqual([
      "user: skein question one",
      "assistant: skein answer one",
      "user: skein question two",
      "assistant: skein answer two",
    ]);
    expect(offeredToolNames(requests[0]!.body)).toContain(LOOKUP_TOOL.name);
    expect(app.toolCalls.map((c) => ({ threadId: c.threadId, tool: c.tool, arguments: c.arguments }))).toEqual([
      { threadId, tool: LOOKUP_TOOL.name, arguments: { key: "alpha" } },
    ]);
    expect(turn.status).toBe("completed");
  });

  it("codex exec resume <name> finds a thread by the name Skein gave it (the last of two)", async () => {
    const threadId = await writeSkeinThread({ home: codex.codexHome, cwd: codex.workDir, provider: SKEIN_PROVIDER, turns: SKEIN_TURNS });
    {
      await using store = await openSkeinStore(codex.codexHome);
      await store.updateThreadMetadata({ threadId, patch: { name: "skein first name" } });
      await store.updateThreadMetadata({ threadId, patch: { name: "Skein named thread" } });
    }
    const result = await codex.execResume("Skein named thread", "resumed by name");
    expect(result.threadId).toBe(threadId);
    expect(conversationOf(codex.mock.requestsFor(threadId).at(-1)!.body).slice(0, 2)).toEqual([
      "user: skein question one",
      "assistant: skein answer one",
    ]);
  });

  it("Codex lists a thread Skein archived as archived, with Skein's name, and codex unarchive restores it", async () => {
    const threadId = await writeSkeinThread({ home: codex.codexHome, cwd: codex.workDir, provider: SKEIN_PROVIDER, turns: SKEIN_TURNS });
    {
      await using store = await openSkeinStore(codex.codexHome);
      await store.updateThreadMetadata({ threadId, patch: { name: "archived by skein" } });
      await store.archiveThread({ threadId });
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
