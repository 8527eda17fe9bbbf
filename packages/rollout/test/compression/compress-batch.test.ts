import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { compressRolloutFiles, readRollout, restorePlainRolloutSync, rolloutTempThreadId, type CompressBatchStep } from "../../src/index.js";
import { metaLine, userMessageLine, writeLines } from "../fixtures/builders.js";
import { writeZstdFile } from "../fixtures/zstd.js";

const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, "0")}`;

describe("compressRolloutFiles (many rollouts in one pass)", () => {
  let tmp: TempDir;
  let paths: string[];
  let originals: Map<string, Buffer>;
  beforeEach(() => {
    tmp = makeTempDir();
    paths = [];
    originals = new Map();
    for (let n = 1; n <= 5; n++) {
      // Two folders, sizes from small to more than one 4 MiB encoder chunk.
      const day = n % 2 === 0 ? "02" : "03";
      const path = join(tmp.path, "sessions", "2026", "01", day, `rollout-2026-01-${day}T03-04-05-${id(n)}.jsonl`);
      writeLines(path, [metaLine({ id: id(n) }), ...Array.from({ length: n * n * 600 }, (_, i) => userMessageLine(`thread ${n} message ${i} ${"q".repeat(i % 500)}`))]);
      utimesSync(path, new Date("2026-01-04T00:00:00Z"), new Date("2026-01-04T00:00:00Z"));
      paths.push(path);
      originals.set(path, readFileSync(path));
    }
  });
  afterEach(() => tmp.cleanup());

  it("compresses each file byte for byte, in the step order, leaving no temp file", async () => {
    const steps: CompressBatchStep[] = [];
    const results = await compressRolloutFiles(paths, {
      onStep: (step) => {
        steps.push(step);
        // After the temps are synced and before anything is linked, every plain file is still there.
        if (step === "temps-synced") expect(paths.every((p) => existsSync(p) && !existsSync(`${p}.zst`))).toBe(true);
        // Linked, not yet unlinked: both forms exist (the plain one wins for readers).
        if (step === "linked") expect(paths.every((p) => existsSync(p) && existsSync(`${p}.zst`))).toBe(true);
      },
    });
    expect(steps).toEqual(["temps-synced", "linked", "plain-removed"]);
    for (const [i, path] of paths.entries()) {
      expect(results[i]).toMatchObject({ outcome: "compressed", path: `${path}.zst`, sourceBytes: originals.get(path)!.length });
      expect(statSync(`${path}.zst`).size).toBe(results[i]!.compressedBytes);
      expect(statSync(`${path}.zst`).mtimeMs).toBe(Date.parse("2026-01-04T00:00:00Z"));
      expect(results[i]!.mtimeMs).toBe(Date.parse("2026-01-04T00:00:00Z"));
      expect(existsSync(path)).toBe(false);
      restorePlainRolloutSync(`${path}.zst`);
      expect(readFileSync(path).equals(originals.get(path)!)).toBe(true);
    }
    for (const day of ["02", "03"]) expect(readdirSync(join(tmp.path, "sessions", "2026", "01", day)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves a file with a compressed sibling, and a vanished one, alone; compresses the rest", async () => {
    await writeZstdFile(`${paths[0]}.zst`, "older\n");
    rmSync(paths[1]!);
    const results = await compressRolloutFiles(paths);
    expect(results.map((r) => r.outcome)).toEqual(["already_compressed", "changed", "compressed", "compressed", "compressed"]);
    expect(readFileSync(paths[0]!).equals(originals.get(paths[0]!)!)).toBe(true);
    expect((await readRollout(`${paths[4]}.zst`)).lines).toHaveLength(25 * 600 + 1);
  });

  it("lets the process exit on its own, with or without work for its encoding thread", () => {
    // A child runs the built package (plain Node, as the CLI does): the encoding thread it starts
    // must never keep it alive once nothing is awaited.
    const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
    execFileSync(resolve(packageDir, "../../node_modules/.bin/tsc"), ["-b"], { cwd: packageDir, stdio: "pipe" });
    const entry = JSON.stringify(join(packageDir, "dist", "index.js"));
    const child = (code: string) => execFileSync(process.execPath, ["--input-type=module", "-e", code], { timeout: 20_000, encoding: "utf8" });
    expect(child(`import { preloadRolloutCompression } from ${entry}; preloadRolloutCompression(); console.log("idle");`)).toBe("idle\n");
    const script = `import { preloadRolloutCompression, compressRolloutFiles } from ${entry}; preloadRolloutCompression(); const r = await compressRolloutFiles(${JSON.stringify(paths.slice(0, 2))}); console.log(r.map((x) => x.outcome).join());`;
    expect(child(script)).toBe("compressed,compressed\n");
    expect(readFileSync(paths[2]!).equals(originals.get(paths[2]!)!)).toBe(true);
  });

  it("names the thread of Skein's temp files, not of anonymous ones", () => {
    expect(rolloutTempThreadId(`rollout-compress-rollout-2026-01-02T03-04-05-${id(7)}.jsonl.zst-0a1b2c3d4e5f.tmp`)).toBe(id(7));
    expect(rolloutTempThreadId(`rollout-decompress-rollout-2026-01-02T03-04-05-${id(7)}.jsonl-0a1b2c3d4e5f.tmp`)).toBe(id(7));
    expect(rolloutTempThreadId("rollout-compress-Ab12xy.tmp")).toBeUndefined();
    expect(rolloutTempThreadId(`notes-${id(7)}.jsonl.zst-0a1b2c3d4e5f.tmp`)).toBeUndefined();
  });
});
