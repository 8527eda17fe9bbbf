import { ThreadMetadataPatch } from "@skein/protocol";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, type ThreadRow } from "../../src/index.js";
import { threadRow, useTempDb } from "../helpers/builders.js";

const T0 = 1_700_000_000_000;
const LATER = 1_800_000_000_000;

/** A row with every clearable field filled, so a clear is observable. */
const fullRow = () =>
  threadRow({
    name: "my name",
    title: "derived title",
    firstUserMessage: "first message",
    model: "gpt-5",
    reasoningEffort: "high",
    threadSource: "user",
    agentNickname: "Nick",
    agentRole: "reviewer",
    agentPath: "/root/reviewer",
    approvalMode: "on-request",
    permissionProfile: { type: "read-only" },
    tokensUsed: 10,
    gitInfo: { sha: "aaa", branch: "main", originUrl: "git@example.com:a/b.git" },
    memoryMode: "enabled",
    historyMode: "legacy",
  });

interface PatchCase {
  field: keyof ThreadMetadataPatch;
  value: unknown;
  read: (row: ThreadRow) => unknown;
  expected: unknown;
  clearable: boolean;
}

const CASES: PatchCase[] = [
  { field: "name", value: "renamed", read: (r) => r.name, expected: "renamed", clearable: true },
  { field: "rolloutPath", value: "/elsewhere.jsonl", read: (r) => r.rolloutPath, expected: "/elsewhere.jsonl", clearable: false },
  { field: "preview", value: "new preview", read: (r) => r.preview, expected: "new preview", clearable: false },
  { field: "title", value: "new title", read: (r) => r.title, expected: "new title", clearable: false },
  { field: "modelProvider", value: "ollama", read: (r) => r.modelProvider, expected: "ollama", clearable: false },
  { field: "model", value: "o3", read: (r) => r.model, expected: "o3", clearable: false },
  { field: "reasoningEffort", value: "low", read: (r) => r.reasoningEffort, expected: "low", clearable: false },
  { field: "createdAt", value: T0 - 5000, read: (r) => r.createdAt, expected: T0 - 5000, clearable: false },
  { field: "updatedAt", value: LATER, read: (r) => r.updatedAt, expected: LATER, clearable: false },
  { field: "advanceRecencyAt", value: LATER, read: (r) => r.recencyAt, expected: LATER, clearable: false },
  { field: "source", value: { custom: "atlas" }, read: (r) => r.source, expected: { custom: "atlas" }, clearable: false },
  { field: "threadSource", value: "subagent", read: (r) => r.threadSource, expected: "subagent", clearable: true },
  { field: "agentNickname", value: "Bob", read: (r) => r.agentNickname, expected: "Bob", clearable: true },
  { field: "agentRole", value: "explorer", read: (r) => r.agentRole, expected: "explorer", clearable: true },
  { field: "agentPath", value: "/root/explorer", read: (r) => r.agentPath, expected: "/root/explorer", clearable: true },
  { field: "cwd", value: "/other", read: (r) => r.cwd, expected: "/other", clearable: false },
  { field: "cliVersion", value: "0.170.0", read: (r) => r.cliVersion, expected: "0.170.0", clearable: false },
  { field: "approvalMode", value: "never", read: (r) => r.approvalMode, expected: "never", clearable: false },
  { field: "permissionProfile", value: { type: "danger-full-access" }, read: (r) => r.permissionProfile, expected: { type: "danger-full-access" }, clearable: true },
  { field: "tokenUsage", value: { totalTokens: 1234 }, read: (r) => r.tokensUsed, expected: 1234, clearable: false },
  { field: "firstUserMessage", value: "hello again", read: (r) => r.firstUserMessage, expected: "hello again", clearable: false },
  { field: "gitInfo", value: { sha: "bbb", branch: "dev", originUrl: "https://x/y.git" }, read: (r) => r.gitInfo, expected: { sha: "bbb", branch: "dev", originUrl: "https://x/y.git" }, clearable: false },
  { field: "memoryMode", value: "disabled", read: (r) => r.memoryMode, expected: "disabled", clearable: false },
  { field: "historyMode", value: "paginated", read: (r) => r.historyMode, expected: "paginated", clearable: false },
];

