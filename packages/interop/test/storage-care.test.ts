import { existsSync } from "node:fs";
import { findRolloutPath } from "@skein/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, lastUserText } from "../src/index.js";
import { cliSkipReason, skeinJson } from "./support/skein-cli.js";
import { skeinOk } from "./support/skein-run.js";
import { requestConversation } from "./support/views.js";

// Issue 18 acceptance with the real Codex 0.169 (docs/storage-care.md): a thread Skein compressed
// is still listed by Codex and resumes with its whole history; a thread Skein pruned (or deleted
// to the trash) is gone from Codex's lists, and back after `skein trash restore`.

describe.skipIf(cliSkipReason)("storage care as Codex sees it", () => {
  let codex: CodexRunner;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    codex = await CodexRunner.start();
    for (const key of ["compressed", "pruned", "deleted"]) ids[key] = (await codex.exec(`thread ${key}: say hi`)).threadId;
    const app = await codex.appServer();
    expect((await app.listThreads()).length).toBe(3); // Codex has indexed every thread
    await app.close();
  }, 240_000);

  afterAll(async () => {
    await codex?.close();
  });

  it("lists and resumes a thread Skein compressed, with its whole history", async () => {
    const home = codex.codexHome;
    await skeinOk(home, ["compress", ids["compressed"]!, "--older-than", "0s"]);
    const found = await findRolloutPath(home, ids["compressed"]!);
    expect(found?.path.endsWith(".jsonl.zst")).toBe(true);
    const app = await codex.appServer();
    expect((await app.listThreads()).map((t) => t.id)).toContain(ids["compressed"]);
    await app.close();
    const resumed = await codex.execResume(ids["compressed"]!, "after compression");
    expect(resumed.threadId).toBe(ids["compressed"]);
    const last = codex.mock.requestsFor(ids["compressed"]!).find((r) => lastUserText(r.body) === "after compression")!;
    expect(requestConversation(last.body)).toEqual([
      "user: thread compressed: say hi",
      expect.stringMatching(/^assistant: mock reply #\d+: thread compressed: say hi$/),
      "user: after compression",
    ]);
    // Codex made it plain again before appending; Skein reads both turns.
    const shown = await skeinJson<{ items: unknown[] }>(home, ["show", ids["compressed"]!, "--items", "--json"]);
    expect(JSON.stringify(shown.items)).toContain("after compression");
  }, 240_000);

  it("a pruned thread and a deleted one leave Codex's lists and come back after restore", async () => {
    const home = codex.codexHome;
    const plan = await skeinJson<{ threads: { threadId: string; outcome: string }[] }>(home, ["prune", "--source", "exec", "--older-than", "0s", "--dry-run", "--json"]);
    expect(plan.threads.map((t) => t.threadId)).toContain(ids["pruned"]);
    await skeinOk(home, ["delete", ids["deleted"]!, "--yes"]);
    const pruned = await skeinJson<{ threads: { threadId: string; outcome: string }[] }>(home, ["prune", "--source", "exec", "--older-than", "0s", "--json"]);
    expect(pruned.threads.filter((t) => t.outcome === "trashed").map((t) => t.threadId)).toContain(ids["pruned"]);
    const trashed = pruned.threads.filter((t) => t.outcome === "trashed").map((t) => t.threadId);
    let app = await codex.appServer();
    let listed = [...(await app.listThreads()), ...(await app.listThreads({ archived: true }))].map((t) => t.id);
    await app.close();
    expect(listed).not.toContain(ids["pruned"]);
    expect(listed).not.toContain(ids["deleted"]);
    for (const id of [...trashed, ids["deleted"]!]) await skeinOk(home, ["trash", "restore", id]);
    expect(existsSync((await findRolloutPath(home, ids["pruned"]!))!.path)).toBe(true);
    app = await codex.appServer();
    listed = (await app.listThreads()).map((t) => t.id);
    expect(listed).toContain(ids["pruned"]);
    expect(listed).toContain(ids["deleted"]);
    expect((await app.readThread(ids["pruned"]!)).id).toBe(ids["pruned"]);
    await app.close();
  }, 240_000);
});
