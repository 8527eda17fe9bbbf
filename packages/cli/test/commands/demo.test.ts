import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { codexReadProblems } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { BIN, runCli, runCliJson } from "../helpers/run-cli.js";

interface ListJson {
  items: { id: string; name: string | null; forkedFromId: string | null; cwd: string | null }[];
}

describe("skein demo", () => {
  const homes = useHomes();

  it("prints each step: start, two turns with a tool call, shutdown, resume, fork, rename, list", async () => {
    const result = await runCli(["demo", "--home", homes.empty()]);
    expect(result.code, result.stderr).toBe(0);
    const steps = [...result.stdout.matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]);
    expect(steps).toEqual([
      "Open a home",
      "Start a thread with a dynamic tool",
      "Turn 1: a plain question",
      "Turn 2: the model calls the tool",
      "Shut down",
      "Resume in a fresh manager over a new store instance",
      "Fork it",
      "Rename the original",
      "List",
    ]);
    expect(result.stdout).toMatch(/^ {3}tool: {2}lookup_weather\(\{"city":".+"\}\) -> \{"city":/m);
  });

  it("shows that the tool and the history came back after the resume", async () => {
    const result = await runCli(["demo", "--home", homes.empty()]);
    const match = /next model request: tools \[(.*)\], (\d+) input items/.exec(result.stdout);
    expect(match?.[1]).toBe("lookup_weather");
    // Two user messages, a tool call and its output, and the replies at least.
    expect(Number(match?.[2])).toBeGreaterThanOrEqual(6);
  });

  it("leaves a home with the renamed original and its fork, readable as Codex rollouts", async () => {
    const home = homes.empty();
    await runCli(["demo", "--home", home]);
    const { items } = await runCliJson<ListJson>(["list", "--json", "--home", home]);
    expect(items).toHaveLength(2);
    const original = items.find((t) => t.name === "weather demo");
    expect(items.find((t) => t.id !== original?.id)?.forkedFromId).toBe(original?.id);
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("--serve ends by serving the home in the viewer and printing its URL, until interrupted", async () => {
    const home = homes.empty();
    const child = spawn(process.execPath, [BIN, "demo", "--serve", "--home", home], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`demo exited (${code}) before serving:\n${stdout}`)));
    });
    const first = await fetch(url, { redirect: "manual" });
    expect(first.status).toBe(303);
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0]!;
    const page = await fetch(new URL("/", url), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout).toContain("done.");
    // Served, the home is worth a first look: three projects, a fork, an edit, an archived thread.
    const { items } = await runCliJson<ListJson>(["list", "--json", "--home", home]);
    expect(items.map((t) => t.name).sort()).toEqual(["greeting typo", "weather demo", "weather demo (fork)", "zebra rollout plan"]);
    expect(new Set(items.map((t) => t.cwd)).size).toBe(3);
    const archived = await runCliJson<ListJson>(["list", "--archived", "--json", "--home", home]);
    expect(archived.items.map((t) => t.name)).toEqual(["old experiment"]);
    expect(codexReadProblems(home)).toEqual([]);
  });

  it("uses a fresh temporary home when none is given and says where", async () => {
    const result = await runCli(["demo"]);
    expect(result.code, result.stderr).toBe(0);
    const home = /Explore it: skein list --home (\S+)/.exec(result.stdout)?.[1];
    expect(home).toMatch(/skein-demo-/);
    rmSync(home!, { recursive: true, force: true });
  });
});
