import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { CODEX_HOMES, codexFixtureIds, extractCodexHome, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalThreadStore, ThreadNotFoundError } from "../src/index.js";
import { listAllThreads } from "./local-helpers.js";

// Expectations are computed straight from the fixture files (not through @skein/rollout), so the
// store is checked against the bytes Codex wrote.

interface FileFacts {
  id: string;
  path: string;
  archived: boolean;
  forkedFromId: string | undefined;
  lines: number;
  historyBase?: { thread_id: string; end_byte_offset: number };
}

function rolloutFiles(home: string): FileFacts[] {
  const out: FileFacts[] = [];
  const visit = (dir: string, archived: boolean) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p, archived);
      else if (/^rollout-.*\.jsonl$/.test(e.name)) {
        const text = readFileSync(p, "utf8").split("\n").filter((l) => l.trim() !== "");
        const meta = JSON.parse(text[0]!).payload;
        out.push({ id: meta.id, path: p, archived, forkedFromId: meta.forked_from_id ?? undefined, lines: text.length, historyBase: meta.history_base ?? undefined });
      }
    }
  };
  visit(join(home, "sessions"), false);
  visit(join(home, "archived_sessions"), true);
  return out;
}

function latestNames(home: string): Map<string, string> {
  const names = new Map<string, string>();
  const file = join(home, "session_index.jsonl");
  if (!existsSync(file)) return names;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    names.set(e.id, e.thread_name);
  }
  return names;
}


describe("LocalThreadStore over real Codex homes", () => {
  for (const name of CODEX_HOMES) {
    for (const index of ["sqlite", "none"] as const) {
      describe(`${name} (index: ${index})`, () => {
        let dir: TempDir;
        let store: LocalThreadStore;
        beforeEach(async () => {
          dir = extractCodexHome(name);
          store = await LocalThreadStore.open({ home: dir.path, index });
        });
        afterEach(async () => {
          await store.close();
          dir.cleanup();
        });

        it("lists every thread Codex has, with its archived flag, name and fork parent", async () => {
          const files = rolloutFiles(dir.path);
          const names = latestNames(dir.path);
          expect(files.length).toBeGreaterThan(0);
          for (const archived of [false, true]) {
            const listed = await listAllThreads(store, archived);
            const expected = files.filter((f) => f.archived === archived);
            expect(listed.map((t) => t.threadId).sort()).toEqual(expected.map((f) => f.id).sort());
            for (const t of listed) {
              const f = expected.find((x) => x.id === t.threadId)!;
              expect({ id: t.threadId, archived: t.archived, forkedFromId: t.forkedFromId, name: t.name }).toEqual({
                id: f.id, archived, forkedFromId: f.forkedFromId, name: names.get(f.id) || undefined,
              });
            }
          }
        });

        it("reads every thread with its full history (a paginated fork includes its parent's prefix)", async () => {
          const files = rolloutFiles(dir.path);
          for (const f of files) {
            const t = await store.readThread({ threadId: f.id, includeArchived: true, includeHistory: true });
            let expected = f.lines;
            let base = f.historyBase;
            while (base) {
              const parent = files.find((x) => x.id === base!.thread_id)!;
              const prefix = readFileSync(parent.path).subarray(0, base.end_byte_offset).toString("utf8");
              expected += prefix.split("\n").filter((l) => l.trim() !== "").length;
              base = parent.historyBase;
            }
            expect({ id: f.id, lines: t.history?.length }).toEqual({ id: f.id, lines: expected });
          }
        });

        it("archives, unarchives, renames and deletes a thread", async () => {
          const f = rolloutFiles(dir.path).find((x) => !x.archived)!;
          const bytes = readFileSync(f.path);
          await store.archiveThread({ threadId: f.id });
          const archived = await store.readThread({ threadId: f.id, includeArchived: true });
          expect(archived.archived).toBe(true);
          expect(readFileSync(archived.rolloutPath!).equals(bytes)).toBe(true);
          const back = await store.unarchiveThread({ threadId: f.id });
          expect(back.rolloutPath).toBe(f.path);
          const renamed = await store.updateThreadMetadata({ threadId: f.id, patch: { name: "Renamed by Skein" } });
          expect(renamed.name).toBe("Renamed by Skein");
          expect(latestNames(dir.path).get(f.id)).toBe("Renamed by Skein");
          await store.deleteThread({ threadId: f.id });
          expect(existsSync(f.path)).toBe(false);
          await expect(store.readThread({ threadId: f.id, includeArchived: true })).rejects.toThrow(new ThreadNotFoundError(f.id));
          expect(latestNames(dir.path).has(f.id)).toBe(false);
        });

        it("never touches Codex's own databases", async () => {
          const before = readdirSync(dir.path).filter((n) => n.startsWith("state_5")).map((n) => [n, statSync(join(dir.path, n)).mtimeMs]);
          await listAllThreads(store, false);
          const after = readdirSync(dir.path).filter((n) => n.startsWith("state_5")).map((n) => [n, statSync(join(dir.path, n)).mtimeMs]);
          expect(after).toEqual(before);
        });
      });
    }
  }

  it("codexhome2: T_C and T_F histories start with T_A's prefix", async () => {
    const ids = codexFixtureIds(2);
    const dir = extractCodexHome("codexhome2");
    const store = await LocalThreadStore.open({ home: dir.path });
    try {
      const a = await store.loadHistory({ threadId: ids["T_A"]!, includeArchived: true });
      for (const fork of ["T_C", "T_F"]) {
        const h = await store.loadHistory({ threadId: ids[fork]!, includeArchived: true });
        const own = h.items.findIndex((l, i) => i > 0 && l.type === "session_meta" && (l.payload as { id: string }).id === ids[fork]);
        expect(own).toBeGreaterThan(0);
        expect(h.items.slice(0, own)).toEqual(a.items.slice(0, own));
      }
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
