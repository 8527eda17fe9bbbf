import { SessionMeta } from "@skein/protocol";
import { describe, expect, it } from "vitest";
import { sessionMetaFacts } from "../src/internal/session-meta-facts.js";

// The fast reading of a session_meta (src/internal/session-meta-facts.ts) must give the lenient
// schema's verdict and values for every payload, plain or odd.

const ID = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const OTHER = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const base = { id: ID, timestamp: "2026-01-02T03:04:05.000Z", cwd: "/repo" };

function bySchema(payload: Record<string, unknown>) {
  const parsed = SessionMeta.safeParse(payload);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  return {
    id: m.id,
    timestamp: m.timestamp,
    originator: m.originator,
    forked_from_id: m.forked_from_id,
    parent_thread_id: m.parent_thread_id,
    history_base: m.history_base,
    history_mode: m.history_mode,
  };
}

const payloads: Record<string, Record<string, unknown>> = {
  minimal: base,
  full: {
    ...base, originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", forked_from_id: OTHER, parent_thread_id: null,
    history_mode: "paginated", history_base: { thread_id: OTHER, end_byte_offset: 1234, end_ordinal_exclusive: 7, extra: true }, model_provider: "openai",
  },
  "upper-case id": { ...base, id: ID.toUpperCase() },
  "null fields": { ...base, forked_from_id: null, history_base: null, originator: undefined },
  "bad id": { ...base, id: "not-a-uuid" },
  "missing cwd": { id: ID, timestamp: base.timestamp },
  "numeric timestamp": { ...base, timestamp: 17 },
  "odd originator": { ...base, originator: 5 },
  "odd fork id": { ...base, forked_from_id: "../etc" },
  "odd parent id": { ...base, parent_thread_id: 12 },
  "odd history mode": { ...base, history_mode: "sometimes" },
  "odd history base": { ...base, history_base: { thread_id: OTHER, end_byte_offset: -1 } },
  "fractional offset": { ...base, history_base: { thread_id: OTHER, end_byte_offset: 1.5 } },
  "array history base": { ...base, history_base: [] },
  "history base without offset": { ...base, history_base: { thread_id: OTHER } },
  "odd fields it does not read": { ...base, memory_mode: "sometimes", base_instructions: "plain", dynamic_tools: "none", git: 3 },
};

describe("sessionMetaFacts", () => {
  for (const [name, payload] of Object.entries(payloads)) {
    it(`gives the schema's verdict and values: ${name}`, () => {
      expect(sessionMetaFacts(payload)).toEqual(bySchema(payload));
    });
  }

  it("accepts the plain case and refuses a payload without a valid id", () => {
    expect(sessionMetaFacts(payloads["full"]!)?.history_base).toEqual({ thread_id: OTHER, end_byte_offset: 1234, end_ordinal_exclusive: 7, extra: true });
    expect(sessionMetaFacts(payloads["bad id"]!)).toBeUndefined();
    expect(sessionMetaFacts(payloads["odd fork id"]!)?.forked_from_id).toBeUndefined();
  });
});
