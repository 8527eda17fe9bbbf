import { readRollout, scanRolloutFiles } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, inputMessages } from "../src/index.js";
import { appendSkeinTurn } from "./support/skein-writer.js";
import { codexConversation, rolloutConversation } from "./support/views.js";

// The user/assistant texts of a request's input, without Codex's injected context messages.
function conversationOf(body: unknown): string[] {
  return inputMessages(body)
    .filter((m) => (m.role === "user" || m.role === "assistant") && !m.text.startsWith("<"))
    .map((m) => `${m.role}: ${m.text}`);
}

// Issue 7, part 3: Codex and Skein take turns appending to one thread (never at once).
describe("Mixed use of one home", () => {
  let codex: CodexRunner;
  let threadId: string;
  let path: string;

  beforeAll(async () => {
    codex = await CodexRunner.start();
    threadId = (await codex.exec("codex turn 1")).threadId;
    path = (await scanRolloutFiles(codex.codexHome)).find((f) => f.threadId === threadId)!.path;
    await appendSkeinTurn(path, { user: "skein turn 2", agent: "skein answer 2" });
    await codex.execResume(threadId, "codex turn 3");
    await appendSkeinTurn(path, { user: "skein turn 4", agent: "skein answer 4" });
    await codex.execResume(threadId, "codex turn 5");
  });
  afterAll(async () => {
    await codex?.close();
  });

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
    const last = codex.mock.requestsFor(threadId).at(-1)!;
    expect(conversationOf(last.body)).toEqual([
      "user: codex turn 1",
      "assistant: mock reply #1: codex turn 1",
      "user: skein turn 2",
      "assistant: skein answer 2",
      "user: codex turn 3",
      "assistant: mock reply #2: codex turn 3",
      "user: skein turn 4",
      "assistant: skein answer 4",
      "user: codex turn 5",
    ]);
  });

  it("reads the same conversation as Codex's thread/read", async () => {
    const app = await codex.appServer();
    const thread = await app.readThread(threadId, true);
    await app.close();
    expect(codexConversation(thread)).toEqual(rolloutConversation((await readRollout(path)).lines));
  });
});
