import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalThreadStore } from "@skein/thread-store";
import { runSkein, seedThread, useTempDirs } from "./helpers/home.js";

// SIGKILL at every step of compress, decompress, trash (prune), restore and empty
// (docs/storage-care.md, "Crash safety"): the storage modules kill themselves at the step named
// by SKEIN_CRASH_AT. Afterwards, once the next command has run: no thread lost or duplicated
// (each is live or in the trash, never both, never neither, except the one `empty` was deleting),
// every live thread reads back all its items, and Skein's index agrees with a full reindex.

const MESSAGES = ["one", "two", "three", "four", "five"];

interface Listed {
  items: { id: string }[];
}

async function json<T>(args: string[]): Promise<T> {
  const run = await runSkein(args);
  if (run.code !== 0) throw new Error(`skein ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Rollout temp files anywhere under the home's rollout folders. */
function tempFiles(home: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/^rollout-(de)?compress-.*\.tmp$/.test(entry.name)) found.push(path);
    }
  };
  walk(join(home, "sessions"));
  walk(join(home, "archived_sessions"));
  return found.sort();
}

/** Rollout files (either form) under the home's `sessions/`. */
function rolloutFiles(home: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/^rollout-.*\.jsonl(\.zst)?$/.test(entry.name)) found.push(path);
    }
  };
  walk(join(home, "sessions"));
  return found.sort();
}

async function liveIds(home: string): Promise<string[]> {
  const active = await json<Listed>(["list", "--all", "--json", "--home", home]);
  const archived = await json<Listed>(["list", "--all", "--archived", "--json", "--home", home]);
  return [...active.items, ...archived.items].map((t) => t.id).sort();
}

interface Case {
  step: string;
  /** Run before the killed command (not killed). */
  prepare?: (home: string, ids: string[]) => string[][];
  command: (home: string, ids: string[]) => string[];
  /** The command deletes for good: one thread may end in neither place. */
  deletes?: boolean;
}

const prune = (home: string) => ["prune", "--older-than", "0s", "--home", home];
const CASES: Case[] = [
  ...["compress:before", "compress:after-temps", "compress:after-link", "compress:after-file"].map((step) => ({
    step,
    command: (home: string) => ["compress", "--older-than", "0s", "--home", home],
  })),
  ...["decompress:before", "decompress:after-file"].map((step) => ({
    step,
    prepare: (home: string) => [["compress", "--older-than", "0s", "--home", home]],
    command: (home: string) => ["decompress", "--home", home],
  })),
  ...["trash:after-entry", "trash:after-move", "trash:after-index"].map((step) => ({ step, command: prune })),
  ...["restore:after-move", "restore:after-index"].map((step) => ({
    step,
    prepare: (home: string) => [prune(home)],
    command: (home: string, ids: string[]) => ["trash", "restore", ids[0]!, "--home", home],
  })),
  { step: "empty:after-rename", prepare: (home: string) => [prune(home)], command: (home: string) => ["trash", "empty", "--yes", "--home", home], deletes: true },
];

describe("storage care under SIGKILL", () => {
  const tempDir = useTempDirs();

  for (const c of CASES) {
    it(`keeps every thread exactly once when killed at ${c.step}`, async () => {
      const home = join(tempDir(), "home");
      const store = await LocalThreadStore.open({ home });
      const ids: string[] = [];
      try {
        for (let i = 0; i < 3; i++) ids.push((await seedThread(store, MESSAGES)).threadId);
      } finally {
        await store.close();
      }
      ids.sort();
      for (const args of c.prepare?.(home, ids) ?? []) expect((await runSkein(args)).code).toBe(0);
      const killed = await runSkein(c.command(home, ids), { SKEIN_CRASH_AT: c.step });
      expect(killed.code, `the command was not killed at ${c.step}: ${killed.stderr}`).toBeNull();

      // The next commands recover; then check. A compress killed mid-way may leave temp files:
      // doctor reports them, and the next compress removes them (none is held by a live writer).
      if (c.step.startsWith("compress:")) {
        const doctor = JSON.parse((await runSkein(["doctor", "--json", "--home", home])).stdout) as { problems: { kind: string; path?: string }[] };
        const leftovers = tempFiles(home);
        if (c.step === "compress:after-temps" || c.step === "compress:after-link") expect(leftovers.length, "the kill left no temp file to clean").toBeGreaterThan(0);
        expect(doctor.problems.filter((p) => p.kind === "stale_temp_file").map((p) => p.path).sort()).toEqual(leftovers);
        expect((await runSkein(["compress", "--older-than", "0s", "--home", home])).code).toBe(0);
        expect(tempFiles(home)).toEqual([]);
      }
      const trash = (await json<{ items: { threadId: string }[] }>(["trash", "list", "--json", "--home", home])).items.map((e) => e.threadId).sort();
      const live = await liveIds(home);
      for (const id of live) expect(trash, `${id} is both live and in the trash`).not.toContain(id);
      expect(new Set(live).size).toBe(live.length);
      const neither = ids.filter((id) => !live.includes(id) && !trash.includes(id));
      expect(neither.length, `lost: ${neither.join(", ")}`).toBe(c.deletes ? 1 : 0);
      for (const id of live) {
        const shown = await json<{ items: { payload?: { message?: string } }[] }>(["show", id, "--items", "--json", "--home", home]);
        expect(shown.items.map((item) => item.payload?.message).filter(Boolean)).toEqual(MESSAGES);
        expect(existsSync(join(home, ".skein", "trash", id)), `${id} live with a trash folder`).toBe(false);
      }
      for (const id of trash) {
        const folder = join(home, ".skein", "trash", id);
        expect(readdirSync(folder).some((f) => f.includes(id) && f.includes(".jsonl"))).toBe(true);
      }
      // The index agrees with the files: a full reindex lists the same threads.
      expect((await runSkein(["reindex", "--full", "--home", home])).code).toBe(0);
      expect(await liveIds(home)).toEqual(live);
      // And everything still works: each trashed thread restores.
      for (const id of trash) expect((await runSkein(["trash", "restore", id, "--home", home])).code).toBe(0);
      expect(await liveIds(home)).toEqual(ids.filter((id) => !neither.includes(id)));
    });
  }

  // `skein compress` keeps two batches (of up to 128 threads) under way at once: a kill while the
  // first is moved into place finds the second locked, encoded or synced (docs/storage-care.md, "Speed").
  for (const step of ["compress:after-link", "compress:after-file"]) {
    it(`keeps every thread exactly once when killed at ${step} with a second batch under way`, async () => {
      const home = join(tempDir(), "home");
      const store = await LocalThreadStore.open({ home });
      const ids: string[] = [];
      try {
        for (let i = 0; i < 200; i++) ids.push((await seedThread(store, ["only"])).threadId);
      } finally {
        await store.close();
      }
      ids.sort();
      const killed = await runSkein(["compress", "--older-than", "0s", "--home", home], { SKEIN_CRASH_AT: step });
      expect(killed.code, `the command was not killed at ${step}: ${killed.stderr}`).toBeNull();
      // The kill left every lock it held: at the first batch's links, the second batch's too.
      const locks = readdirSync(join(home, ".skein", "locks")).filter((name) => name.endsWith(".lock"));
      if (step === "compress:after-link") expect(locks.length, "both batches held their locks").toBe(200);
      expect((await runSkein(["compress", "--older-than", "0s", "--home", home])).code).toBe(0);
      expect(tempFiles(home)).toEqual([]);
      // Each thread has exactly one rollout file, compressed by now, and the index lists each once.
      const files = rolloutFiles(home);
      expect(files.filter((f) => !f.endsWith(".jsonl.zst"))).toEqual([]);
      expect(ids.map((id) => files.filter((f) => f.includes(id)).length)).toEqual(ids.map(() => 1));
      expect(await liveIds(home)).toEqual(ids);
      for (const id of [ids[0]!, ids[150]!, ids[199]!]) {
        const shown = await json<{ items: { payload?: { message?: string } }[] }>(["show", id, "--items", "--json", "--home", home]);
        expect(shown.items.map((item) => item.payload?.message).filter(Boolean)).toEqual(["only"]);
      }
      expect((await runSkein(["reindex", "--full", "--home", home])).code).toBe(0);
      expect(await liveIds(home)).toEqual(ids);
    });
  }
});
