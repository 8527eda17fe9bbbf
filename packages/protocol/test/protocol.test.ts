import { describe, expect, it } from "vitest";
import {
  RolloutLine,
  ThreadMetadataPatch,
  isThreadId,
  mergePatch,
  newThreadId,
  threadIdTimestampMs,
} from "../src/index.js";

describe("newThreadId", () => {
  it("makes UUIDv7 ids whose timestamp is the creation time", () => {
    const id = newThreadId(1_795_635_833_037);
    expect(isThreadId(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect(threadIdTimestampMs(id)).toBe(1_795_635_833_037);
  });

  it("keeps ids made in the same millisecond strictly increasing", () => {
    const ids = Array.from({ length: 500 }, () => newThreadId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("rejects path-like ids", () => {
    expect(isThreadId("../etc/passwd")).toBe(false);
    expect(isThreadId("/abs/01a2143c-68cd-74a3-b783-defa951539b0")).toBe(false);
  });
});

describe("RolloutLine", () => {
  it("keeps an unknown record kind and unknown payload fields", () => {
    const raw = { timestamp: "2026-01-01T00:00:00.000Z", ordinal: 4, type: "world_state", payload: { full: true, x: 1 } };
    expect(RolloutLine.parse(raw)).toEqual(raw);
    const meta = {
      timestamp: "2026-01-01T00:00:00.000Z",
      type: "session_meta",
      payload: { id: "01a2143c-68cd-74a3-b783-defa951539b0", timestamp: "t", cwd: "/w", account_scoped: true },
    };
    expect(RolloutLine.parse(meta)).toEqual(meta);
  });

  it("rejects a known kind with an invalid payload", () => {
    const bad = { timestamp: "2026-01-01T00:00:00.000Z", type: "session_meta", payload: { cwd: 3 } };
    expect(RolloutLine.safeParse(bad).success).toBe(false);
  });
});

describe("ThreadMetadataPatch", () => {
  it("parses {} as an empty patch and keeps null as a clear", () => {
    expect(ThreadMetadataPatch.parse({})).toEqual({});
    expect(ThreadMetadataPatch.parse({ name: null })).toEqual({ name: null });
  });

  it("rejects unknown fields and wrong types", () => {
    expect(ThreadMetadataPatch.safeParse({ nmae: "x" }).success).toBe(false);
    expect(ThreadMetadataPatch.safeParse({ name: 3 }).success).toBe(false);
  });

  it("merges with presence semantics and merges git fields", () => {
    const merged = mergePatch(
      { name: "a", preview: "p", gitInfo: { sha: "1", branch: "main" } },
      { name: null, gitInfo: { branch: null, originUrl: "u" } },
    );
    expect(merged).toEqual({ name: null, preview: "p", gitInfo: { sha: "1", branch: null, originUrl: "u" } });
  });
});
