import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { formatReindexSummary } from "../../src/commands/reindex.js";
import { threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { BIN, runCli } from "../helpers/run-cli.js";
import { storageThreadId, writeStorageThread } from "../helpers/storage-home.js";

/** util-linux `script` gives the child a pseudo-terminal; without it the TTY test cannot run. */
const noPty = spawnSync("script", ["--version"]).status === 0 ? undefined : "util-linux `script` is not installed";

const SUMMARY = /^indexed (\d+) threads \((\d+) new, (\d+) changed, (\d+) unreadable\) in \d+\.\d\d s(?:, \d+ extraction workers?)?$/;

function summaryOf(stdout: string): number[] {
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  const match = SUMMARY.exec(last);
  if (!match) throw new Error(`no summary line in:\n${stdout}`);
  return match.slice(1, 5).map(Number);
}

describe("formatReindexSummary", () => {
  it("prints the one-line summary with seconds", () => {
    const line = formatReindexSummary({
      scanned: 12, indexed: 5, added: 3, changed: 2, unchanged: 7, unreadable: 1, removed: 0, durationMs: 1234, problems: [],
    });
    expect(line).toBe("indexed 12 threads (3 new, 2 changed, 1 unreadable) in 1.23 s");
  });

  it("names the extraction workers that helped", () => {
    const report = { scanned: 300, indexed: 300, added: 300, changed: 0, unchanged: 0, unreadable: 0, removed: 0, durationMs: 500, problems: [] };
    expect(formatReindexSummary({ ...report, extractionWorkers: 1 })).toBe("indexed 300 threads (300 new, 0 changed, 0 unreadable) in 0.50 s, 1 extraction worker");
    expect(formatReindexSummary({ ...report, extractionWorkers: 2 })).toMatch(/, 2 extraction workers$/);
  });
});

describe("skein reindex", () => {
  const homes = useHomes();

  it("indexes every rollout of a never-indexed home as new", async () => {
    const home = homes.codex("codexhome2");
    const files = threadsOnDisk(home).length;
    const result = await runCli(["reindex", "--home", home]);
    expect(result.code, result.stderr).toBe(0);
    expect(summaryOf(result.stdout)).toEqual([files, files, 0, 0]);
  });

  it("reads nothing again when nothing changed", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    const again = await runCli(["reindex", "--home", home]);
    expect(summaryOf(again.stdout).slice(1)).toEqual([0, 0, 0]);
  });

  it("counts an appended file as changed", async () => {
    const home = homes.codex("codexhome2");
    await runCli(["reindex", "--home", home]);
    const file = threadsOnDisk(home)[0]!;
    appendFileSync(file.path, `${JSON.stringify({ timestamp: new Date().toISOString(), type: "event_msg", payload: { type: "agent_message", message: "later" } })}\n`);
    const again = await runCli(["reindex", "--home", home]);
    expect(summaryOf(again.stdout).slice(1)).toEqual([0, 1, 0]);
  });

  it("prints no progress bar when stderr is not a terminal", async () => {
    const result = await runCli(["reindex", "--home", homes.codex("codexhome1")]);
    expect(result.stderr).toBe("");
  });

  it.skipIf(noPty)("draws a progress bar on a terminal, then the summary", async () => {
    const home = homes.codex("codexhome2");
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} reindex --home ${JSON.stringify(home)}`;
    const output = execFileSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(output).toContain("indexing [");
    expect(output).toContain("] 7/7 files");
    expect(output.trimEnd().split(/[\r\n]/).at(-1)).toMatch(/indexed 7 threads \(7 new, 0 changed, 0 unreadable\) in \d+\.\d\d s$/);
  });
});

describe("skein reindex on a home big enough for extraction workers", () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir("skein-reindex-workers-");
    for (let n = 1; n <= 300; n++) writeStorageThread(tmp.path, { id: storageThreadId(n), createdAtMs: Date.UTC(2026, 0, 1 + (n % 28), 8, 0, n % 60) });
  });
  afterAll(() => tmp.cleanup());

  // The bundled CLI once pointed the worker entry at the package's src/ (no .js there), so every
  // reindex silently extracted on one thread; SKEIN_EXTRACT_WORKERS asks for one whatever the load.
  it("starts the worker the built CLI asks for and indexes the same threads", async () => {
    const result = await runCli(["reindex", "--home", tmp.path], { env: { SKEIN_EXTRACT_WORKERS: "1" } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd()).toMatch(/, 1 extraction worker$/);
    expect(summaryOf(result.stdout)).toEqual([300, 300, 0, 0]);
    const listed = await runCli(["list", "--home", tmp.path, "--all", "--json"]);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toHaveLength(300);
  });

  it("extracts in-process when SKEIN_EXTRACT_WORKERS=0", async () => {
    const result = await runCli(["reindex", "--home", tmp.path, "--full"], { env: { SKEIN_EXTRACT_WORKERS: "0" } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/extraction worker/);
    expect(summaryOf(result.stdout)[0]).toBe(300);
  });
});

