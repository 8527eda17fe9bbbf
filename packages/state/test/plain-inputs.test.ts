import { describe, expect, it } from "vitest";
import { IndexedFileInput, InvalidArgumentError, ThreadMessagesInput } from "../src/index.js";
import { parseFileInput, parseMessagesInput } from "../src/internal/plain-inputs.js";

// The plain checks of the bulk inputs (src/internal/plain-inputs.ts) must give the schemas'
// verdict on every input: the same value when valid, an InvalidArgumentError when not.

const file = { path: "/s/a.jsonl", threadId: "t1", size: 10, mtimeMs: 5, byteOffset: 10, status: "indexed" };
const message = { position: 0, turnId: "turn-1", role: "user", atMs: 1700000000000, text: "hello" };
const messages = { threadId: "t1", mode: "replace", messages: [message, { position: 2, role: "tool", text: "" }], rolloutPath: "/s/a.jsonl", byteOffset: 10, itemCount: 3 };

const files: unknown[] = [
  file,
  { ...file, indexedAtMs: 7, error: "torn", status: "failed" },
  { ...file, threadId: undefined },
  { ...file, path: "" },
  { ...file, size: -1 },
  { ...file, mtimeMs: 1.5 },
  { ...file, status: "done" },
  { ...file, extra: 1 },
  { ...file, error: 3 },
  null,
  [],
];
const messageInputs: unknown[] = [
  messages,
  { ...messages, mode: "append", turnId: "turn-9", messages: [] },
  { ...messages, mode: "merge" },
  { ...messages, threadId: "" },
  { ...messages, byteOffset: -3 },
  { ...messages, extra: true },
  { ...messages, messages: [{ ...message, role: "system" }] },
  { ...messages, messages: [{ ...message, position: -1 }] },
  { ...messages, messages: [{ ...message, atMs: 1.25 }] },
  { ...messages, messages: [{ ...message, atMs: -5 }] },
  { ...messages, messages: [{ ...message, text: null }] },
  { ...messages, messages: [{ ...message, more: 1 }] },
  { ...messages, messages: [null] },
  { ...messages, messages: "none" },
  "text",
];

function verdict(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return { error: (error as Error).message };
  }
}

const cases = [
  { name: "file record", schema: IndexedFileInput, parse: parseFileInput, inputs: files },
  { name: "thread messages", schema: ThreadMessagesInput, parse: parseMessagesInput, inputs: messageInputs },
] as const;

describe("plain input checks", () => {
  for (const { name, schema, parse, inputs } of cases) {
    it(`agree with the ${name} schema`, () => {
      for (const input of inputs) {
        const bySchema = schema.safeParse(input);
        const plain = verdict(() => parse(input));
        if (bySchema.success) expect(plain).toEqual({ ok: bySchema.data });
        else expect(plain).toHaveProperty("error");
      }
    });
  }
});
