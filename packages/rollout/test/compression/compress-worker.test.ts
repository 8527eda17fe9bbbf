import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { compressRolloutFiles, restorePlainRolloutSync } from "../../src/index.js";
import { ENCODE_WORKER_URL, stopEncodeHelper } from "../../src/internal/encode-helper.js";
import { metaLine, userMessageLine, writeLines } from "../fixtures/builders.js";

// The compression worker (docs/storage-care.md, "Speed"): files it encodes come out exactly as
// those encoded on the calling thread, and a worker that stops leaves its files to the caller.

const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, "0")}`;

describe("compressRolloutFiles with the compression worker", () => {
  let tmp: TempDir;
  let paths: string[];
  let originals: Map<string, Buffer>;
  beforeEach(() => {
    tmp = makeTempDir();
    paths = [];
    originals = new Map();
    for (let n = 1; n <= 12; n++) {
      const path = join(tmp.path, "sessions", "2026", "01", "03", `rollout-2026-01-03T03-04-05-${id(n)}.jsonl`);
      writeLines(path, [metaLine({ id: id(n) }), ...Array.from({ length: 2500 }, (_, i) => userMessageLine(`thread ${n} message ${i} ${"w".repeat((i * 7) % 300)}`))]);
      paths.push(path);
      originals.set(path, readFileSync(path));
    }
  });
  afterEach(async () => {
    await stopEncodeHelper();
    tmp.cleanup();
  });

  const expectAllCompressed = (results: Awaited<ReturnType<typeof compressRolloutFiles>>) => {
    for (const [i, path] of paths.entries()) {
      expect(results[i]).toMatchObject({ outcome: "compressed", path: `${path}.zst` });
      expect(statSync(`${path}.zst`).size).toBe(results[i]!.compressedBytes);
      expect(existsSync(path)).toBe(false);
      restorePlainRolloutSync(`${path}.zst`);
      expect(readFileSync(path).equals(originals.get(path)!)).toBe(true);
    }
    expect(readdirSync(join(tmp.path, "sessions", "2026", "01", "03")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  };

  const built = fileURLToPath(ENCODE_WORKER_URL);
  it("shares the files with the built worker; each decodes to its plain bytes (needs `pnpm build`)", async () => {
    if (!existsSync(built)) throw new Error(`the worker is not built (${built}): run pnpm build first`);
    // The real worker (imported first: its listener is in place before any message), plus a listener that records the files it was given.
    const log = join(tmp.path, "worker-jobs.log");
    const spy = join(tmp.path, "spy-worker.mjs");
    writeFileSync(
      spy,
      `import ${JSON.stringify(ENCODE_WORKER_URL.href)};\nimport { appendFileSync } from "node:fs";\nimport { parentPort } from "node:worker_threads";\n` +
        `parentPort.on("message", (job) => appendFileSync(${JSON.stringify(log)}, job.plain + "\\n"));\n`,
    );
    const results = await compressRolloutFiles(paths, { encodeWorkerUrl: pathToFileURL(spy), encodeWorkerMinBytes: 0 });
    const byWorker = readFileSync(log, "utf8").trim().split("\n");
    expect(byWorker.length).toBeGreaterThan(0);
    expect(byWorker.every((p) => paths.includes(p))).toBe(true);
    expectAllCompressed(results);
  });

  it("encodes on the calling thread what a worker that stops did not", async () => {
    const quitter = join(tmp.path, "quitter.mjs");
    writeFileSync(quitter, `import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\n`);
    const results = await compressRolloutFiles(paths, { encodeWorkerUrl: pathToFileURL(quitter), encodeWorkerMinBytes: 0 });
    expectAllCompressed(results);
  });

  it("fails the batch, moving nothing, when the worker reports a failed file", async () => {
    const failing = join(tmp.path, "failing.mjs");
    writeFileSync(failing, `import { parentPort } from "node:worker_threads";\nparentPort.on("message", (job) => parentPort.postMessage({ id: job.id, error: "disk on fire" }));\n`);
    await expect(compressRolloutFiles(paths, { encodeWorkerUrl: pathToFileURL(failing), encodeWorkerMinBytes: 0 })).rejects.toThrow(/disk on fire/);
    for (const path of paths) {
      expect(readFileSync(path).equals(originals.get(path)!)).toBe(true);
      expect(existsSync(`${path}.zst`)).toBe(false);
    }
    expect(readdirSync(join(tmp.path, "sessions", "2026", "01", "03")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
