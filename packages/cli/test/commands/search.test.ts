import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

interface SearchJson {
  items: { id: string; snippet: string }[];
  nextCursor: string | null;
}

describe("skein search", () => {
  const homes = useHomes();

  it("returns matching threads with a snippet marking the match", async () => {
    const result = await runCliJson<SearchJson>(["search", "legacy", "--json", "--home", homes.codex("codexhome2")]);
    const hit = result.items.find((item) => item.id === codexFixtureIds(2)["T_L"]);
    expect(hit?.snippet).toMatch(/\[legacy\]/i);
  });

  it("prints the snippet under each row for people", async () => {
    const result = await runCli(["search", "legacy", "--home", homes.codex("codexhome2")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[legacy\]/i);
  });

  it("says so when nothing matches", async () => {
    const result = await runCli(["search", "zzz-no-such-text", "--home", homes.codex("codexhome2")]);
    expect(result).toMatchObject({ code: 0, stdout: `no threads match "zzz-no-such-text" (search archived ones with --archived)\n` });
  });

  it("rejects an empty term as a usage error", async () => {
    const result = await runCli(["search", " ", "--home", homes.codex("codexhome2")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: search needs a non-empty term (see `skein --help`)\n");
  });
});
