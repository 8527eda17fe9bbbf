import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatReindexSummary } from "../../src/commands/reindex.js";
import { threadsOnDisk } from "../helpers/codex-home.js";
import { useHomes } from "../helpers/fixture-home.js";
import { BIN, runCli } from "../helpers/run-cli.js";

/** util-linux `script` gives the child a pseudo-terminal; without it the TTY test cannot run. */
const noPty = spawnSync("script", ["--version"]).status === 0 ? undefined : "util-linux `script` is not installed";

const SUMMARY = /^indexed (\d+) threads \((\d+) new, (\d+) changed, (\d+) unreadable\) in \d+\.\d\d s$/;

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
