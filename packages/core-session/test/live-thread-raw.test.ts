import { appendFileSync, readFileSync } from "node:fs";
import type { RolloutItem, ThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { InMemoryThreadStore, LocalThreadStore } from "@skein/thread-store";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidSessionRequestError, LiveThread } from "../src/index.js";
import { manualClock } from "./fixtures/clock.js";
import { agentMessage, assistantOutput, goalUpdated, paginatedUserMessage, taskComplete, taskStarted, tokenCount, turnContext, userMessage } from "./fixtures/items.js";

// Behaviour: docs/live-threads.md, "Appending JSON text".

const ID = "019b0000-0000-7000-8000-0000000000a1" as ThreadId;

/** Every kind of record a turn writes, with text that stresses escaping. */
function mixedHistory(): RolloutItem[] {
  return [
    taskStarted("turn-1"),
    turnContext({ turn_id: "turn-1" }),
    userMessage('fix "the" bug \u2028 in ünïcödé 😀 \\ path\n\tline'),
    { type: "response_item", payload: { type: "reasoning", summary: [{ type: "summary_text", text: "thinking\u2029" }], encrypted_content: null } },
    { type: "response_item", payload: { type: "function_call", name: "shell", arguments: '{"cmd":["ls","-la"]}', call_id: "call_1" } },
    { type: "response_item", payload: { type: "function_call_output", call_id: "call_1", output: "a\u0000b\u001f\u007f" } },
    assistantOutput("done: 1.5e-7 × 10"),
    agentMessage("done"),
    tokenCount(1234),
    goalUpdated("ship it"),
    paginatedUserMessage("second"),
    { type: "event_msg", payload: { type: "agent_message_delta", delta: "transient" } },
    { type: "compacted", payload: { message: "summary", replacement_history: [] } },
    taskComplete("turn-1", "done"),
  ];
}

const asText = (item: RolloutItem) => ({ type: item.type, payloadJson: JSON.stringify(item.payload) });

