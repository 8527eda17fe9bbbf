import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { newThreadId } from "@skein/protocol";
import { RolloutRecorder, appendSessionName, loadThreadHistory, readHeadSummary, readSessionNames } from "../src/index.js";

// Keeps the README's Usage section honest: the same calls, against a temp home.
describe("README usage example", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it("writes, summarizes, loads and names a thread", async () => {
    const home = tmp.path;
    const recorder = RolloutRecorder.create({
      home,
      threadId: newThreadId(),
      sessionMeta: { cwd: process.cwd(), originator: "skein", cli_version: "0.1.0", source: "cli", history_mode: "paginated" },
    });
    recorder.record([{ type: "event_msg", payload: { type: "user_message", message: "hello", images: [] } }]);
    await recorder.flush();
    await recorder.shutdown();

    const head = readHeadSummary(recorder.path);
    const history = await loadThreadHistory({ home, path: recorder.path });
    await appendSessionName(home, { threadId: head.threadId, name: "Greeting" });

    expect(head.preview).toBe("hello");
    expect(history.lines.map((l) => l.ordinal)).toEqual([0, 1]);
    expect((await readSessionNames(home)).get(head.threadId)).toBe("Greeting");
  });
});
