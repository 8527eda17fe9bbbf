import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner } from "../src/index.js";
import { cliSkipReason, skeinJson } from "./support/skein-cli.js";
import { requestConversation } from "./support/views.js";
import { runSkein } from "./support/skein-run.js";

// Issue 6 acceptance: `skein` rename / archive / unarchive / delete / fork leave a home that the
// real Codex still reads — lists, reads and resumes.

const BIN = join(dirname(dirname(createRequire(import.meta.url).resolve("@skein/cli"))), "dist", "bin.js");

async function skein(home: string, args: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, "--home", home], {
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, NO_COLOR: "1" },
  });
  return stdout.trim();
}

interface ListedThread {
  id: string;
  name: string | null;
  archived: boolean;
  forkedFromId: string | null;
}

describe.skipIf(cliSkipReason)("skein CLI mutations on a Codex home, read back by Codex", () => {
  let codex: CodexRunner;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    codex = await CodexRunner.start();
    for (const key of ["keep", "rename", "archive", "roundtrip", "remove"]) {
      ids[key] = (await codex.exec(`thread ${key}: say hi`)).threadId;
    }
    const home = codex.codexHome;
    await skein(home, ["rename", ids["rename"]!, "renamed by skein"]);
    await skein(home, ["archive", ids["archive"]!]);
    await skein(home, ["archive", ids["roundtrip"]!]);
    await skein(home, ["unarchive", ids["roundtrip"]!]);
    await skein(home, ["delete", ids["remove"]!, "--yes"]);
    ids["fork"] = await skein(home, ["fork", ids["keep"]!, "--name", "fork by skein"]);
  }, 240_000);

  afterAll(async () => {
    await codex?.close();
  });

  it("Codex lists what skein left: the archived thread out of the active list, the deleted thread gone, the fork present", async () => {
    const app = await codex.appServer();
    const active = (await app.listThreads()).map((t) => t.id).sort();
    await app.close();
    expect(active).toEqual([ids["keep"], ids["rename"], ids["roundtrip"], ids["fork"]].sort());
  });

  it("a thread Codex had indexed and skein archived: Codex lists it as archived; with --no-codex-sync it loses track until `skein doctor --fix`", async () => {
    // Issue 15: skein keeps Codex's own index (state_5.sqlite) in step. With the sync off, Codex
    // 0.169's row keeps pointing at the old path: Codex lists the thread nowhere and its
    // unarchive fails; `skein doctor` names that, and `--fix` repairs Codex's row.
    const listArchived = async (): Promise<string[]> => {
      const app = await codex.appServer();
      const ids = (await app.listThreads({ archived: true })).map((t) => t.id);
      await app.close();
      return ids;
    };
    expect(await listArchived()).toContain(ids["archive"]);

    await skein(codex.codexHome, ["unarchive", ids["archive"]!]);
    await skein(codex.codexHome, ["archive", ids["archive"]!, "--no-codex-sync"]);
    expect(await listArchived()).not.toContain(ids["archive"]);
    await expect(codex.unarchive(ids["archive"]!)).rejects.toThrow(/failed to unarchive session/);

    const doctor = await runSkein(codex.codexHome, ["doctor"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`codex_archived_flag_wrong ${ids["archive"]}`);
    const fixed = await runSkein(codex.codexHome, ["doctor", "--fix"]);
    expect(fixed.stdout).toMatch(/repaired Codex's index \(backup: .*codex-backups.*\): 0 re-pointed, 1 archived flags set/);
    expect(await listArchived()).toContain(ids["archive"]);
  }, 180_000);

  it("skein and Codex agree on the ids and archived flags", async () => {
    const ours = await skeinJson<{ items: ListedThread[] }>(codex.codexHome, ["list", "--json", "--limit", "100"]);
    const oursArchived = await skeinJson<{ items: ListedThread[] }>(codex.codexHome, ["list", "--archived", "--json"]);
    expect(ours.items.map((t) => t.id).sort()).toEqual([ids["keep"], ids["rename"], ids["roundtrip"], ids["fork"]].sort());
    expect(oursArchived.items.map((t) => t.id)).toEqual([ids["archive"]]);
    expect(ours.items.find((t) => t.id === ids["fork"])?.forkedFromId).toBe(ids["keep"]);
  });

  it("codex exec resume <name> resolves the name skein set", async () => {
    const result = await codex.execResume("renamed by skein", "resumed by the name skein set");
    expect(result.threadId).toBe(ids["rename"]);
  });

  it("Codex resumes the thread skein forked and the model sees the copied history", async () => {
    const result = await codex.execResume(ids["fork"]!, "continue the fork");
    expect(result.threadId).toBe(ids["fork"]);
    const request = codex.mock.requestsFor(ids["fork"]!).at(-1)!;
    expect(requestConversation(request.body)).toEqual([
      "user: thread keep: say hi",
      expect.stringMatching(/^assistant: /),
      "user: continue the fork",
    ]);
  });

  it("Codex resumes a thread skein archived and unarchived, in its dated folder", async () => {
    const result = await codex.execResume(ids["roundtrip"]!, "back from the archive");
    expect(result.threadId).toBe(ids["roundtrip"]);
    const index = readFileSync(join(codex.codexHome, "session_index.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(index.filter((e) => e.id === ids["rename"]).at(-1)?.thread_name).toBe("renamed by skein");
    expect(index.some((e) => e.id === ids["remove"])).toBe(false);
  });
});
