import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { codexFixtureIds } from "@skein/testkit";
import { codexReadProblems, lastSessionIndexEntry, threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { runCli, runCliJson } from "../helpers/run-cli.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("skein fork", () => {
  const homes = useHomes();
  const ids = () => codexFixtureIds(2);

  async function fork(home: string, ...args: string[]): Promise<string> {
    const result = await runCli(["fork", ...args, "--home", home]);
    expect(result.code, result.stderr).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(UUID);
    return id;
  }

  it("prints only the new id and records the fork parent in session_meta", async () => {
    const home = homes.codex("codexhome2");
    const id = await fork(home, ids()["T_L"]!);
    const file = threadsOnDisk(home).find((t) => t.id === id)!;
    expect(file.forkedFromId).toBe(ids()["T_L"]);
    const listed = await runCliJson<{ items: { id: string; forkedFromId: string | null }[] }>(["list", "--json", "--home", home]);
    expect(listed.items.find((t) => t.id === id)?.forkedFromId).toBe(ids()["T_L"]);
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("names the fork with --name (session_index.jsonl included)", async () => {
    const home = homes.codex("codexhome2");
    const id = await fork(home, "Legacy named thread", "--name", "Legacy, forked");
    expect(lastSessionIndexEntry(home, id)?.thread_name).toBe("Legacy, forked");
    const shown = await runCliJson<{ name: string }>(["show", "Legacy, forked", "--json", "--home", home]);
    expect(shown.name).toBe("Legacy, forked");
  });

  it("copies the source's conversation into the fork", async () => {
    const home = homes.codex("codexhome2");
    const id = await fork(home, ids()["T_L"]!);
    const messages = (path: string) =>
      readFileSync(path, "utf8").split("\n").filter((line) => line.includes('"type":"user_message"')).length;
    const source = threadsOnDisk(home).find((t) => t.id === ids()["T_L"])!;
    const copy = threadsOnDisk(home).find((t) => t.id === id)!;
    expect(messages(copy.path)).toBe(messages(source.path));
  });

  it("forks a paginated fork (T_C) including its parent's prefix", async () => {
    const home = homes.codex("codexhome2");
    const id = await fork(home, ids()["T_C"]!);
    const original = await runCliJson<{ items: unknown[] }>(["show", ids()["T_C"]!, "--items", "--json", "--home", home]);
    const copy = await runCliJson<{ items: { type: string }[] }>(["show", id, "--items", "--json", "--home", home]);
    const userMessages = (items: unknown[]) => items.filter((line) => JSON.stringify(line).includes('"type":"user_message"')).length;
    expect(userMessages(copy.items)).toBe(userMessages(original.items));
  });
});
