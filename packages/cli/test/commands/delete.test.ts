import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { codexReadProblems, lastSessionIndexEntry, threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

describe("skein delete", () => {
  const homes = useHomes();
  const ids = () => codexFixtureIds(2);

  it("removes the rollout and its session_index entries with --permanent --yes", async () => {
    const home = homes.codex("codexhome2");
    const file = threadsOnDisk(home).find((t) => t.id === ids()["T_L"])!;
    const result = await runCli(["delete", "Legacy named thread", "--permanent", "--yes", "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `deleted ${ids()["T_L"]} ("Legacy named thread")\n` });
    expect(existsSync(file.path)).toBe(false);
    expect(lastSessionIndexEntry(home, ids()["T_L"]!)).toBeUndefined();
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("no longer lists a deleted thread", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["delete", ids()["T_D"]!, "--yes", "--home", home]);
    const { items } = await runCliJson<{ items: { id: string }[] }>(["list", "--json", "--home", home]);
    expect(items.map((t) => t.id)).not.toContain(ids()["T_D"]);
  });

  it("refuses without --yes and leaves the file in place", async () => {
    const home = homes.codex("codexhome2");
    const file = threadsOnDisk(home).find((t) => t.id === ids()["T_D"])!;
    const result = await runCli(["delete", ids()["T_D"]!, "--home", home]);
    expect(result.code).toBe(2);
    expect(existsSync(file.path)).toBe(true);
  });
});
