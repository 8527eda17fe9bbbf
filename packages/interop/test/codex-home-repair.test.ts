import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { isCodexWriterActive } from "@skein/thread-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner } from "../src/index.js";
import { killGroup } from "../src/internal/run-process.js";
import { cliSkipReason } from "./support/skein-cli.js";
import { runSkein, skeinOk } from "./support/skein-run.js";
import { openSkeinSide } from "./support/skein-writer.js";

// Issue 15 acceptance, with the real Codex 0.169 on homes it indexed itself: a Codex schema of an
// unknown shape is left untouched; a moved home is repaired by `skein doctor --fix` and then
// listed by Codex; one writer per thread across Skein and Codex, in both directions.

/** Every table's schema and rows of Codex's state DB, to compare before and after. */
function codexDbContents(home: string): string {
  const db = new Database(join(home, "state_5.sqlite"), { readonly: true });
  try {
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
    return JSON.stringify(tables.map((t) => ({ ...t, rows: db.prepare(`SELECT * FROM "${t.name}"`).all() })));
  } finally {
    db.close();
  }
}

describe.skipIf(cliSkipReason)("Codex's index of an unknown shape", () => {
  let codex: CodexRunner;
  beforeAll(async () => {
    codex = await CodexRunner.start();
  }, 120_000);
  afterAll(async () => {
    await codex?.close();
  });

  it("is left untouched by archive, rename and delete, with a warning; the Skein changes themselves are done", async () => {
    const ids = [];
    for (const key of ["archive", "rename", "remove"]) ids.push((await codex.exec(`thread ${key}: say hi`)).threadId);
    const db = new Database(join(codex.codexHome, "state_5.sqlite"));
    db.exec("ALTER TABLE threads RENAME COLUMN archived_at TO archived_when"); // a shape Skein does not know
    db.close();
    const before = codexDbContents(codex.codexHome);

    const archive = await runSkein(codex.codexHome, ["archive", ids[0]!]);
    expect(archive.code).toBe(0);
    expect(archive.stderr).toMatch(/warning: Codex's index \(state_5\.sqlite\) was not updated for .*column archived_at is missing.*left untouched/);
    expect((await runSkein(codex.codexHome, ["rename", ids[1]!, "a name"])).code).toBe(0);
    expect((await runSkein(codex.codexHome, ["delete", ids[2]!, "--yes"])).code).toBe(0);
    expect(codexDbContents(codex.codexHome)).toBe(before);

    const doctor = await runSkein(codex.codexHome, ["doctor", "--fix"]);
    expect(doctor.stdout).toContain("codex_unknown_schema");
    expect(codexDbContents(codex.codexHome)).toBe(before);
    const listed = JSON.parse(await skeinOk(codex.codexHome, ["list", "--json", "--archived"])) as { items: { id: string }[] };
    expect(listed.items.map((t) => t.id)).toContain(ids[0]);
  }, 180_000);
});

describe.skipIf(cliSkipReason)("a Codex home moved elsewhere", () => {
  let original: CodexRunner;
  let moved: CodexRunner | undefined;
  const parent = mkdtempSync(join(tmpdir(), "skein-moved-home-"));
  const ids: string[] = [];

  beforeAll(async () => {
    original = await CodexRunner.start();
    for (const key of ["one", "two"]) ids.push((await original.exec(`thread ${key}: say hi`)).threadId);
    await original.archive(ids[1]!);
    cpSync(original.codexHome, join(parent, "restored-codex"), { recursive: true }); // a backup restored on a new machine
    await original.close();
    moved = await CodexRunner.start({ codexHome: join(parent, "restored-codex") });
  }, 120_000);
  afterAll(async () => {
    await moved?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it("lists nothing in Codex until `skein doctor --fix` re-points Codex's rows; then Codex lists and reads every thread", async () => {
    const home = moved!.codexHome;
    let app = await moved!.appServer();
    expect(await app.listThreads()).toEqual([]); // what Codex 0.169 does with a moved home
    await app.close();

    const doctor = await runSkein(home, ["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain("codex_home_moved");
    const fixed = await runSkein(home, ["doctor", "--fix"]);
    expect(fixed.stdout).toMatch(/repaired Codex's index \(backup: .*\): 2 re-pointed/);
    expect((await runSkein(home, ["doctor"])).stdout).toContain("✓ Codex's index agrees with the home");

    app = await moved!.appServer();
    const active = (await app.listThreads()).map((t) => t.id);
    const archived = (await app.listThreads({ archived: true })).map((t) => t.id);
    expect(active).toEqual([ids[0]]);
    expect(archived).toEqual([ids[1]]);
    expect((await app.readThread(ids[0]!)).id).toBe(ids[0]);
    await app.close();
  }, 180_000);
});

describe.skipIf(cliSkipReason)("a process SIGKILLed in the middle of a Codex-index update", () => {
  let codex: CodexRunner;
  beforeAll(async () => {
    codex = await CodexRunner.start();
  }, 120_000);
  afterAll(async () => {
    await codex?.close();
  });

  it("leaves Codex's database valid; `skein doctor --fix` completes the change and Codex then lists and unarchives the thread", async () => {
    const threadId = (await codex.exec("say hi")).threadId;
    const db = new Database(join(codex.codexHome, "state_5.sqlite"), { readonly: true });
    const active = (db.prepare("SELECT rollout_path FROM threads WHERE id = ?").get(threadId) as { rollout_path: string }).rollout_path;
    db.close();
    // An archive moves the file first, then updates Codex's row: the update is killed half-way.
    const archived = join(codex.codexHome, "archived_sessions", basename(active));
    mkdirSync(dirname(archived), { recursive: true });
    renameSync(active, archived);
    const ready = join(codex.codexHome, "killed.ready");
    const script = fileURLToPath(new URL("./fixtures/codex-index-killed.mjs", import.meta.url));
    const child = spawn(process.execPath, [script, codex.codexHome, threadId, archived, ready], { stdio: "ignore" });
    const exited = new Promise((done) => child.once("exit", (_code, signal) => done(signal)));
    for (let i = 0; i < 1200 && !existsSync(ready) && child.exitCode === null; i++) await sleep(25);
    expect(existsSync(ready), "the child never reached the transaction").toBe(true);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const check = new Database(join(codex.codexHome, "state_5.sqlite"));
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(check.prepare("SELECT rollout_path, archived FROM threads WHERE id = ?").get(threadId)).toEqual({ rollout_path: active, archived: 0 });
    check.close();

    const doctor = await runSkein(codex.codexHome, ["doctor"]);
    expect(doctor.stdout).toContain(`codex_archived_flag_wrong ${threadId}`);
    const fixed = await runSkein(codex.codexHome, ["doctor", "--fix"]);
    expect(fixed.stdout).toMatch(/1 archived flags set/);
    const app = await codex.appServer();
    expect((await app.listThreads({ archived: true })).map((t) => t.id)).toEqual([threadId]);
    await app.close();
    await codex.unarchive(threadId);
  }, 180_000);
});

describe.skipIf(cliSkipReason)("one writer per thread across Skein and Codex", () => {
  let codex: CodexRunner;
  let threadId: string;
  beforeAll(async () => {
    codex = await CodexRunner.start();
    threadId = (await codex.exec("say hi")).threadId;
  }, 120_000);
  afterAll(async () => {
    await codex?.close();
  });

  it("Skein is refused while `codex exec resume` holds the thread, and works once Codex is gone", async () => {
    // `[[slow]]`: the mock never finishes the reply, so Codex keeps the thread as its writer.
    const line = codex.commandLine(["exec", "--skip-git-repo-check", "--json", "resume", threadId, "[[slow]] hold the thread"]);
    const child = spawn(line.command, line.args, { env: codex.env(), cwd: codex.workDir, stdio: ["ignore", "ignore", "ignore"], detached: true });
    const exited = new Promise((done) => child.once("exit", done));
    try {
      for (let i = 0; i < 600 && !isCodexWriterActive(codex.codexHome, threadId); i++) await sleep(50);
      expect(isCodexWriterActive(codex.codexHome, threadId), "codex exec resume never took its writer lock").toBe(true);
      for (const args of [["archive", threadId], ["delete", threadId, "--yes"]]) {
        const run = await runSkein(codex.codexHome, args);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/already has an active writer \(a Codex process holds thread-writer-locks\//);
      }
      await expect(
        (async () => {
          await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
          await skein.runTurns(threadId, ["skein turn while Codex writes"]);
        })(),
      ).rejects.toThrow(/already has an active writer/);
    } finally {
      killGroup(child.pid);
      await exited;
    }
    expect(isCodexWriterActive(codex.codexHome, threadId)).toBe(false);
    await skeinOk(codex.codexHome, ["archive", threadId]);
    await skeinOk(codex.codexHome, ["unarchive", threadId]);
  }, 180_000);

  it("`codex exec resume` is refused while a Skein LiveThread holds the thread, and works after it shuts down", async () => {
    await using skein = await openSkeinSide(codex.codexHome, { cwd: codex.workDir, provider: "mock" });
    const session = await skein.manager.resumeThread({ threadId });
    await expect(codex.execResume(threadId, "codex turn while Skein writes")).rejects.toThrow(/already has an active writer/);
    await session.shutdown();
    expect((await codex.execResume(threadId, "codex turn after Skein")).threadId).toBe(threadId);
  }, 180_000);
});
