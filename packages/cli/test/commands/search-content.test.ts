import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, runCliJson } from "../helpers/run-cli.js";

// `skein search` over message text and `skein show --at` (docs/search.md), on a home written here.

const A = "01900000-0000-7000-8000-00000000000a";
const B = "01900000-0000-7000-8000-00000000000b";

function writeThread(home: string, id: string, cwd: string, lines: Array<[string, unknown]>, day: string): void {
  const dir = join(home, "sessions", "2026", "01", day);
  mkdirSync(dir, { recursive: true });
  const ts = `2026-01-${day}T10:00:00.000Z`;
  const meta = { id, timestamp: ts, cwd, originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", model_provider: "openai" };
  const all: Array<[string, unknown]> = [["session_meta", meta], ...lines];
  const path = join(dir, `rollout-2026-01-${day}T10-00-00-${id}.jsonl`);
  writeFileSync(path, all.map(([type, payload]) => `${JSON.stringify({ timestamp: ts, type, payload })}\n`).join(""));
  const mtime = Date.parse(ts) / 1000;
  utimesSync(path, mtime, mtime);
}

const user = (message: string): [string, unknown] => ["event_msg", { type: "user_message", message, images: [] }];
const agent = (message: string): [string, unknown] => ["event_msg", { type: "agent_message", message }];

interface SearchJson {
  items: Array<{ id: string; snippet: string; score: number; matches: Array<{ role: string; position?: number; item?: number; snippet: string; text: string; highlights: [number, number][] }> }>;
  nextCursor: string | null;
}

describe("skein search (content)", () => {
  let tmp: TempDir;
  let home: string;
  beforeEach(() => {
    tmp = makeTempDir("skein-cli-search-");
    home = join(tmp.path, "home");
    writeThread(home, A, "/work/api", [user("set up the project"), agent("done"), user("what is the eviction policy?"), agent("LRU, evicting the coldest entry"),
      ["response_item", { type: "function_call_output", call_id: "c", output: "vitest: 12 passed (kaleidoscope)" }]], "02");
    writeThread(home, B, "/work/web", [user("the eviction of stale sessions"), agent("ok")], "03");
  });
  afterEach(() => tmp.cleanup());

  it("finds a later message, ranks, and reports each place with its item number", async () => {
    const result = await runCliJson<SearchJson>(["search", "eviction policy", "--json", "--home", home]);
    expect(result.items.map((i) => i.id)).toEqual([A]);
    expect(result.items[0]!.matches[0]).toMatchObject({ role: "user", position: 3, item: 4, snippet: "what is the [eviction] [policy]?" });
    const both = await runCliJson<SearchJson>(["search", "evict", "--json", "--home", home]);
    expect(both.items.map((i) => i.id).sort()).toEqual([A, B]);
  });

  it("prints threads with their places, the match marked without colour and highlighted with it", async () => {
    const plain = await runCli(["search", "eviction", "--home", home]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("user #4");
    expect(plain.stdout).toContain("what is the [eviction] policy?");
    expect(plain.stdout).toContain(`skein show`);
    const colored = await runCli(["search", "eviction", "--home", home], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } });
    expect(colored.stdout).toContain("\u001b[1m\u001b[33meviction\u001b[39m\u001b[22m");
    expect(colored.stdout).not.toContain("[eviction]");
  });

  it("--tools, --sort updated and the list filters", async () => {
    expect((await runCliJson<SearchJson>(["search", "kaleidoscope", "--json", "--home", home])).items).toEqual([]);
    expect((await runCliJson<SearchJson>(["search", "kaleidoscope", "--tools", "--json", "--home", home])).items.map((i) => i.id)).toEqual([A]);
    const updated = await runCliJson<SearchJson>(["search", "eviction", "--sort", "updated", "--json", "--home", home]);
    expect(updated.items.map((i) => i.id)).toEqual([B, A]);
    expect((await runCliJson<SearchJson>(["search", "eviction", "--cwd", "/work/web", "--json", "--home", home])).items.map((i) => i.id)).toEqual([B]);
    expect((await runCliJson<SearchJson>(["search", "eviction", "--source", "exec", "--json", "--home", home])).items).toEqual([]);
    expect((await runCliJson<SearchJson>(["search", "eviction", "--provider", "openai", "--json", "--home", home])).items).toHaveLength(2);
  });

  it("skein show --at opens the history at the hit", async () => {
    const shown = await runCli(["show", A, "--at", "4", "--home", home]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/history, items 1-\d+ of 6/);
    expect(shown.stdout).toMatch(/^> *4 .*what is the eviction policy\?/m);
    const tooFar = await runCli(["show", A, "--at", "99", "--home", home]);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toContain("--at 99: the thread has 6 items");
  });
});
