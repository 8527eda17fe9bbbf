import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { codexFilesDigest, codexReadProblems, lastSessionIndexEntry } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

describe("skein rename", () => {
  const homes = useHomes();
  const ids = () => codexFixtureIds(2);

  it("renames by id, records the name in session_index.jsonl, and keeps the rollouts readable", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["rename", ids()["T_P"]!, "Paginated, renamed", "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `renamed ${ids()["T_P"]} to "Paginated, renamed"\n` });
    expect(lastSessionIndexEntry(home, ids()["T_P"]!)?.thread_name).toBe("Paginated, renamed");
    const shown = await runCliJson<{ name: string }>(["show", ids()["T_P"]!, "--json", "--home", home]);
    expect(shown.name).toBe("Paginated, renamed");
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("renames by name", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["rename", "Legacy named thread", "Legacy, renamed", "--home", home]);
    expect(lastSessionIndexEntry(home, ids()["T_L"]!)?.thread_name).toBe("Legacy, renamed");
  });

  it("renames an archived thread", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["rename", ids()["T_B"]!, "Archived, renamed", "--home", home]);
    expect(result.code).toBe(0);
    expect(lastSessionIndexEntry(home, ids()["T_B"]!)?.thread_name).toBe("Archived, renamed");
  });

  it("clears a name when given an empty one", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["rename", ids()["T_L"]!, "", "--home", home]);
    expect(result).toMatchObject({ code: 0, stdout: `cleared the name of ${ids()["T_L"]}\n` });
    const shown = await runCliJson<{ name: string | null }>(["show", ids()["T_L"]!, "--json", "--home", home]);
    expect(shown.name).toBeNull();
  });

  it("fails with exit 1 for an unknown name and writes nothing", async () => {
    const home = homes.codex("codexhome2");
    const before = codexFilesDigest(home);
    const result = await runCli(["rename", "nobody", "x", "--home", home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no thread named "nobody"`);
    expect(codexFilesDigest(home)).toEqual(before);
  });
});
