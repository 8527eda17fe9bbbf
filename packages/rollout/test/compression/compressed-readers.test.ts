import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import {
  CorruptCompressedRolloutError,
  extractThreadMetadataSync,
  iterateRolloutLineBatches,
  iterateRolloutLines,
  iterateRolloutLinesBackward,
  loadThreadHistory,
  readHeadSummary,
  readRollout,
  readTurnIdAt,
  updateRolloutItemIndex,
} from "../../src/index.js";
import { ZstdWindowReader } from "../../src/internal/zstd-stream.js";
import { THREAD_1, line, metaLine, userMessageLine, writeLines } from "../fixtures/builders.js";
import { writeZstdFile } from "../fixtures/zstd.js";

const name = `rollout-2026-01-02T03-04-05-${THREAD_1}.jsonl`;

function turnLines(n: number): string[] {
  const out: string[] = [];
  for (let t = 0; t < n; t++) {
    out.push(line("event_msg", { type: "task_started", turn_id: `turn-${t}` }));
    out.push(userMessageLine(`question ${t} ${"ü".repeat(t % 7)}`));
    out.push(line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: `answer ${t} ${"x".repeat(t * 13)}` }] }));
    out.push(line("event_msg", { type: "task_complete", turn_id: `turn-${t}` }));
  }
  return out;
}

describe("reading a .jsonl.zst rollout", () => {
  let tmp: TempDir;
  let plain: string;
  let zst: string;
  beforeEach(async () => {
    tmp = makeTempDir();
    plain = join(tmp.path, "plain", name);
    zst = join(tmp.path, "zst", `${name}.zst`);
    writeLines(plain, [metaLine({ git: { branch: "main" } }), line("turn_context", { cwd: "/work/sub", model: "gpt-x" }), ...turnLines(300)]);
    writeLines(zst, []);
    await writeZstdFile(zst, readFileSync(plain));
  });
  afterEach(() => tmp.cleanup());

  it("gives the same lines, byte offsets and meta as the plain file", async () => {
    const a = await readRollout(plain);
    const b = await readRollout(zst);
    expect(b.lines).toEqual(a.lines);
    expect(b.meta).toEqual(a.meta);
    expect(b.size).toBe(a.size);
    const forward = async (p: string) => {
      const out: [number, number, string][] = [];
      for await (const e of iterateRolloutLines(p, { chunkSize: 4096 })) out.push([e.byteOffset, e.byteLength, e.raw]);
      return out;
    };
    expect(await forward(zst)).toEqual(await forward(plain));
    const batches = async (p: string) => {
      const out: number[] = [];
      for await (const batch of iterateRolloutLineBatches(p, { start: a.size >> 1 })) for (const e of batch) out.push(e.byteOffset);
      return out;
    };
    expect(await batches(zst)).toEqual(await batches(plain));
    const backward = async (p: string) => {
      const out: [number, string][] = [];
      for await (const e of iterateRolloutLinesBackward(p, { end: a.size - 100 })) out.push([e.byteOffset, e.raw]);
      return out;
    };
    expect(await backward(zst)).toEqual(await backward(plain));
  });

  it("summarizes, extracts and indexes it like the plain file", async () => {
    const { recordsRead: _a, ...headPlain } = readHeadSummary(plain);
    const { recordsRead: _b, ...headZst } = readHeadSummary(zst);
    expect(headZst).toEqual(headPlain);
    const { rolloutPath: _p, size: _s, updatedAtMs: _u, ...metaPlain } = extractThreadMetadataSync(plain, { defaultProvider: "openai" });
    const { rolloutPath: _q, size, updatedAtMs: _v, ...metaZst } = extractThreadMetadataSync(zst, { defaultProvider: "openai" });
    expect(metaZst).toEqual(metaPlain);
    expect(size).toBe(readFileSync(zst).length);
    expect(metaZst).toMatchObject({ preview: "question 0", cwd: "/work", model: "gpt-x" });
    const ip = await updateRolloutItemIndex(plain);
    const iz = await updateRolloutItemIndex(zst);
    expect([iz.count, iz.end, iz.turnCount]).toEqual([ip.count, ip.end, ip.turnCount]);
    expect(Array.from(iz.checkpoints.subarray(0, iz.checkpointCount * 2))).toEqual(Array.from(ip.checkpoints.subarray(0, ip.checkpointCount * 2)));
    expect(await updateRolloutItemIndex(zst, iz)).toBe(iz);
    expect(await readTurnIdAt(zst, iz.turns[7 * 7 + 1]!)).toBe("turn-7");
  });

  it("loads a paginated fork whose parent is compressed", async () => {
    const home = join(tmp.path, "home");
    const parent = join(home, "sessions", "2026", "01", "02", `${name}.zst`);
    writeLines(parent, []);
    await writeZstdFile(parent, readFileSync(plain));
    const cut = (await readRollout(plain)).lines.length;
    const childId = "01a2143c-0000-7000-8000-00000000000c";
    const child = join(home, "sessions", "2026", "01", "02", `rollout-2026-01-02T03-04-06-${childId}.jsonl`);
    const endByteOffset = readFileSync(plain).length;
    writeLines(child, [
      metaLine({ id: childId, history_mode: "paginated", forked_from_id: THREAD_1, history_base: { thread_id: THREAD_1, end_byte_offset: endByteOffset } }),
      userMessageLine("own"),
    ]);
    const history = await loadThreadHistory({ home, path: child });
    expect(history.lines).toHaveLength(cut + 2);
    expect(history.segments[0]!.path).toBe(parent);
  });

  it("reports a damaged compressed file with a typed error", async () => {
    const bad = join(tmp.path, "zst", `rollout-2026-01-02T03-04-05-${THREAD_1.replace(/1$/, "9")}.jsonl.zst`);
    const good = readFileSync(zst);
    writeFileSync(bad, good.subarray(0, good.length >> 1));
    await expect(readRollout(bad)).rejects.toBeInstanceOf(CorruptCompressedRolloutError);
    writeFileSync(bad, "this is not zstd at all\n");
    expect(() => readHeadSummary(bad)).toThrow(CorruptCompressedRolloutError);
  });
});

describe("ZstdWindowReader", () => {
  let tmp: TempDir;
  afterEach(() => tmp.cleanup());

  it("serves any range, going forward, backward past its window (restart) and to the end", async () => {
    tmp = makeTempDir();
    const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"abcdefghij".repeat(i % 9)}\n`).join(""));
    const file = join(tmp.path, "x.zst");
    await writeZstdFile(file, text);
    const fd = openSync(file, "r");
    try {
      const reader = new ZstdWindowReader(fd, undefined, 64 * 1024);
      const positions = [0, 500_000, 10, text.length - 50, 123_456, text.length - 1, 1];
      for (const at of positions) {
        const out = Buffer.alloc(300);
        const n = reader.readAt(out, 0, out.length, at);
        expect(out.subarray(0, n)).toEqual(text.subarray(at, at + 300));
      }
      expect(reader.size()).toBe(text.length);
      expect(reader.readAt(Buffer.alloc(10), 0, 10, text.length)).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});
