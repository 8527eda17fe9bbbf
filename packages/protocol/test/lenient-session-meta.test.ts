import { describe, expect, it } from "vitest";
import { RolloutLine, SessionMeta, TurnContext, asWritten, unexpectedFieldsOf } from "../src/index.js";

const id = "01a2143c-68cd-74a3-b783-defa951539b0";
const base = { id, timestamp: "2026-01-01T00:00:00.000Z", cwd: "/w" };

describe("SessionMeta leniency (as Codex reads it)", () => {
  it("keeps a thread whose base_instructions is a plain string, setting the value aside as written", () => {
    const parsed = SessionMeta.parse({ ...base, base_instructions: "You are Codex.", model_provider: "openai" });
    expect(parsed.id).toBe(id);
    expect(parsed.model_provider).toBe("openai");
    expect(parsed.base_instructions).toBeUndefined();
    expect(unexpectedFieldsOf(parsed)).toEqual({ base_instructions: "You are Codex." });
    expect(asWritten(parsed)).toEqual({ ...base, base_instructions: "You are Codex.", model_provider: "openai" });
    // The typed value serializes without the odd field; nothing is renamed or invented.
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({ ...base, model_provider: "openai" });
  });

  it("accepts unknown enum values and wrong types in every optional field", () => {
    const odd = {
      memory_mode: "sometimes",
      history_mode: "segmented",
      dynamic_tools: { not: "a list" },
      git: "main",
      source: 42,
      forked_from_id: "not-a-uuid",
      history_base: { thread_id: id },
      cli_version: 169,
    };
    const parsed = SessionMeta.parse({ ...base, ...odd, future_field: [1, 2] });
    expect(unexpectedFieldsOf(parsed)).toEqual(odd);
    expect(parsed.history_mode).toBeUndefined();
    expect((parsed as Record<string, unknown>)["future_field"]).toEqual([1, 2]);
    const line = RolloutLine.parse({ timestamp: base.timestamp, type: "session_meta", payload: { ...base, ...odd } });
    expect(line.type).toBe("session_meta");
  });

  it("still requires the thread's id, time and cwd", () => {
    expect(SessionMeta.safeParse({ ...base, id: "x" }).success).toBe(false);
    expect(SessionMeta.safeParse({ id, cwd: "/w" }).success).toBe(false);
    expect(SessionMeta.safeParse({ id, timestamp: "t", cwd: 3 }).success).toBe(false);
  });

  it("reports nothing set aside for a well-formed meta", () => {
    const parsed = SessionMeta.parse({ ...base, memory_mode: "enabled", base_instructions: { text: "x" } });
    expect(unexpectedFieldsOf(parsed)).toBeUndefined();
    expect(parsed.base_instructions?.text).toBe("x");
  });

  it("keeps a turn_context whose cwd has an unexpected type", () => {
    const parsed = TurnContext.parse({ cwd: ["/a"], model: "m", approval_policy: "never" });
    expect(parsed.model).toBe("m");
    expect(parsed.cwd).toBeUndefined();
    expect(unexpectedFieldsOf(parsed)).toEqual({ cwd: ["/a"] });
  });
});
