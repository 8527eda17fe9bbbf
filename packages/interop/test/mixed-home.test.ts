import { readRollout, scanRolloutFiles } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, lastUserText } from "../src/index.js";
import { openSkeinSide } from "./support/skein-writer.js";
import { openSkeinStore, skeinThreadViews } from "./support/skein-store.js";
import { codexConversation, collectCodexTruth, requestConversation, rolloutConversation } from "./support/views.js";

// Issue 7, part 3: Codex and Skein take turns appending to one thread (never at once).
describe("Mixed use of one home", () => {
  let codex: CodexRunner;
  let threadId: string;
  let path: string;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    threadId = (await codex.exec("codex turn 1")).threadId;
    path = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === threadId)!.path;
    await skeinTurn("skein turn 2");
    await codex.execResume(threadId, "codex turn 3");
    await skeinTurn("skein turn 4");
    await codex.execResume(threadId, "codex turn 5");
    await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
    await skein.manager.renameThread(threadId, "shared thread");
  }, 180_000);
  afterAll(async () => {
    await codex?.close();
  });

  // Skein opens the home, resumes the thread through ThreadManager, runs a turn, and closes
  // everything again before Codex's next turn: the two never write at once.
  async function skeinTurn(prompt: string): Promise<void> {
    await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
    await skein.runTurns(threadId, [prompt]);
  }

  it("keeps every line parseable for Skein, with no torn tail", async () => {
    const read = await readRollout(path);
    expect({ parseErrors: read.parseErrors, badLines: read.badLines, tornTail: read.tornTail }).toEqual({
      parseErrors: 0,
      badLines: [],
      tornTail: undefined,
    });
  });

  it("keeps the paginated ordinals contiguous across both writers", async () => {
    const read = await readRollout(path);
    const ordinals = read.lines.map((l) => (l as { ordinal?: number }).ordinal);
    expect(ordinals).toEqual(ordinals.map((_, i) => i));
  });

  it("sends Codex's last request the whole conversation, both writers' turns in order", () => {
    const last = codex.mock.requestsFor(threadId).find((r) => lastUserText(r.body) === "codex turn 5")!;
    expect(requestConversation(last.body)).toEqual([
      "user: codex turn 1",
      "assistant: mock reply #1: codex turn 1",
      "user: skein turn 2",
      "assistant: hi from scripted model #1 (you said: skein turn 2)",
      "user: codex turn 3",
      "assistant: mock reply #2: codex turn 3",
      "user: skein turn 4",
      "assistant: hi from scripted model #1 (you said: skein turn 4)",
      "user: codex turn 5",
    ]);
  });

  // Skein records its turns in the thread's own (paginated) form, with `item_completed` items,
  // the only records Codex's thread/read projects for a paginated thread.
  it("reads the same conversation as Codex's thread/read, both writers' turns included", async () => {
    const app = await codex.appServer();
    const thread = await app.readThread(threadId, true);
    await app.close();
    expect(codexConversation(thread)).toEqual(rolloutConversation((await readRollout(path)).lines));
  });

  it("shows Skein's user and agent messages in Codex's thread/read, as completed turns of their own", async () => {
    const app = await codex.appServer();
    const thread = await app.readThread(threadId, true);
    await app.close();
    const turnIds = (await readRollout(path)).lines
      .filter((l) => l.type === "event_msg" && (l.payload as { type?: string }).type === "task_started")
      .map((l) => (l.payload as { turn_id: string }).turn_id);
    expect(thread.turns.map((t) => ({ id: t.id, status: t.status }))).toEqual(turnIds.map((id) => ({ id, status: "completed" })));
    expect(codexConversation(thread)).toEqual([
      { role: "user", text: "codex turn 1" },
      { role: "agent", text: "mock reply #1: codex turn 1" },
      { role: "user", text: "skein turn 2" },
      { role: "agent", text: "hi from scripted model #1 (you said: skein turn 2)" },
      { role: "user", text: "codex turn 3" },
      { role: "agent", text: "mock reply #2: codex turn 3" },
      { role: "user", text: "skein turn 4" },
      { role: "agent", text: "hi from scripted model #1 (you said: skein turn 4)" },
      { role: "user", text: "codex turn 5" },
      { role: "agent", text: "mock reply #3: codex turn 5" },
    ]);
  });

  it("lists the thread the same way in Codex and Skein: same id, archived flag, no fork parent", async () => {
    const app = await codex.appServer();
    const truth = await collectCodexTruth(app);
    await app.close();
    await using store = await openSkeinStore(codex.codexHome);
    expect(await skeinThreadViews(store)).toEqual([...truth.threads.values()]);
  });

  it("resolves the name Skein gave the Codex thread in both, and Codex's listing shows it", async () => {
    await using store = await openSkeinStore(codex.codexHome);
    expect((await store.readThread({ threadId })).name).toBe("shared thread");
    // Codex resolves names through session_index.jsonl, which Skein appends to, and lists a
    // paginated thread's name from its own state_5.sqlite, which Skein updates too (issue 15).
    const app = await codex.appServer();
    const listed = await app.listThreads();
    await app.close();
    expect(listed.map((t) => ({ id: t.id, name: t.name }))).toEqual([{ id: threadId, name: "shared thread" }]);
    expect((await codex.execResume("shared thread", "codex turn 6, by Skein's name")).threadId).toBe(threadId);
  });

  it("shows the same preview in both listings: the first user message", async () => {
    const app = await codex.appServer();
    const [listed] = await app.listThreads();
    await app.close();
    await using store = await openSkeinStore(codex.codexHome);
    const record = await store.readThread({ threadId });
    expect({ codex: listed?.preview, skein: record.preview }).toEqual({ codex: "codex turn 1", skein: "codex turn 1" });
  });
});