describe("applyMetadataPatch", () => {
  const temp = useTempDb();

  it("has a case for every ThreadMetadataPatch field", () => {
    expect(CASES.map((c) => c.field).sort()).toEqual(Object.keys(ThreadMetadataPatch.shape).sort());
  });

  for (const c of CASES) {
    it(`sets ${c.field} and leaves every other field unchanged`, () => {
      const db = temp.open();
      const before = db.upsertThread(fullRow());
      const after = db.applyMetadataPatch(before.threadId, { [c.field]: c.value } as ThreadMetadataPatch)!;
      expect(c.read(after)).toEqual(c.expected);
      for (const other of CASES.filter((o) => o.field !== c.field)) {
        expect({ field: other.field, value: other.read(after) }).toEqual({ field: other.field, value: other.read(before) });
      }
    });

    if (c.clearable) {
      it(`clears ${c.field} with null`, () => {
        const db = temp.open();
        const before = db.upsertThread(fullRow());
        expect(c.read(before)).toBeDefined();
        const after = db.applyMetadataPatch(before.threadId, { [c.field]: null } as ThreadMetadataPatch)!;
        expect(c.read(after)).toBeUndefined();
      });
    } else if (c.field !== "gitInfo") {
      it(`rejects null for ${c.field}, which is not clearable`, () => {
        const db = temp.open();
        const before = db.upsertThread(fullRow());
        expect(() => db.applyMetadataPatch(before.threadId, { [c.field]: null } as unknown as ThreadMetadataPatch)).toThrow(
          InvalidArgumentError,
        );
        expect(db.getThread(before.threadId)).toEqual(before);
      });
    }
  }

  it("leaves the row unchanged for an empty patch", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    expect(db.applyMetadataPatch(before.threadId, {})).toEqual(before);
  });

  it("merges gitInfo per field: absent keeps, value sets", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    const after = db.applyMetadataPatch(before.threadId, { gitInfo: { branch: "feature" } })!;
    expect(after.gitInfo).toEqual({ sha: "aaa", branch: "feature", originUrl: "git@example.com:a/b.git" });
  });

  it("clears one git field with null and keeps the others", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    const after = db.applyMetadataPatch(before.threadId, { gitInfo: { sha: null } })!;
    expect(after.gitInfo).toEqual({ branch: "main", originUrl: "git@example.com:a/b.git" });
  });

  it("drops gitInfo entirely when every git field is cleared", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    const after = db.applyMetadataPatch(before.threadId, { gitInfo: { sha: null, branch: null, originUrl: null } })!;
    expect(after.gitInfo).toBeUndefined();
  });

  it("writes name to its own column and never to the title", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    const after = db.applyMetadataPatch(before.threadId, { name: "pinned name", title: "a later derived title" })!;
    expect([after.name, after.title]).toEqual(["pinned name", "a later derived title"]);
  });

  it("stores a negative token total as 0", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    expect(db.applyMetadataPatch(before.threadId, { tokenUsage: { totalTokens: -5 } })?.tokensUsed).toBe(0);
  });

  it("never moves recency backwards: an older advanceRecencyAt gives old + 1", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    const after = db.applyMetadataPatch(before.threadId, { advanceRecencyAt: before.recencyAt - 60_000 })!;
    expect(after.recencyAt).toBe(before.recencyAt + 1);
  });

  it("returns undefined for a thread without a row and creates nothing", () => {
    const db = temp.open();
    expect(db.applyMetadataPatch("0190a0a0-0000-7000-8000-00000000dead", { name: "x" })).toBeUndefined();
    expect(db.countThreads()).toBe(0);
  });

  it("rejects an unknown patch key with InvalidArgumentError", () => {
    const db = temp.open();
    const before = db.upsertThread(fullRow());
    expect(() => db.applyMetadataPatch(before.threadId, { nmae: "typo" } as unknown as ThreadMetadataPatch)).toThrow(
      InvalidArgumentError,
    );
  });
});

