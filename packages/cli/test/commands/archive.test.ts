import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { codexFilesDigest, codexReadProblems, threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

describe("skein archive / unarchive", () => {
  const homes = useHomes();
  const ids = () => codexFixtureIds(2);

  it("archive moves the rollout to archived_sessions/ unchanged", async () => {
    const home = homes.codex("codexhome2");
    const before = threadsOnDisk(home).find((t) => t.id === ids()["T_P"])!;
    const bytes = readFileSync(before.path);
    const result = await runCli(["archive", ids()["T_P"]!, "--home", home]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`archived ${ids()["T_P"]} (bring it back with \`skein unarchive ${ids()["T_P"]}\`)\n`);
    const after = threadsOnDisk(home).find((t) => t.id === ids()["T_P"])!;
    expect(after.archived).toBe(true);
    expect(existsSync(before.path)).toBe(false);
    expect(readFileSync(after.path).equals(bytes)).toBe(true);
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("an archived thread shows only with --archived", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["archive", "Legacy named thread", "--home", home]);
    const active = await runCliJson<{ items: { id: string }[] }>(["list", "--json", "--home", home]);
    const archived = await runCliJson<{ items: { id: string; archived: boolean }[] }>(["list", "--json", "--archived", "--home", home]);
    expect(active.items.map((t) => t.id)).not.toContain(ids()["T_L"]);
    expect(archived.items.find((t) => t.id === ids()["T_L"])?.archived).toBe(true);
  });

  it("unarchive moves the rollout back to its dated folder", async () => {
    const home = homes.codex("codexhome2");
    const before = threadsOnDisk(home).find((t) => t.id === ids()["T_B"])!;
    const [, year, month, day] = /rollout-(\d{4})-(\d{2})-(\d{2})T/.exec(basename(before.path))!;
    const result = await runCli(["unarchive", ids()["T_B"]!, "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `unarchived ${ids()["T_B"]}\n` });
    const after = threadsOnDisk(home).find((t) => t.id === ids()["T_B"])!;
    expect(after.archived).toBe(false);
    // The dated folder comes from the file name Codex gave it (its creation time).
    expect(after.path).toBe(join(home, "sessions", year!, month!, day!, basename(before.path)));
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("archiving an archived thread succeeds and changes nothing", async () => {
    const home = homes.codex("codexhome2");
    const before = codexFilesDigest(home);
    const result = await runCli(["archive", ids()["T_B"]!, "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `${ids()["T_B"]} is already archived\n` });
    expect(codexFilesDigest(home)).toEqual(before);
  });

  it("unarchiving an active thread succeeds and changes nothing", async () => {
    const home = homes.codex("codexhome2");
    const before = codexFilesDigest(home);
    const result = await runCli(["unarchive", ids()["T_A"]!, "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `${ids()["T_A"]} is not archived\n` });
    expect(codexFilesDigest(home)).toEqual(before);
  });
});
