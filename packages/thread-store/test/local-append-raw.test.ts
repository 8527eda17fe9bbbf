import { readFileSync } from "node:fs";
import { newThreadId } from "@skein/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidRequestError, ThreadNotFoundError, type LocalThreadStore } from "../src/index.js";
import { createParams, localHome, type LocalHome } from "./local-helpers.js";

// Behaviour: docs/rollout-format.md, "Appending JSON text".

describe("LocalThreadStore.appendRawItems", () => {
  let home: LocalHome;
  let store: LocalThreadStore;
  beforeEach(async () => {
    home = localHome();
    store = await home.open({ catchUp: "none" });
  });
  afterEach(() => home.cleanup());

  it("writes JSON-text items as given, applies the persistence policy, and refuses a bad batch whole", async () => {
    const params = createParams();
    await store.createThread(params);
    const payloadJson = '{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi \\"there\\""}]}';
    await store.appendRawItems({
      threadId: params.threadId,
      items: [
        { type: "response_item", payloadJson },
        { type: "event_msg", payloadJson: '{"type":"agent_message_delta","delta":"x"}' },
      ],
    });
    await store.flushThread({ threadId: params.threadId });
    const path = (await store.readThread({ threadId: params.threadId })).rolloutPath!;
    const before = readFileSync(path, "utf8");
    expect(before.trimEnd().split("\n")).toHaveLength(2);
    expect(before).toContain(`,"type":"response_item","payload":${payloadJson}}\n`);

    const bad = store.appendRawItems({ threadId: params.threadId, items: [{ type: "response_item", payloadJson }, { type: "response_item", payloadJson: "{" }] });
    await expect(bad).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(bad).rejects.toThrow(/invalid raw item \[1\]/);
    await store.shutdownThread({ threadId: params.threadId });
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("rejects an append to a thread without a live writer", async () => {
    await expect(store.appendRawItems({ threadId: newThreadId(), items: [{ type: "response_item", payloadJson: "{}" }] })).rejects.toBeInstanceOf(ThreadNotFoundError);
  });
});
