import { describe, expect, it } from "vitest";
import type { StoredThread } from "@skein/protocol";
import { toThreadJson } from "../../src/format/thread-json.js";

function thread(overrides: Partial<StoredThread> = {}): StoredThread {
  return {
    threadId: "01a2143c-68cd-74a3-b783-defa951539b0",
    preview: "say hi",
    modelProvider: "mock",
    createdAt: Date.UTC(2026, 10, 25, 19, 43, 53),
    updatedAt: Date.UTC(2026, 10, 25, 19, 44, 0),
    recencyAt: Date.UTC(2026, 10, 25, 19, 44, 0),
    archived: false,
    cwd: "/tmp/codexwork",
    cliVersion: "0.169.0",
    source: "exec",
    memoryMode: "enabled",
    historyMode: "paginated",
    ...overrides,
  } as StoredThread;
}

describe("toThreadJson", () => {
  it("has exactly the documented keys, with ISO times and null for absent values", () => {
    expect(toThreadJson(thread())).toMatchInlineSnapshot(`
      {
        "archived": false,
        "createdAt": "2026-11-25T19:43:53.000Z",
        "cwd": "/tmp/codexwork",
        "forkedFromId": null,
        "id": "01a2143c-68cd-74a3-b783-defa951539b0",
        "model": null,
        "modelProvider": "mock",
        "name": null,
        "parentThreadId": null,
        "preview": "say hi",
        "rolloutPath": null,
        "source": "exec",
        "updatedAt": "2026-11-25T19:44:00.000Z",
      }
    `);
  });

  it("keeps an object source as an object", () => {
    expect(toThreadJson(thread({ source: { subagent: "review" } })).source).toEqual({ subagent: "review" });
  });

  it("reports an empty name as null", () => {
    expect(toThreadJson(thread({ name: "" })).name).toBeNull();
  });
});
