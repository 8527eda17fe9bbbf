import { chmodSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import {
  CorruptCompressedRolloutError,
  RolloutRecorder,
  appendRolloutItemsToPath,
  compressRolloutFile,
  readRollout,
  restorePlainRolloutSync,
} from "../../src/index.js";
import { THREAD_1, metaLine, userMessageLine, writeLines } from "../fixtures/builders.js";
import { writeZstdFile } from "../fixtures/zstd.js";

const name = `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`;

describe("compressRolloutFile / restorePlainRolloutSync", () => {
  let tmp: TempDir;
  let plain: string;
  let original: Buffer;
  beforeEach(() => {
    tmp = makeTempDir();
    plain = join(tmp.path, "sessions", "2026", "01", "02", name);
    writeLines(plain, [metaLine(), ...Array.from({ length: 2000 }, (_, i) => userMessageLine(`message ${i} ${"z".repeat(i % 300)}`))]);
    chmodSync(plain, 0o640);
    utimesSync(plain, new Date("2026-01-03T00:00:00Z"), new Date("2026-01-03T00:00:00Z"));
    original = readFileSync(plain);
  });
  afterEach(() => tmp.cleanup());

  it("replaces the plain file by a smaller .zst with the same mtime and mode, leaving no temp file", async () => {
    const result = await compressRolloutFile(plain);
    expect(result).toMatchObject({ outcome: "compressed", path: `${plain}.zst`, sourceBytes: original.length });
    expect(existsSync(plain)).toBe(false);
    const st = statSync(`${plain}.zst`);
    expect(st.size).toBe(result.compressedBytes);
    expect(st.size).toBeLessThan(original.length / 3);
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.mtimeMs).toBe(Date.parse("2026-01-03T00:00:00Z"));
    expect(readdirSync(join(plain, ".."))).toEqual([`${name}.zst`]);
    expect((await readRollout(`${plain}.zst`)).lines).toHaveLength(2001);
  });

  it("leaves an existing compressed sibling alone", async () => {
    await writeZstdFile(`${plain}.zst`, "x\n");
    expect((await compressRolloutFile(plain)).outcome).toBe("already_compressed");
    expect(readFileSync(plain).equals(original)).toBe(true);
  });

  it("restores the plain form byte for byte with the compressed file's mode, then removes the .zst", async () => {
    await compressRolloutFile(plain);
    expect(restorePlainRolloutSync(`${plain}.zst`)).toBe(plain);
    expect(readFileSync(plain).equals(original)).toBe(true);
    expect(statSync(plain).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(plain, ".."))).toEqual([name]);
    // Nothing to do the second time; the plain file wins over a compressed sibling.
    await writeZstdFile(`${plain}.zst`, "stale\n");
    expect(restorePlainRolloutSync(plain)).toBe(plain);
    expect(readFileSync(plain).equals(original)).toBe(true);
  });

  it("keeps a damaged compressed file and reports it", async () => {
    await compressRolloutFile(plain);
    const zst = `${plain}.zst`;
    const bytes = readFileSync(zst);
    writeFileSync(zst, bytes.subarray(0, bytes.length - 40));
    expect(() => restorePlainRolloutSync(zst)).toThrow(CorruptCompressedRolloutError);
    expect(existsSync(zst)).toBe(true);
    expect(existsSync(plain)).toBe(false);
    expect(readdirSync(join(plain, ".."))).toEqual([`${name}.zst`]);
  });

  it("an append to a compressed thread restores the plain file first, as Codex does", async () => {
    await compressRolloutFile(plain);
    await appendRolloutItemsToPath(`${plain}.zst`, [{ type: "event_msg", payload: { type: "user_message", message: "after", images: [] } }]);
    expect(existsSync(`${plain}.zst`)).toBe(false);
    const text = readFileSync(plain, "utf8");
    expect(text.startsWith(original.toString("utf8"))).toBe(true);
    expect(text.trimEnd().split("\n")).toHaveLength(2002);
    // Resuming by the plain path works too once the file is compressed again.
    await compressRolloutFile(plain);
    const recorder = await RolloutRecorder.resume({ path: plain });
    expect(recorder.path).toBe(plain);
    await recorder.shutdown();
  });
});
