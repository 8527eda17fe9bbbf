import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ImageByteCounter, compressRolloutFile, measureRolloutStorage } from "../../src/index.js";

describe("ImageByteCounter", () => {
  const url = `data:image/png;base64,${"QUJD".repeat(50)}`;
  const text = Buffer.from(`{"a":"x","image_url":"${url}"}\n{"b":"data:imag"}\n{"c":"${url}\\u0000"}\n`);

  it("counts each data:image URL up to its closing quote or escape", () => {
    const counter = new ImageByteCounter();
    counter.push(text);
    expect(counter.bytes).toBe(url.length * 2);
  });

  it("counts the same when the stream is cut at every byte", () => {
    for (const size of [1, 2, 3, 5, 7, 11, 64]) {
      const counter = new ImageByteCounter();
      for (let at = 0; at < text.length; at += size) counter.push(text.subarray(at, at + size));
      expect(counter.bytes, `pieces of ${size}`).toBe(url.length * 2);
    }
  });
});

describe("measureRolloutStorage", () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("measures a plain file and its compressed form alike", async () => {
    dir = mkdtempSync(join(tmpdir(), "skein-storage-stats-"));
    const path = join(dir, "rollout-2026-01-01T00-00-00-01900000-0000-7000-8000-000000000001.jsonl");
    const body = `{"timestamp":"t","type":"response_item","payload":{"image_url":"data:image/jpeg;base64,AAAA"}}\n`.repeat(200);
    writeFileSync(path, body);
    const plain = await measureRolloutStorage(path);
    expect(plain).toMatchObject({ diskBytes: body.length, plainBytes: body.length, imageBytes: 200 * "data:image/jpeg;base64,AAAA".length });
    expect(plain.zstdBytes).toBeLessThan(body.length / 10);
    const result = await compressRolloutFile(path);
    const compressed = await measureRolloutStorage(result.path);
    expect(compressed).toEqual({ diskBytes: statSync(result.path).size, plainBytes: body.length, imageBytes: plain.imageBytes, zstdBytes: statSync(result.path).size });
  });
});