describe("LiveThread.appendRawItems", () => {
  let homes: TempDir[] = [];
  let stores: LocalThreadStore[] = [];
  afterEach(async () => {
    for (const s of stores) await s.close();
    for (const h of homes) h.cleanup();
    homes = [];
    stores = [];
  });

  /** A fresh home with its own store and clock (two homes with equal clocks write equal files). */
  async function openHome() {
    const home = makeTempDir();
    const clock = manualClock();
    const store = await LocalThreadStore.open({ home: home.path, now: clock.now });
    homes.push(home);
    stores.push(store);
    return { store, clock };
  }

  const create = ({ store, clock }: Awaited<ReturnType<typeof openHome>>, threadId: ThreadId = ID) =>
    LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: "/work", modelProvider: "openai" } }, { now: clock.now });

  /** Appends the same history to the same thread id in two homes, as objects and as JSON text, one call per item. */
  async function appendBoth(history: RolloutItem[], texts = history.map(asText)) {
    const a = await openHome();
    const b = await openHome();
    const objects = await create(a);
    const raw = await create(b);
    for (let i = 0; i < history.length; i++) {
      a.clock.advance(7);
      b.clock.advance(7);
      await objects.appendItems([history[i]!]);
      await raw.appendRawItems([texts[i]!]);
    }
    await objects.shutdown();
    await raw.shutdown();
    return { objects: await a.store.readThread({ threadId: ID }), raw: await b.store.readThread({ threadId: ID }) };
  }

  const bytesOf = (record: { rolloutPath?: string }) => readFileSync(record.rolloutPath!, "utf8");

  it("writes the bytes the object path writes, for every kind of record", async () => {
    const { objects, raw } = await appendBoth(mixedHistory());
    const body = bytesOf(raw);
    expect(body).toBe(bytesOf(objects));
    // The transient delta was dropped by the persistence policy, as for objects.
    expect(body).not.toContain("agent_message_delta");
    expect(body.split("\n").filter(Boolean)).toHaveLength(mixedHistory().length); // + session_meta
  });

  it("re-prints a payload that is valid JSON in another spelling, so the bytes still match", async () => {
    const history = [userMessage("a/b A \u2028"), assistantOutput("x")];
    const texts = [
      { type: "event_msg", payloadJson: ' { "type" : "user_message", "message":"a\\/b \\u0041 \\u2028", "images":[], "local_images":[], "text_elements":[] }\n' },
      { type: "response_item", payloadJson: '{"type":"message","role":"assistant","content":[{"type":"output_text","text":"x"}]}' },
    ];
    const { objects, raw } = await appendBoth(history, texts);
    expect(bytesOf(raw)).toBe(bytesOf(objects));
  });

  it("derives the same metadata as the object path", async () => {
    const { objects, raw } = await appendBoth(mixedHistory());
    const { rolloutPath: _a, ...expected } = objects;
    const { rolloutPath: _b, ...actual } = raw;
    expect(actual).toEqual(expected);
    expect(actual).toMatchObject({ preview: expect.stringContaining("fix"), model: "gpt-5" });
    expect(actual).toMatchObject({ tokensUsed: 1234 });
  });

  it("rejects a bad item with a typed error and writes nothing of its batch", async () => {
    const home = await openHome();
    const live = await create(home);
    await live.appendRawItems([asText(userMessage("first"))]);
    const path = (await home.store.readThread({ threadId: ID })).rolloutPath!;
    const before = readFileSync(path, "utf8");
    for (const bad of ['{"type":"message"', '{"type":"a"} {"type":"b"}', "", "{'a':1}", '{"a":"\n"}']) {
      const error = await live.appendRawItems([asText(agentMessage("ok")), { type: "response_item", payloadJson: bad }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSessionRequestError);
      expect((error as Error).message).toContain("invalid raw item [1]");
    }
    await expect(live.appendRawItems([{ type: 42, payloadJson: "{}" } as never])).rejects.toThrow(/type must be a string/);
    await live.flush();
    expect(readFileSync(path, "utf8")).toBe(before);
    await live.shutdown();
  });

  it("resumes a raw-appended thread and reads its history back", async () => {
    const history = mixedHistory();
    const home = await openHome();
    const live = await create(home);
    await live.appendRawItems(history.map(asText));
    await live.shutdown();
    const resumed = await LiveThread.resume(home.store, { threadId: ID, metadata: { cwd: "/work", modelProvider: "openai" } });
    const persisted = history.filter((i) => !(i.type === "event_msg" && (i.payload as { type: string }).type === "agent_message_delta"));
    expect(resumed.initialHistory.slice(1).map(({ type, payload }) => ({ type, payload }))).toEqual(persisted);
    await resumed.appendRawItems([asText(assistantOutput("after resume"))]);
    await resumed.shutdown();
    const lines = readFileSync((await home.store.readThread({ threadId: ID })).rolloutPath!, "utf8").trimEnd().split("\n");
    expect(JSON.parse(lines.at(-1)!).payload.content[0].text).toBe("after resume");
  });

  it("keeps the torn-tail rule: a partial last line is moved aside before the next raw append", async () => {
    const home = await openHome();
    const live = await create(home);
    await live.appendRawItems([asText(userMessage("kept"))]);
    await live.shutdown();
    const path = (await home.store.readThread({ threadId: ID })).rolloutPath!;
    appendFileSync(path, '{"timestamp":"2026-01-01T00:00:00.000Z","type":"response_item","payload":{"ty');
    const resumed = await LiveThread.resume(home.store, { threadId: ID, metadata: { cwd: "/work", modelProvider: "openai" } });
    await resumed.appendRawItems([asText(assistantOutput("after crash"))]);
    await resumed.shutdown();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).every((l) => JSON.parse(l) !== undefined)).toBe(true);
    expect(readFileSync(`${path}.torn`, "utf8")).toContain('"payload":{"ty');
  });
});

describe("LiveThread.appendRawItems on a store without appendRawItems", () => {
  it("gives the store parsed items and derives the same metadata", async () => {
    const clock = manualClock();
    const run = async (raw: boolean) => {
      const store = new InMemoryThreadStore({ now: clock.now });
      const threadId = ID;
      const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: "/work", modelProvider: "openai" } }, { now: clock.now });
      for (const item of mixedHistory()) {
        if (raw) await live.appendRawItems([asText(item)]);
        else await live.appendItems([item]);
      }
      await live.shutdown();
      return { record: await store.readThread({ threadId }), history: (await store.loadHistory({ threadId })).items };
    };
    const objects = await run(false);
    const raw = await run(true);
    expect(raw.record).toEqual(objects.record);
    expect(raw.history.map(({ type, payload }) => ({ type, payload }))).toEqual(objects.history.map(({ type, payload }) => ({ type, payload })));
  });
});
