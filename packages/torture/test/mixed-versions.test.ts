import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { readRollout, scanRolloutFiles } from "@skein/rollout";
import { StateDb, loadMigrations } from "@skein/state";
import { LocalThreadStore } from "@skein/thread-store";
import { type CodexHomeName, extractCodexHome } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { seedThread, useTempDirs, userMessage } from "./helpers/home.js";

const tempDir = useTempDirs();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe("a DB migrated by a newer Skein", () => {
  it("opens in this version, ignores the unknown migration, and keeps working", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    const old = await seedThread(store, ["written before the upgrade"]);
    await store.close();
    const current = loadMigrations();
    const future = {
      version: current.length + 1,
      name: `${String(current.length + 1).padStart(4, "0")}_future_columns`,
      sql: "ALTER TABLE threads ADD COLUMN future_score REAL; CREATE TABLE future_things (id INTEGER PRIMARY KEY, note TEXT NOT NULL);",
      checksum: "f".repeat(64),
    };
    const newer = StateDb.open({ path: join(home, "skein_state_1.sqlite"), migrations: [...current, future] });
    expect(newer.migrationReport.applied).toEqual([future.version]);
    newer.close();

    const reopened = await LocalThreadStore.open({ home });
    try {
      expect(reopened.indexMode).toBe("sqlite");
      expect(reopened.recovered).toBeUndefined();
      const fresh = await seedThread(reopened, ["written after the downgrade"]);
      await reopened.updateThreadMetadata({ threadId: old.threadId, patch: { name: "renamed by the older Skein" } });
      const listed = (await reopened.listThreads({})).items.map((t) => t.threadId);
      expect(listed.sort()).toEqual([old.threadId, fresh.threadId].sort());
      const hits = await reopened.searchThreads({ searchTerm: "renamed" });
      expect(hits.items.map((h) => h.thread.threadId)).toEqual([old.threadId]);
      expect((await reopened.checkHome()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
    const again = StateDb.open({ path: join(home, "skein_state_1.sqlite") });
    try {
      expect(again.migrationReport.ignored).toEqual([future.version]);
    } finally {
      again.close();
    }
  });
});

const FIXTURE_HOMES: { name: CodexHomeName; writer: string }[] = [
  { name: "codexhome3-oldcli", writer: "Codex 0.100.0" },
  { name: "codexhome1", writer: "Codex 0.169.0" },
  { name: "codexhome3", writer: "Codex 0.100.0 then 0.169.0" },
];

describe("Codex fixture homes round-trip", () => {
  for (const { name, writer } of FIXTURE_HOMES) {
    it(`${name} (${writer}): read → resume → append keeps the original bytes as an exact prefix`, async () => {
      const fixture = extractCodexHome(name);
      cleanups.push(fixture.cleanup);
      const home = fixture.path;
      const files = await scanRolloutFiles(home);
      expect(files.length).toBeGreaterThan(0);
      const originals = new Map(files.map((f) => [f.threadId, { path: f.path, bytes: readFileSync(f.path), archived: f.archived }]));
      const store = await LocalThreadStore.open({ home });
      try {
        for (const [threadId, original] of originals) {
          const before = await readRollout(original.path);
          const read = await store.readThread({ threadId: threadId as ThreadId, includeArchived: true, includeHistory: true });
          expect(read.history?.length, threadId).toBe(before.lines.length);
          const marker = `skein round-trip ${newThreadId()}`;
          const live = await LiveThread.resume(store, {
            threadId: threadId as ThreadId,
            includeArchived: original.archived,
            metadata: { cwd: before.meta?.cwd ?? home, modelProvider: "openai" },
          });
          await live.appendItems([userMessage(marker)]);
          await live.shutdown();
          const after = readFileSync(original.path);
          expect(after.subarray(0, original.bytes.length).equals(original.bytes), `${original.path} prefix`).toBe(true);
          const reread = await readRollout(original.path);
          expect(reread.parseErrors, threadId).toBe(before.parseErrors - (before.tornTail && !before.tornTail.parsed ? 1 : 0));
          expect(reread.lines.at(-1)?.payload, threadId).toMatchObject({ type: "user_message", message: marker });
          expect(reread.lines.slice(0, before.lines.length)).toEqual(before.lines);
        }
        expect((await store.checkHome()).problems.filter((p) => p.kind !== "live_lock" && p.kind !== "stale_lock")).toEqual([]);
      } finally {
        await store.close();
      }
    }, 60_000);
  }
});
