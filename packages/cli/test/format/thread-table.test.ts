import { describe, expect, it } from "vitest";
import pc from "picocolors";
import type { StoredThread } from "@skein/protocol";
import { renderThreadTable } from "../../src/format/thread-table.js";

const NOW = Date.UTC(2026, 0, 10, 12);
const plain = pc.createColors(false);

function thread(overrides: Partial<StoredThread>): StoredThread {
  return {
    threadId: "019a2c4e-0000-7000-8000-000000000001",
    preview: "fix the flaky test",
    cwd: "/work/repo",
    createdAt: NOW - 7_200_000,
    updatedAt: NOW - 3_600_000,
    archived: false,
    ...overrides,
  } as StoredThread;
}

describe("renderThreadTable", () => {
  it("prints a header and one aligned row per thread", () => {
    const text = renderThreadTable(
      [thread({}), thread({ threadId: "019a2c4e-0000-7000-8000-000000000002", name: "release notes", cwd: "/w", updatedAt: NOW - 60_000 })],
      { width: 120, now: NOW, colors: plain },
    );
    expect(text.split("\n")).toEqual([
      "ID                                    NAME / PREVIEW      CWD         UPDATED",
      "019a2c4e-0000-7000-8000-000000000001  fix the flaky test  /work/repo  1h ago",
      "019a2c4e-0000-7000-8000-000000000002  release notes       /w          1m ago",
    ]);
  });

  it("marks archived threads after their age", () => {
    const text = renderThreadTable([thread({ archived: true })], { width: 120, now: NOW, colors: plain });
    expect(text.split("\n")[1]).toMatch(/1h ago \[archived\]$/);
  });

  it("puts a note under its thread's row, in the name column", () => {
    const t = thread({});
    const text = renderThreadTable([t], { width: 120, now: NOW, colors: plain, notes: new Map([[t.threadId, "…a flaky test…"]]) });
    expect(text.split("\n")[2]).toBe(`${" ".repeat(38)}…a flaky test…`);
  });

  it("fits a long name into the width the terminal leaves", () => {
    const text = renderThreadTable([thread({ name: "x".repeat(300) })], { width: 100, now: NOW, colors: plain });
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });
});
