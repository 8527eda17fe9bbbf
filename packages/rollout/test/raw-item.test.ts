import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { InvalidRawRolloutItemError, RolloutRecorder, isRolloutError, prepareRawRolloutItem, type RecordableItem } from "../src/index.js";
import { THREAD_1 } from "./fixtures/builders.js";

// Behaviour: docs/rollout-format.md, "Appending JSON text".

const CREATED = Date.UTC(2026, 0, 2, 3, 4, 5);
const ITEMS: RecordableItem[] = [
  { type: "event_msg", payload: { type: "user_message", message: 'quote " backslash \\ newline \n sep \u2028 😀', images: [] } },
  { type: "response_item", payload: { type: "function_call", name: "shell", arguments: '{"cmd":"ls"}', call_id: "c1" } },
  { type: "response_item", payload: { type: "reasoning", summary: [], content: null, encrypted_content: "gAAA" } },
  { type: "event_msg", payload: { type: "token_count", info: { total_token_usage: { total_tokens: 12, input_tokens: 10.5 } }, rate_limits: null } },
  { type: "turn_context", payload: { cwd: "/w", model: "gpt-5", approval_policy: "never" } },
];
const asText = (item: RecordableItem) => ({ type: item.type, payloadJson: JSON.stringify(item.payload) });

describe("prepareRawRolloutItem", () => {
  it("keeps a payload in JSON.stringify's spelling as given and reads its type", () => {
    const text = JSON.stringify(ITEMS[0]!.payload);
    const prepared = prepareRawRolloutItem({ type: "event_msg", payloadJson: text });
    expect(prepared.payloadJson).toBe(text);
    expect(prepared.payloadType).toBe("user_message");
    expect(prepareRawRolloutItem(prepared)).toBe(prepared);
  });

  it("re-prints other spellings of valid JSON the way JSON.stringify prints the value", () => {
    const prepared = prepareRawRolloutItem({ type: "response_item", payloadJson: '{ "type": "message", "n": 1.0, "a": 1, "a": 2, "s": "\\u0041\\/" }' });
    expect(prepared.payloadJson).toBe('{"type":"message","n":1,"a":2,"s":"A/"}');
    expect(prepared.payloadType).toBe("message");
  });

  it("accepts any JSON value as a payload, as the object path does", () => {
    expect(prepareRawRolloutItem({ type: "compacted", payloadJson: '"text"' }).payloadType).toBeUndefined();
    expect(prepareRawRolloutItem({ type: "x", payloadJson: "null" }).payloadJson).toBe("null");
  });

  it.each([
    ["not JSON", { type: "response_item", payloadJson: "{nope}" }, /payloadJson is not JSON/],
    ["two values", { type: "response_item", payloadJson: "{} {}" }, /payloadJson is not JSON/],
    ["a raw line break in a string", { type: "response_item", payloadJson: '{"a":"x\ny"}' }, /payloadJson is not JSON/],
    ["a missing type", { payloadJson: "{}" }, /type must be a string/],
    ["a payload that is not text", { type: "response_item", payloadJson: {} }, /payloadJson must be a string/],
  ])("rejects %s with a typed error", (_why, item, message) => {
    const error = (() => {
      try {
        prepareRawRolloutItem(item as never, 3);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidRawRolloutItemError);
    expect(isRolloutError(error)).toBe(true);
    expect((error as InvalidRawRolloutItemError).index).toBe(3);
    expect((error as Error).message).toMatch(message);
  });
});

describe("RolloutRecorder.appendRaw", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  const recorder = (home: string, paginated = false) =>
    RolloutRecorder.create({
      home,
      threadId: THREAD_1,
      createdAtMs: CREATED,
      now: () => CREATED + 5,
      sessionMeta: { cwd: "/work", cli_version: "0.1.0", ...(paginated ? { history_mode: "paginated" } : {}) } as never,
    });

  for (const paginated of [false, true]) {
    it(`writes the same file as append for the same items${paginated ? " (paginated ordinals)" : ""}`, async () => {
      const a = recorder(`${tmp.path}/a`, paginated);
      const b = recorder(`${tmp.path}/b`, paginated);
      for (const item of ITEMS) {
        await a.append([item]);
        await b.appendRaw([asText(item)]);
      }
      await b.appendRaw(ITEMS.map(asText));
      await a.append(ITEMS);
      await a.shutdown();
      await b.shutdown();
      const text = readFileSync(b.path, "utf8");
      expect(text).toBe(readFileSync(a.path, "utf8"));
      expect(text.split("\n")).toHaveLength(ITEMS.length * 2 + 2);
      if (paginated) expect(JSON.parse(text.split("\n")[3]!).ordinal).toBe(3);
    });
  }

  it("queues nothing of a batch with a bad item", async () => {
    const r = recorder(tmp.path);
    await r.appendRaw([asText(ITEMS[0]!)]);
    const before = readFileSync(r.path, "utf8");
    await expect(r.appendRaw([asText(ITEMS[1]!), { type: "response_item", payloadJson: "{" }])).rejects.toBeInstanceOf(InvalidRawRolloutItemError);
    expect(r.pendingCount).toBe(0);
    await r.shutdown();
    expect(readFileSync(r.path, "utf8")).toBe(before);
  });
});