describe("upsertThread", () => {
  const temp = useTempDb();

  it("keeps the creation memory mode when an update does not give one", () => {
    const db = temp.open();
    const row = threadRow({ memoryMode: "disabled" });
    db.upsertThread(row);
    const { memoryMode: _omit, ...withoutMode } = row;
    expect(db.upsertThread({ ...withoutMode, preview: "updated" }).memoryMode).toBe("disabled");
  });

  it("inserts memory mode enabled and history mode legacy by default", () => {
    const row = temp.open().upsertThread(threadRow());
    expect([row.memoryMode, row.historyMode]).toEqual(["enabled", "legacy"]);
  });

  it("replaces the memory mode when an update gives one", () => {
    const db = temp.open();
    const row = threadRow({ memoryMode: "enabled" });
    db.upsertThread(row);
    expect(db.upsertThread({ ...row, memoryMode: "polluted" }).memoryMode).toBe("polluted");
  });

  it("keeps a user-set name when the update carries none", () => {
    const db = temp.open();
    const row = threadRow();
    db.upsertThread(row);
    db.applyMetadataPatch(row.threadId, { name: "Release prep" });
    expect(db.upsertThread({ ...row, title: "derived from the first message" }).name).toBe("Release prep");
  });

  it("keeps the old preview when the new one is empty", () => {
    const db = temp.open();
    const row = threadRow({ preview: "original" });
    db.upsertThread(row);
    expect(db.upsertThread({ ...row, preview: "" }).preview).toBe("original");
  });

  it("inserts the first user message as preview when the preview is empty", () => {
    expect(temp.open().upsertThread(threadRow({ preview: "", firstUserMessage: "hi there" })).preview).toBe("hi there");
  });

  it("keeps existing git fields and fills only the missing ones", () => {
    const db = temp.open();
    const row = threadRow({ gitInfo: { sha: "old" } });
    db.upsertThread(row);
    const after = db.upsertThread({ ...row, gitInfo: { sha: "new", branch: "main" } });
    expect(after.gitInfo).toEqual({ sha: "old", branch: "main" });
  });

  it("keeps the stored recency on update", () => {
    const db = temp.open();
    const row = threadRow({ updatedAt: T0, recencyAt: T0 });
    const inserted = db.upsertThread(row);
    expect(db.upsertThread({ ...row, updatedAt: LATER, recencyAt: LATER }).recencyAt).toBe(inserted.recencyAt);
  });

  it("rejects a row without a rollout path with InvalidArgumentError", () => {
    expect(() => temp.open().upsertThread({ ...threadRow(), rolloutPath: "" })).toThrow(InvalidArgumentError);
  });
});

describe("upsertMany", () => {
  const temp = useTempDb();

  it("writes every row in one go", () => {
    const db = temp.open();
    expect(db.upsertMany([threadRow(), threadRow(), threadRow()])).toBe(3);
    expect(db.countThreads()).toBe(3);
  });

  it("writes nothing when one row is invalid", () => {
    const db = temp.open();
    expect(() => db.upsertMany([threadRow(), { ...threadRow(), createdAt: -1 }])).toThrow(InvalidArgumentError);
    expect(db.countThreads()).toBe(0);
  });
});

