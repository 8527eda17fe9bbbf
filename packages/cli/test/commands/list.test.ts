import { describe, expect, it } from "vitest";
import { basename, dirname } from "node:path";
import { CODEX_HOMES, codexFixtureIds, codexHomesMeta } from "@skein/testkit";
import type { ThreadJson } from "../../src/format/thread-json.js";
import { sessionIndexNames, threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

interface ListJson {
  items: ThreadJson[];
  nextCursor: string | null;
}

const KEYS = ["id", "name", "preview", "cwd", "source", "modelProvider", "model", "createdAt", "updatedAt", "archived", "forkedFromId", "parentThreadId", "rolloutPath"];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("skein list", () => {
  const homes = useHomes();

  async function listAll(home: string): Promise<ThreadJson[]> {
    const active = await runCliJson<ListJson>(["list", "--json", "--all", "--home", home]);
    const archived = await runCliJson<ListJson>(["list", "--json", "--all", "--archived", "--home", home]);
    return [...active.items, ...archived.items];
  }

  for (const name of CODEX_HOMES) {
    it(`returns every thread of ${name} with Codex's ids, names, archived flags and fork parents`, async () => {
      const home = homes.codex(name);
      const onDisk = threadsOnDisk(home);
      const names = sessionIndexNames(home);
      const listed = await listAll(home);
      const expected = onDisk
        .map((t) => ({ id: t.id, archived: t.archived, forkedFromId: t.forkedFromId, name: names.get(t.id) ?? null }))
        .sort((a, b) => a.id.localeCompare(b.id));
      const actual = listed
        .map((t) => ({ id: t.id, archived: t.archived, forkedFromId: t.forkedFromId, name: t.name }))
        .sort((a, b) => a.id.localeCompare(b.id));
      expect(actual).toEqual(expected);
    });
  }

  it("lists the roles of codexhome2 as captured (T_E deleted, T_B archived, T_C and T_F fork T_A)", async () => {
    const ids = codexFixtureIds(2);
    const listed = new Map((await listAll(homes.codex("codexhome2"))).map((t) => [t.id, t]));
    expect(listed.has(ids["T_E"]!)).toBe(false);
    expect(listed.get(ids["T_B"]!)?.archived).toBe(true);
    expect(listed.get(ids["T_D"]!)?.archived).toBe(false);
    expect(listed.get(ids["T_C"]!)?.forkedFromId).toBe(ids["T_A"]);
    expect(listed.get(ids["T_F"]!)?.forkedFromId).toBe(ids["T_A"]);
    expect(listed.get(ids["T_L"]!)?.name).toBe("Legacy named thread");
    expect(listed.get(ids["T_A"]!)?.name).toBe("Named paginated thread");
  });

  it("includes exec threads by default, unlike Codex's thread/list", async () => {
    const ids = codexFixtureIds(2);
    const { items } = await runCliJson<ListJson>(["list", "--json", "--home", homes.codex("codexhome2")]);
    expect(items.find((t) => t.id === ids["T_A"])?.source).toBe("exec");
  });

  it("filters by --source", async () => {
    const { items } = await runCliJson<ListJson>(["list", "--json", "--source", "vscode", "--home", homes.codex("codexhome2")]);
    const ids = codexFixtureIds(2);
    expect(items.map((t) => t.id).sort()).toEqual([ids["T_L"], ids["T_P"]].sort());
  });

  it("filters by --cwd, resolving a relative directory", async () => {
    const home = homes.codex("codexhome2");
    const workDir = codexHomesMeta().workDir; // every session of the scenario ran there
    const inDir = await runCliJson<ListJson>(["list", "--json", "--cwd", basename(workDir), "--home", home], { cwd: dirname(workDir) });
    const elsewhere = await runCliJson<ListJson>(["list", "--json", "--cwd", "/nowhere", "--home", home]);
    const active = threadsOnDisk(home).filter((t) => !t.archived).map((t) => t.id);
    expect(active.length).toBeGreaterThan(1);
    expect(inDir.items.map((t) => t.id).sort()).toEqual(active.sort());
    expect(elsewhere.items).toEqual([]);
  });

  it("prints each item with exactly the documented keys, ISO times and a null nextCursor", async () => {
    const result = await runCliJson<ListJson>(["list", "--json", "--home", homes.codex("codexhome1")]);
    expect(Object.keys(result)).toEqual(["items", "nextCursor"]);
    expect(result.nextCursor).toBeNull();
    const [item] = result.items;
    expect(Object.keys(item!)).toEqual(KEYS);
    expect(item!.createdAt).toMatch(ISO);
    expect(item!.updatedAt).toMatch(ISO);
    expect(item!.id).toBe(codexFixtureIds(1)["H1_THREAD"]);
  });

  it("pages with --limit and --cursor without repeating or skipping threads", async () => {
    const home = homes.codex("codexhome2");
    const first = await runCliJson<ListJson>(["list", "--json", "--limit", "2", "--home", home]);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await runCliJson<ListJson>(["list", "--json", "--limit", "1000", "--cursor", first.nextCursor!, "--home", home]);
    const all = await runCliJson<ListJson>(["list", "--json", "--home", home]);
    expect([...first.items, ...rest.items].map((t) => t.id)).toEqual(all.items.map((t) => t.id));
  });

  it("exits 2 for an edited --cursor, saying it does not belong to this listing", async () => {
    const home = homes.codex("codexhome2");
    const first = await runCliJson<ListJson>(["list", "--json", "--limit", "1", "--home", home]);
    const result = await runCli(["list", "--limit", "1", "--cursor", `${first.nextCursor!.slice(0, -2)}00`, "--home", home]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "error: invalid cursor: --cursor does not belong to this listing (undecodable); rerun without --cursor to start from the first page, and pass a nextCursor only with the options that printed it\n",
    );
  });

  it("exits 2 for a --cursor printed with other options", async () => {
    const home = homes.codex("codexhome2");
    const first = await runCliJson<ListJson>(["list", "--json", "--limit", "1", "--home", home]);
    const result = await runCli(["list", "--archived", "--limit", "1", "--cursor", first.nextCursor!, "--home", home]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("invalid cursor: --cursor does not belong to this listing (it belongs to a different query); rerun without --cursor");
  });

  it("prints a table with id, name or preview, cwd and age", async () => {
    const ids = codexFixtureIds(2);
    const result = await runCli(["list", "--home", homes.codex("codexhome2")]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME \/ PREVIEW\s+CWD\s+UPDATED$/);
    const row = lines.find((line) => line.startsWith(ids["T_L"]!));
    expect(row).toMatch(/Legacy named thread\s+\S*codexwork\s+(\d+(m|h|d|mo|y) ago|just now)$/);
  });

  it("fits every table line in the terminal width", async () => {
    const result = await runCli(["list", "--home", homes.codex("codexhome2")], { env: { COLUMNS: "80" } });
    for (const line of result.stdout.trimEnd().split("\n")) expect(Array.from(line).length).toBeLessThanOrEqual(80);
  });

  it("tells people how to get the next page", async () => {
    const result = await runCli(["list", "--limit", "2", "--home", homes.codex("codexhome2")]);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(/^more: repeat with --cursor \S+ \(same options\), or use --all$/);
  });

  it("says so when a home has no threads", async () => {
    const result = await runCli(["list", "--home", homes.empty()]);
    expect(result).toMatchObject({ code: 0, stdout: "no threads (see archived ones with `skein list --archived`)\n" });
  });
});
