import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir } from "@skein/testkit";
import { BenchArgumentsError } from "../src/errors.js";
import { parseArgs, runBench } from "../src/run.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("parseArgs", () => {
  it("rejects an unknown case id with the list of known ones", () => {
    expect(() => parseArgs(["--only=nope"])).toThrow(
      new BenchArgumentsError("--only=nope", "case ids from append,list,codex,reindex,load,memory,viewer,postgres,storage,compressed,search"),
    );
  });
});

describe("runBench", () => {
  // A smoke test of the report, not a benchmark: no timing is asserted.
  it("writes a JSON report with a figure per measured number for --quick --only=list", async () => {
    const out = await makeTempDir();
    cleanups.push(out.cleanup);
    await runBench({ ...parseArgs(["--quick", "--only=list"]), outDir: out.path });
    const report = JSON.parse(readFileSync(join(out.path, "latest.json"), "utf8")) as { quick: boolean; figures: Array<{ case: string; unit: string }>; errors: unknown[] };
    expect({ quick: report.quick, errors: report.errors, cases: report.figures.map((f) => `${f.case}/${f.unit}`) }).toEqual({
      quick: true,
      errors: [],
      cases: ["2 list/ms", "2 list/ms", "2 list/x"],
    });
    expect(readFileSync(join(out.path, "latest.md"), "utf8")).toContain("| 2 list | first page, 1000 threads, in-process |");
  }, 60_000);
});
