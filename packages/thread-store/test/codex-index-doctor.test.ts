import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { newThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { checkCodexIndex, repairCodexIndex } from "../src/index.js";
import { codexDbPath, codexRow, insertCodexRow, makeCodexStateDb } from "./codex-index-helpers.js";

// Issue 15: `doctor` names every way Codex's index disagrees with the home, `--fix` repairs it
// after a backup, and a process killed in the middle of an update leaves Codex's DB valid.

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const KILLED = join(PACKAGE_DIR, "test", "fixtures", "codex-index-killed.mjs");

let dir: TempDir;
afterEach(() => dir?.cleanup());

function rollout(home: string, threadId: string, where: "active" | "archived", stamp = "2026-11-25T19-43-53"): string {
  const name = `rollout-${stamp}-${threadId}.jsonl`;
  const folder = where === "active" ? join(home, "sessions", "2026", "11", "25") : join(home, "archived_sessions");
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, JSON.stringify({ timestamp: "2026-11-25T19:43:53.000Z", type: "session_meta", payload: { id: threadId, cwd: "/w", timestamp: "2026-11-25T19:43:53.000Z" } }) + "\n");
  return path;
}

function integrity(home: string): string {
  const db = new Database(codexDbPath(home));
  try {
    return db.pragma("integrity_check", { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe("skein doctor on Codex's index", () => {
  it("names each disagreement with its effect, and --fix repairs all of them after a backup", async () => {
    dir = makeTempDir("skein-codex-doctor-");
    const home = dir.path;
    makeCodexStateDb(home);
    const [ok, archivedOnDisk, moved, gone, renamed] = [newThreadId(), newThreadId(), newThreadId(), newThreadId(), newThreadId()];
    insertCodexRow(home, { id: ok, rolloutPath: rollout(home, ok, "active") });
    const activePath = join(home, "sessions", "2026", "11", "25", `rollout-2026-11-25T19-43-53-${archivedOnDisk}.jsonl`);
    rollout(home, archivedOnDisk, "archived");
    insertCodexRow(home, { id: archivedOnDisk, rolloutPath: activePath });
    const movedHere = rollout(home, moved, "active");
    insertCodexRow(home, { id: moved, rolloutPath: join("/old/laptop/.codex", "sessions", "2026", "11", "25", basename(movedHere)) });
    insertCodexRow(home, { id: gone, rolloutPath: join(home, "sessions", "2026", "11", "25", `rollout-2026-11-25T19-43-53-${gone}.jsonl`) });
    insertCodexRow(home, { id: renamed, rolloutPath: rollout(home, renamed, "active") });
    writeFileSync(join(home, "session_index.jsonl"), JSON.stringify({ id: renamed, thread_name: "release notes", updated_at: "2026-11-25T19:44:00Z" }) + "\n");
    rollout(home, newThreadId(), "active"); // a file Codex never indexed: not a problem

    const projection = new Database(join(home, "thread_history_1.sqlite"));
    projection.exec("CREATE TABLE thread_turns (thread_id TEXT NOT NULL, turn_id TEXT NOT NULL)");
    projection.prepare("INSERT INTO thread_turns VALUES (?, 't1'), (?, 't1')").run(gone, ok);
    projection.close();

    const report = await checkCodexIndex(home);
    const byKind = Object.fromEntries(report.problems.map((p) => [p.threadId, p.kind]));
    expect(byKind).toEqual({ [archivedOnDisk]: "archived-flag-wrong", [moved]: "stale-path", [gone]: "row-without-file", [renamed]: "name-lost" });
    expect(report.movedFrom).toBe("/old/laptop/.codex");
    expect(report.notIndexed).toBe(1);
    expect(report.problems.find((p) => p.threadId === archivedOnDisk)!.effect).toMatch(/missing from Codex's picker.*unarchive fails/);

    const fixed = await repairCodexIndex(home);
    expect(fixed.fixed).toEqual({ "stale-path": 1, "archived-flag-wrong": 1, "row-without-file": 1, "name-lost": 1 });
    expect(fixed.skipped).toBe(0);
    expect(existsSync(fixed.backupPath!)).toBe(true);
    const backup = new Database(fixed.backupPath!, { readonly: true });
    expect((backup.prepare("SELECT rollout_path FROM threads WHERE id = ?").get(moved) as { rollout_path: string }).rollout_path).toMatch(/^\/old\/laptop/);
    backup.close();

    expect(codexRow(home, archivedOnDisk)).toMatchObject({ archived: 1, rollout_path: join(home, "archived_sessions", basename(activePath)) });
    expect(codexRow(home, moved)!.rollout_path).toBe(movedHere);
    expect(codexRow(home, gone)).toBeUndefined();
    const after = new Database(join(home, "thread_history_1.sqlite"), { readonly: true });
    expect(after.prepare("SELECT thread_id FROM thread_turns").all()).toEqual([{ thread_id: ok }]);
    after.close();
    expect(codexRow(home, renamed)!.name).toBe("release notes");
    expect((await checkCodexIndex(home)).problems).toEqual([]);
  });

  it("an unknown schema is reported and never repaired", async () => {
    dir = makeTempDir("skein-codex-doctor-");
    makeCodexStateDb(dir.path, "CREATE TABLE threads (id TEXT PRIMARY KEY, path TEXT NOT NULL);");
    const report = await checkCodexIndex(dir.path);
    expect(report.unknownSchema).toMatch(/column rollout_path is missing/);
    const repair = await repairCodexIndex(dir.path);
    expect(repair.untouched).toMatch(/unknown threads table shape/);
    expect(repair.backupPath).toBeUndefined();
  });
});

describe("a process SIGKILLed in the middle of a Codex-index update", () => {
  it("leaves Codex's database valid and unchanged, and doctor --fix completes the change", async () => {
    dir = makeTempDir("skein-codex-kill-");
    const home = dir.path;
    makeCodexStateDb(home);
    const threadId = newThreadId();
    const active = rollout(home, threadId, "active");
    insertCodexRow(home, { id: threadId, rolloutPath: active });
    // Skein's archive moves the file first, then updates Codex's row: kill it during the update.
    const archived = join(home, "archived_sessions", basename(active));
    mkdirSync(dirname(archived), { recursive: true });
    renameSync(active, archived);
    const ready = join(home, "ready");
    const child = spawn(process.execPath, [KILLED, home, threadId, archived, ready], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, signal) => done(signal)));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 2000 && !existsSync(ready) && child.exitCode === null; i++) await sleep(10);
    expect(existsSync(ready), `child never reached the transaction: ${stderr}`).toBe(true);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    expect(integrity(home)).toBe("ok");
    expect(codexRow(home, threadId)).toMatchObject({ rollout_path: active, archived: 0 }); // rolled back whole

    const report = await checkCodexIndex(home);
    expect(report.problems.map((p) => p.kind)).toEqual(["archived-flag-wrong"]);
    const repair = await repairCodexIndex(home);
    expect(repair.fixed["archived-flag-wrong"]).toBe(1);
    expect(codexRow(home, threadId)).toMatchObject({ rollout_path: archived, archived: 1 });
    expect(integrity(home)).toBe("ok");
  });
});
