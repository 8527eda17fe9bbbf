import { describe, expect, it } from "vitest";
import { codexFixtureIds, readCodexThreadRows } from "@skein/testkit";
import { threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli } from "../helpers/run-cli.js";

// Issue 15: in a Codex home, `skein archive` also updates Codex's own row (state_5.sqlite, made
// by the real Codex 0.169 in the fixture); `--no-codex-sync` and `SKEIN_CODEX_SYNC=0` leave it alone.

function codexRow(home: string, id: string): { rolloutPath: string; archived: boolean } {
  const row = readCodexThreadRows(home).get(id)!;
  return { rolloutPath: row.rolloutPath, archived: row.archived };
}

describe("skein and Codex's index", () => {
  const homes = useHomes();
  const id = () => codexFixtureIds(2)["T_P"]!;

  it("archive updates Codex's row: the archived file, archived = 1", async () => {
    const home = homes.codex("codexhome2");
    expect((await runCli(["archive", id(), "--home", home])).code).toBe(0);
    const archived = threadsOnDisk(home).find((t) => t.id === id())!;
    expect(codexRow(home, id())).toEqual({ rolloutPath: archived.path, archived: true });
  });

  it.each([
    ["--no-codex-sync", ["--no-codex-sync"], {}],
    ["SKEIN_CODEX_SYNC=0", [], { SKEIN_CODEX_SYNC: "0" }],
  ])("%s leaves Codex's row as it was", async (_label, flags, env) => {
    const home = homes.codex("codexhome2");
    const before = codexRow(home, id());
    const result = await runCli(["archive", id(), "--home", home, ...flags], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(threadsOnDisk(home).find((t) => t.id === id())!.archived).toBe(true);
    expect(codexRow(home, id())).toEqual(before);
  });
});