describe("monotonic timestamps", () => {
  const temp = useTempDb();

  it("gives rows written in the same millisecond distinct increasing updatedAt values", () => {
    const db = temp.open();
    const now = Date.now();
    const values = [1, 2, 3].map(() => db.upsertThread(threadRow({ updatedAt: now })).updatedAt);
    expect(values).toEqual([now, now + 1, now + 2]);
  });

  it("keeps a historical time at least one second older than the mark", () => {
    const db = temp.open();
    const now = Date.now();
    db.upsertThread(threadRow({ updatedAt: now }));
    expect(db.upsertThread(threadRow({ updatedAt: now - 5000 })).updatedAt).toBe(now - 5000);
  });

  it("bumps a time less than a second older than the mark to mark + 1", () => {
    const db = temp.open();
    const now = Date.now();
    db.upsertThread(threadRow({ updatedAt: now }));
    expect(db.upsertThread(threadRow({ updatedAt: now - 300 })).updatedAt).toBe(now + 1);
  });

  it("seeds the mark from the stored maximum when the file is reopened", () => {
    const now = Date.now();
    const first = temp.open();
    first.upsertThread(threadRow({ updatedAt: now }));
    first.close(); // the last handle: the connection and its in-memory mark are gone
    expect(temp.open().upsertThread(threadRow({ updatedAt: now })).updatedAt).toBe(now + 1);
  });
});

describe("deleteThread", () => {
  const temp = useTempDb();

  it("removes the row and its dynamic-tool and indexed-file rows", () => {
    const db = temp.open();
    const row = db.upsertThread(threadRow());
    const keep = db.upsertThread(threadRow());
    db.recordIndexedFiles([
      { path: row.rolloutPath, threadId: row.threadId, size: 10, mtimeMs: T0, byteOffset: 10, status: "indexed" },
      { path: keep.rolloutPath, threadId: keep.threadId, size: 10, mtimeMs: T0, byteOffset: 10, status: "indexed" },
    ]);
    // An older build may still have written dynamic tools; insert one as it would.
    const raw = new Database(temp.dbPath());
    raw.prepare("INSERT INTO thread_dynamic_tools (thread_id, position, name, description, input_schema) VALUES (?, 0, 't', 'd', '{}')").run(row.threadId);
    expect(db.deleteThread(row.threadId)).toBe(true);
    expect(raw.prepare("SELECT COUNT(*) AS n FROM thread_dynamic_tools").get()).toEqual({ n: 0 });
    raw.close();
    expect(db.getThread(row.threadId)).toBeUndefined();
    expect(db.listIndexedFiles().map((f) => f.threadId)).toEqual([keep.threadId]);
    expect(db.searchThreads({ term: "flaky" }).items.map((h) => h.row.threadId)).toEqual([keep.threadId]);
  });

  it("reports false for a thread without a row", () => {
    expect(temp.open().deleteThread("0190a0a0-0000-7000-8000-00000000dead")).toBe(false);
  });
});

describe("markArchived / markUnarchived", () => {
  const temp = useTempDb();

  it("archives with the new path and keeps recency", () => {
    const db = temp.open();
    const row = db.upsertThread(threadRow());
    const archived = db.markArchived(row.threadId, { rolloutPath: "/home/u/.codex/archived_sessions/r.jsonl", archivedAtMs: LATER })!;
    expect(archived).toMatchObject({ archived: true, archivedAt: LATER, rolloutPath: "/home/u/.codex/archived_sessions/r.jsonl", recencyAt: row.recencyAt });
    expect(db.listThreads({ archived: true }).items.map((r) => r.threadId)).toEqual([row.threadId]);
    expect(db.listThreads({ archived: false }).items).toEqual([]);
  });

  it("unarchives with the restored path and a fresh updatedAt", () => {
    const db = temp.open();
    const row = db.upsertThread(threadRow());
    db.markArchived(row.threadId, { rolloutPath: "/a/archived.jsonl", archivedAtMs: LATER });
    const restored = db.markUnarchived(row.threadId, { rolloutPath: "/a/sessions/restored.jsonl", updatedAtMs: LATER + 10 })!;
    expect(restored.archived).toBe(false);
    expect(restored.archivedAt).toBeUndefined();
    expect([restored.rolloutPath, restored.updatedAt]).toEqual(["/a/sessions/restored.jsonl", LATER + 10]);
  });

  it("returns undefined for a thread without a row", () => {
    expect(temp.open().markArchived("0190a0a0-0000-7000-8000-00000000dead", { rolloutPath: "/x", archivedAtMs: 1 })).toBeUndefined();
  });
});
