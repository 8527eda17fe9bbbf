import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

interface ShowJson {
  id: string;
  name: string | null;
  archived: boolean;
  forkedFromId: string | null;
  items?: { type: string; payload: { id?: string } }[];
}

describe("skein show", () => {
  const homes = useHomes();
  const ids = () => codexFixtureIds(2);

  it("shows a thread by id", async () => {
    const shown = await runCliJson<ShowJson>(["show", ids()["T_L"]!, "--json", "--home", homes.codex("codexhome2")]);
    expect(shown).toMatchObject({ id: ids()["T_L"], name: "Legacy named thread", archived: false });
    expect(shown.items).toBeUndefined();
  });

  it("shows an archived thread by id", async () => {
    const shown = await runCliJson<ShowJson>(["show", ids()["T_B"]!, "--json", "--home", homes.codex("codexhome2")]);
    expect(shown).toMatchObject({ id: ids()["T_B"], archived: true });
  });

  it("resolves a name to the most recently updated thread with that name", async () => {
    // T_A and its TUI fork T_F share the name; T_F was updated last.
    const shown = await runCliJson<ShowJson>(["show", "Named paginated thread", "--json", "--home", homes.codex("codexhome2")]);
    expect(shown.id).toBe(ids()["T_F"]);
  });

  it("notes on stderr when several threads share the name", async () => {
    const result = await runCli(["show", "Named paginated thread", "--json", "--home", homes.codex("codexhome2")]);
    expect(result.stderr).toBe(
      `note: 2 threads are named "Named paginated thread"; using ${ids()["T_F"]}, the most recently updated (pass an id to choose another)\n`,
    );
  });

  it("fails with exit 1 naming an unknown name and suggesting list and search", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["show", "no such thread", "--home", home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: no thread named "no such thread" in ${home}; run \`skein list\` (add --archived for archived threads) or \`skein search 'no such thread'\` to find it\n`,
    );
  });

  it("fails with exit 1 naming an unknown id", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["show", ids()["T_E"]!, "--home", home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: no thread with id "${ids()["T_E"]}" in ${home}`);
  });

  it("--items returns a thread's full history", async () => {
    const home = homes.codex("codexhome2");
    const file = threadsOnDisk(home).find((t) => t.id === ids()["T_L"])!;
    const shown = await runCliJson<ShowJson>(["show", ids()["T_L"]!, "--items", "--json", "--home", home]);
    expect(shown.items).toHaveLength(file.lines);
  });

  for (const role of ["T_C", "T_F"] as const) {
    it(`--items gives the fork ${role} its parent T_A's prefix first`, async () => {
      const home = homes.codex("codexhome2");
      const onDisk = threadsOnDisk(home);
      const own = onDisk.find((t) => t.id === ids()[role])!;
      const shown = await runCliJson<ShowJson>(["show", ids()[role]!, "--items", "--json", "--home", home]);
      const firstOwn = shown.items!.findIndex((line) => line.type === "session_meta" && line.payload.id === ids()[role]);
      expect(shown.items![0]).toMatchObject({ type: "session_meta", payload: { id: ids()["T_A"] } });
      expect(firstOwn).toBeGreaterThan(0);
      expect(shown.items!.length - firstOwn).toBe(own.lines);
    });
  }

  it("prints a readable summary and a one-line-per-record history", async () => {
    const home = homes.codex("codexhome2");
    const result = await runCli(["show", "Legacy named thread", "--items", "--home", home]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${ids()["T_L"]}\\n  name {8}Legacy named thread\\n`));
    expect(result.stdout).toMatch(/^history \(\d+ records\)$/m);
    expect(result.stdout).toMatch(/^ *1 {2}\d\d:\d\d:\d\d {2}session_meta/m);
  });
});
