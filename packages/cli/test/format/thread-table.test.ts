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

describe("renderThreadTable with wide characters", () => {
  // Terminal columns by hand: CJK ideographs and these emoji take two, ASCII one.
  it("keeps the columns aligned when names are CJK or carry emoji", () => {
    const text = renderThreadTable(
      [
        thread({ threadId: "019a2c4e-0000-7000-8000-000000000001", name: "修复测试", cwd: "/w" }),
        thread({ threadId: "019a2c4e-0000-7000-8000-000000000002", name: "ship it 🚀🚀", cwd: "/项目" }),
        thread({ threadId: "019a2c4e-0000-7000-8000-000000000003", name: "plain", cwd: "/work" }),
      ],
      { width: 120, now: NOW, colors: plain },
    );
    expect(text.split("\n")).toEqual([
      "ID                                    NAME / PREVIEW  CWD    UPDATED",
      "019a2c4e-0000-7000-8000-000000000001  修复测试        /w     1h ago",
      "019a2c4e-0000-7000-8000-000000000002  ship it 🚀🚀    /项目  1h ago",
      "019a2c4e-0000-7000-8000-000000000003  plain           /work  1h ago",
    ]);
  });

  it("truncates wide names by columns, never splitting a character or an emoji sequence", () => {
    const family = "👨‍👩‍👧";
    const text = renderThreadTable([thread({ name: `${"漢字".repeat(40)}`, preview: "" }), thread({ threadId: "019a2c4e-0000-7000-8000-000000000009", name: family.repeat(60) })], {
      width: 80,
      now: NOW,
      colors: plain,
    });
    const lines = text.split("\n");
    const ageAt = lines[0]!.indexOf("UPDATED");
    // Every row's age starts in the same terminal column as the header's.
    for (const line of lines.slice(1)) {
      const before = line.slice(0, line.lastIndexOf("1h ago"));
      expect(visibleColumns(before)).toBe(ageAt);
      expect(visibleColumns(line)).toBeLessThanOrEqual(80);
    }
    expect(lines[2]).toContain(`${family}…`);
    expect(lines[2]).not.toMatch(/\u200d…/);
  });
});

/** Columns by hand: East Asian wide ideographs and emoji presentation sequences count two. */
function visibleColumns(text: string): number {
  let n = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) {
    n += /[\u3000-\u9fff\uff00-\uffef]|\p{Extended_Pictographic}/u.test(segment) ? 2 : 1;
  }
  return n;
}
