import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { checkThreadsShape, codexMarkArchived, type CodexSyncReport } from "../src/index.js";
import { codexCount, codexDbPath, codexRow, CODEX_0169_SCHEMA, insertCodexRow, makeCodexStateDb } from "./codex-index-helpers.js";
import { createParams, localHome, userTurn, type LocalHome } from "./local-helpers.js";
import Database from "better-sqlite3";

// Issue 15: Skein's archive, unarchive, rename and delete leave Codex's `threads` rows as Codex's
// own commands would (docs/codex-home-sync.md); an unknown schema is left untouched.

let h: LocalHome;
afterEach(async () => {
  await h?.cleanup();
});

/** A Codex-shaped home with one Skein thread; Codex has a row for it unless `indexedByCodex` is false. */
async function threadInCodexIndex(options: { historyMode?: "paginated" | "legacy"; indexedByCodex?: boolean; codexSync?: boolean } = {}) {
  h = localHome();
  makeCodexStateDb(h.home);
  const reports: CodexSyncReport[] = [];
  const store = await h.open({ onCodexSync: (r) => reports.push(r), ...(options.codexSync === false ? { codexSync: false } : {}) });
  const params = createParams();
  await store.createThread(params);
  await store.appendItems({ threadId: params.threadId, items: userTurn("say hi") });
  await store.shutdownThread({ threadId: params.threadId });
  const path = (await store.readThread({ threadId: params.threadId })).rolloutPath!;
  if (options.indexedByCodex !== false) {
    insertCodexRow(h.home, { id: params.threadId, rolloutPath: path, historyMode: options.historyMode ?? "paginated" });
  }
  return { store, threadId: params.threadId, path, reports };
}

describe("Codex's index follows Skein's changes", () => {
  it("archive points the row at the archived file and sets archived/archived_at; updated_at is kept", async () => {
    const { store, threadId, reports } = await threadInCodexIndex();
    await store.archiveThread({ threadId });
    const archivedPath = (await store.readThread({ threadId, includeArchived: true })).rolloutPath!;
    const row = codexRow(h.home, threadId)!;
    expect(row.rollout_path).toBe(archivedPath);
    expect(archivedPath).toContain("/archived_sessions/");
    expect(row.archived).toBe(1);
    expect(row.archived_at).toBeGreaterThan(0);
    expect(row.updated_at).toBe(1795635836);
    expect(reports.map((r) => r.status)).toEqual(["updated"]);
  });

  it("unarchive points the row back, clears the flag and bumps updated_at", async () => {
    const { store, threadId } = await threadInCodexIndex();
    await store.archiveThread({ threadId });
    const restored = await store.unarchiveThread({ threadId });
    const row = codexRow(h.home, threadId)!;
    expect(row.rollout_path).toBe(restored.rolloutPath);
    expect(row.archived).toBe(0);
    expect(row.archived_at).toBeNull();
    expect(row.updated_at).not.toBe(1795635836); // bumped to now, as Codex's unarchive does
    expect(Math.floor(row.updated_at_ms! / 1000)).toBe(row.updated_at);
  });

  it("rename sets `name` of a paginated thread and `title` of a legacy one", async () => {
    const paginated = await threadInCodexIndex();
    await paginated.store.updateThreadMetadata({ threadId: paginated.threadId, patch: { name: "release notes" } });
    expect(codexRow(h.home, paginated.threadId)).toMatchObject({ name: "release notes", title: "say hi" });
    await h.cleanup();
    const legacy = await threadInCodexIndex({ historyMode: "legacy" });
    await legacy.store.updateThreadMetadata({ threadId: legacy.threadId, patch: { name: "old style" } });
    expect(codexRow(h.home, legacy.threadId)).toMatchObject({ name: null, title: "old style" });
  });

  it("delete removes the row with its read receipt and dynamic tools", async () => {
    const { store, threadId } = await threadInCodexIndex();
    await store.deleteThread({ threadId });
    expect(codexRow(h.home, threadId)).toBeUndefined();
    expect(codexCount(h.home, "thread_read_receipts", threadId)).toBe(0);
    expect(codexCount(h.home, "thread_dynamic_tools", threadId)).toBe(0);
  });

  it("codexSync: false leaves Codex's row as it was", async () => {
    const { store, threadId } = await threadInCodexIndex({ codexSync: false });
    const before = codexRow(h.home, threadId);
    await store.archiveThread({ threadId });
    expect(codexRow(h.home, threadId)).toEqual(before);
  });

  it("a thread Codex never indexed is reported as not-indexed, and no row is invented", async () => {
    const { store, threadId, reports } = await threadInCodexIndex({ indexedByCodex: false });
    await store.archiveThread({ threadId });
    expect(reports.map((r) => r.status)).toEqual(["not-indexed"]);
    expect(codexRow(h.home, threadId)).toBeUndefined();
  });
});

describe("an unknown Codex schema is left untouched and reported", () => {
  it("the 0.169 shape is known", () => {
    const db = new Database(":memory:");
    db.exec(CODEX_0169_SCHEMA);
    expect(checkThreadsShape(db)).toMatchObject({ known: true });
    db.close();
  });

  it.each([
    ["a renamed column", CODEX_0169_SCHEMA.replace("rollout_path TEXT NOT NULL", "rollout_file TEXT NOT NULL"), /column rollout_path is missing/],
    ["a retyped column", CODEX_0169_SCHEMA.replace("archived INTEGER NOT NULL DEFAULT 0", "archived TEXT NOT NULL DEFAULT '0'"), /column archived is TEXT/],
    ["a re-constrained column", CODEX_0169_SCHEMA.replace("history_mode TEXT NOT NULL DEFAULT 'legacy', name TEXT,", "history_mode TEXT NOT NULL DEFAULT 'legacy', name TEXT NOT NULL DEFAULT '',"), /column name is NOT NULL/],
    ["no threads table", "CREATE TABLE other (id TEXT);", /no threads table/],
  ])("%s: no write, the file unchanged, status unknown-schema", async (_label, schema, reason) => {
    h = localHome();
    makeCodexStateDb(h.home, schema);
    // Settle the WAL into the main file so the bytes compared are the whole database.
    const settle = new Database(codexDbPath(h.home));
    settle.pragma("wal_checkpoint(TRUNCATE)");
    settle.close();
    const before = readFileSync(codexDbPath(h.home));
    const report = codexMarkArchived(h.home, { threadId: "01a2143c-68cd-74a3-b783-defa951539b0", rolloutPath: "/x", archivedAtMs: 1 });
    expect(report.status).toBe("unknown-schema");
    expect(report.detail).toMatch(reason);
    expect(readFileSync(codexDbPath(h.home)).equals(before)).toBe(true);
  });
});
