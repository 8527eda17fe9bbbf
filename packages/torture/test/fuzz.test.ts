import { codexExamplesDir } from "@skein/testkit";
import { describe, expect, it } from "vitest";
import { findExamplesDir, fuzzCursorDecoder, fuzzRolloutReader, loadSeedLines } from "../src/index.js";
import { useTempDirs } from "./helpers/home.js";

const tempDir = useTempDirs();
const RUNS = Number(process.env["SKEIN_TORTURE_FUZZ_RUNS"] ?? 100_000);

/** The committed example lines per record kind, plus the built-in seeds. */
function seedLines(): string[] {
  const dir = findExamplesDir();
  expect(dir).toBe(codexExamplesDir());
  return loadSeedLines(dir);
}

describe("fuzzRolloutReader", () => {
  it(`survives ${RUNS} generated and mutated lines without a throw or a slow case`, async () => {
    const report = await fuzzRolloutReader({ runs: RUNS, workDir: tempDir(), seedLines: seedLines() });
    console.log(`fuzz reader: ${JSON.stringify(report)}`);
    expect(report.inputs).toBeGreaterThanOrEqual(RUNS);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.rejected).toBeLessThan(report.inputs);
  }, 240_000);
});

describe("fuzzCursorDecoder", () => {
  it(`answers ${RUNS} generated and tampered cursors with a position or a typed error`, () => {
    const report = fuzzCursorDecoder({ runs: RUNS });
    console.log(`fuzz cursor: ${JSON.stringify(report)}`);
    expect(report.inputs).toBe(RUNS);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.rejected).toBeLessThan(report.inputs);
  }, 240_000);
});
