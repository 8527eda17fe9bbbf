import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { newThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runExtractJob, type ExtractJob } from "../src/local/extract-job.js";
import { ExtractPool, spareCoreWorkers, type ExtractResult } from "../src/local/extract-pool.js";

// ExtractPool (src/local/extract-pool.ts). Worker runs against the built worker are covered in
// local-index-sync.test.ts; here: the in-process path and a worker that dies.

async function drain(pool: ExtractPool): Promise<ExtractResult[]> {
  const out: ExtractResult[] = [];
  for (let r = await pool.next(); r.length > 0; r = await pool.next()) out.push(...r);
  return out;
}

describe("ExtractPool", () => {
  let tmp: TempDir;
  let jobs: ExtractJob[];
  beforeEach(() => {
    tmp = makeTempDir("skein-pool-");
    mkdirSync(join(tmp.path, "s"), { recursive: true });
    jobs = Array.from({ length: 20 }, (_, i) => {
      const id = newThreadId();
      const path = join(tmp.path, "s", `rollout-2026-01-02T03-04-05-${id}.jsonl`);
      const payload = { id, timestamp: "2026-01-02T03:04:05.000Z", cwd: `/w${i}`, cli_version: "0.169.0", source: "cli" };
      writeFileSync(path, `${JSON.stringify({ timestamp: "2026-01-02T03:04:05.000Z", type: "session_meta", payload })}\n`);
      return { path, archived: false };
    });
  });
  afterEach(() => tmp.cleanup());

  it("runs small job lists in-process, once each", async () => {
    const pool = new ExtractPool(jobs, { defaultProvider: "openai" });
    expect(pool.workerCount).toBe(0);
    const results = await drain(pool);
    expect(results.map((r) => r.job.path).sort()).toEqual(jobs.map((j) => j.path).sort());
    expect(results.every((r) => "ok" in r.outcome)).toBe(true);
    await pool.close();
  });

  it("runs in-process when the worker entry does not exist (running from sources)", async () => {
    const pool = new ExtractPool(jobs, { defaultProvider: "openai", workers: 2, minJobsForWorkers: 1, workerUrl: pathToFileURL(join(tmp.path, "missing.js")) });
    expect(pool.workerCount).toBe(0);
    expect(await drain(pool)).toHaveLength(20);
    await pool.close();
  });

  it("finishes every job on the calling thread when a worker dies", async () => {
    const broken = join(tmp.path, "broken-worker.mjs");
    writeFileSync(broken, 'throw new Error("worker failed to load");\n');
    const pool = new ExtractPool(jobs, { defaultProvider: "openai", workers: 1, minJobsForWorkers: 1, workerUrl: pathToFileURL(broken) });
    expect(pool.workerCount).toBe(1);
    const results = await drain(pool);
    expect(results.map((r) => r.outcome)).toEqual(jobs.map((job) => runExtractJob(job, "openai")));
    await pool.close();
  });

  const builtWorker = new URL("../dist/local/extract-worker.js", import.meta.url);
  it.skipIf(!existsSync(fileURLToPath(builtWorker)))("starts its workers before the jobs are known and feeds them the jobs added later (needs `pnpm build`)", async () => {
    const pool = new ExtractPool([], { defaultProvider: "openai", workers: 1, expectedJobs: 1000, workerUrl: builtWorker, callerBatch: 0 });
    expect(pool.workerCount).toBe(1);
    // Let the worker come online and find the queue empty.
    await new Promise((resolve) => setTimeout(resolve, 300));
    pool.add(jobs);
    const results = await drain(pool);
    expect(results.map((r) => r.job.path).sort()).toEqual(jobs.map((j) => j.path).sort());
    expect(results.map((r) => r.outcome).every((o) => "ok" in o)).toBe(true);
    await pool.close();
  });

  it("decides on workers by the expected job count", async () => {
    const pool = new ExtractPool(jobs, { defaultProvider: "openai", workers: 1, expectedJobs: 3, minJobsForWorkers: 10 });
    expect(pool.workerCount).toBe(0);
    expect(await drain(pool)).toHaveLength(20);
    await pool.close();
  });
});

describe("spareCoreWorkers", () => {
  it("starts one worker per idle core besides the caller's, none on a saturated machine", () => {
    expect([spareCoreWorkers(2, 0.1), spareCoreWorkers(2, 1), spareCoreWorkers(2, 1.5), spareCoreWorkers(2, 1.9), spareCoreWorkers(2, 7)]).toEqual([1, 1, 1, 0, 0]);
    expect([spareCoreWorkers(8, 0), spareCoreWorkers(8, 6), spareCoreWorkers(1, 0)]).toEqual([3, 2, 0]);
  });
});

describe("ExtractPool with a worker that exits mid-batch", () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir("skein-pool-exit-");
  });
  afterEach(() => tmp.cleanup());

  it("re-runs the batch it held on the calling thread", async () => {
    const quitter = join(tmp.path, "quitting-worker.mjs");
    writeFileSync(quitter, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\n');
    const jobs = Array.from({ length: 50 }, (_, i) => ({ path: join(tmp.path, `missing-${i}.jsonl`), archived: false }));
    const pool = new ExtractPool(jobs, { defaultProvider: "openai", workers: 1, minJobsForWorkers: 1, workerUrl: pathToFileURL(quitter), callerBatch: 0 });
    const results = await drain(pool);
    expect(results.map((r) => r.job.path).sort()).toEqual(jobs.map((j) => j.path).sort());
    await pool.close();
  });
});
