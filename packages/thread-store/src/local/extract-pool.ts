import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { runExtractJob, type ExtractJob, type ExtractOutcome } from "./extract-job.js";

// Parallel extraction for large reindexes. The calling thread is one of the extractors (it
// starts at once, while workers still load their modules) and also the only SQLite writer:
// `next()` hands back finished outcomes in whatever order they complete, and the caller writes
// them between extraction steps. Small jobs lists never start a worker.

/** Where the worker entry is when running from `dist/` (absent when running from sources). */
export const DEFAULT_WORKER_URL = new URL("./extract-worker.js", import.meta.url);

/** Options of {@link ExtractPool}. */
export interface ExtractPoolOptions {
  defaultProvider: string;
  /** Worker threads besides the calling thread. Default: {@link spareCoreWorkers}; 0 below {@link minJobsForWorkers} jobs. */
  workers?: number;
  /**
   * Jobs expected in all (default: the jobs given to the constructor): a pool made before the
   * jobs are known (a cold reindex starts its workers before scanning the home, so their module
   * load overlaps the scan) decides on workers by this count; the jobs come through `add`.
   */
  expectedJobs?: number;
  /** Fewer jobs than this run in-process only. Default 256. */
  minJobsForWorkers?: number;
  /** The worker entry (default {@link DEFAULT_WORKER_URL}); a missing file means in-process only. */
  workerUrl?: URL;
  /**
   * Jobs the calling thread takes per step, when no results wait, once a worker is running
   * (default 8; 0: it only writes what workers return). Measured on 2 cores: extracting only
   * on the worker leaves the calling thread waiting ~0.7 s of a 1.3 s build; filling its idle
   * time with small batches balances the two.
   */
  callerBatch?: number;
}

/** One finished job. */
export interface ExtractResult {
  job: ExtractJob;
  outcome: ExtractOutcome;
}

/**
 * Workers worth starting now: one per core left idle by the last minute's load, besides the
 * calling thread's, at most 3. A worker costs ~0.3 s of CPU (module load, JIT, moving results);
 * on a saturated machine it only adds that cost (measured: 6.1 s vs 3.6 s for 10k files at
 * load 7 on 2 cores), on an idle one it nearly halves the time. One unit of the load is taken to
 * be the caller's own: a process that reindexes again (a benchmark, `reindex` after `doctor`) has
 * kept the load near 1–1.5 itself and must not lock itself out of the second core.
 */
export function spareCoreWorkers(cores = availableParallelism(), load = loadavg()[0] ?? 0): number {
  const otherLoad = Math.max(0, load - 1);
  const spare = cores - 1 - otherLoad;
  if (spare < 0.5) return 0;
  return Math.min(3, Math.floor(spare + 0.5));
}

/**
 * Workers asked for by `SKEIN_EXTRACT_WORKERS` (0–8; e.g. a container whose load average is the
 * host's), or undefined when unset or not a whole number in range (then the load decides).
 */
export function configuredWorkers(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env["SKEIN_EXTRACT_WORKERS"]?.trim();
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 8 ? n : undefined;
}

const WORKER_BATCH = 32;
/** Young generation of an extraction worker (MB): peak RSS of a cold 10k-thread build 203 MB with V8's default, 188 MB with 8, 159 MB without a worker; the build took as long in all three. */
const WORKER_YOUNG_GENERATION_MB = 8;
const LOCAL_BATCH = 8;

/** Runs extraction jobs on this thread and on worker threads; see the file comment. */
export class ExtractPool {
  readonly #jobs: ExtractJob[];
  readonly #defaultProvider: string;
  readonly #workers: Worker[] = [];
  #nextJob = 0;
  #pending = 0;
  #done: ExtractResult[] = [];
  #wake: (() => void) | undefined;
  #failure: unknown;
  #closing = false;
  #live = 0;
  #online = 0;
  /** Feeders of workers that found the queue empty, woken by `add`. */
  #idle: (() => void)[] = [];
  readonly #callerBatch: number;

  constructor(jobs: readonly ExtractJob[], options: ExtractPoolOptions) {
    this.#jobs = [...jobs];
    this.#defaultProvider = options.defaultProvider;
    this.#callerBatch = options.callerBatch ?? LOCAL_BATCH;
    const url = options.workerUrl ?? DEFAULT_WORKER_URL;
    const wanted = (options.expectedJobs ?? jobs.length) < (options.minJobsForWorkers ?? 256) ? 0 : (options.workers ?? configuredWorkers() ?? spareCoreWorkers());
    if (wanted > 0 && url.protocol === "file:" && existsSync(fileURLToPath(url))) {
      for (let i = 0; i < wanted; i++) this.#startWorker(url);
    }
  }

  /** Worker threads started (0: everything runs in-process). */
  get workerCount(): number {
    return this.#workers.length;
  }

  #startWorker(url: URL): void {
    // A small young generation: the worker's batches die young, and the default one cost ~45 MB of
    // peak RSS for no measurable speed (docs/state-index.md, "Cold builds").
    const worker = new Worker(url, { workerData: { defaultProvider: this.#defaultProvider }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    let batch: ExtractJob[] = [];
    let retired = false;
    let online = false;
    const feed = () => {
      if (retired) return;
      batch = this.#take(WORKER_BATCH);
      if (batch.length === 0) {
        this.#idle.push(feed);
        return;
      }
      this.#pending += batch.length;
      worker.postMessage(batch);
    };
    worker.on("message", (message: string) => {
      const outcomes = JSON.parse(message) as ExtractOutcome[];
      this.#pending -= batch.length;
      batch.forEach((job, i) => this.#done.push({ job, outcome: outcomes[i] ?? { error: "extraction worker returned no outcome" } }));
      feed();
      this.#notify();
    });
    // A worker that fails or exits with jobs in flight gives them back to the queue front; the
    // calling thread (and any other worker) finishes them.
    const retire = (error: unknown) => {
      if (retired) return;
      retired = true;
      this.#live--;
      if (online) this.#online--;
      this.#pending -= batch.length;
      this.#jobs.splice(this.#nextJob, 0, ...batch);
      batch = [];
      if (!this.#closing) this.#failure ??= error;
      this.#notify();
    };
    worker.on("error", retire);
    worker.on("exit", (code) => retire(new Error(`extraction worker exited with code ${code}`)));
    worker.once("online", () => {
      this.#online++;
      online = true;
      feed();
    });
    this.#workers.push(worker);
    this.#live++;
  }

  /** Queues more jobs (the rest of the work of a pool started early) and wakes idle workers. */
  add(jobs: readonly ExtractJob[]): void {
    for (const job of jobs) this.#jobs.push(job);
    const idle = this.#idle;
    this.#idle = [];
    for (const feed of idle) feed();
  }

  #take(n: number): ExtractJob[] {
    const out = this.#jobs.slice(this.#nextJob, this.#nextJob + n);
    this.#nextJob += out.length;
    return out;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * The next finished outcomes (at least one), or an empty list when every job is done. Runs a
   * few jobs on this thread when any are left; otherwise waits for a worker.
   */
  async next(): Promise<ExtractResult[]> {
    for (;;) {
      if (this.#done.length > 0) {
        const out = this.#done;
        this.#done = [];
        return out;
      }
      const local = this.#take(this.#online > 0 && this.#live > 0 ? this.#callerBatch : LOCAL_BATCH);
      if (local.length > 0) {
        const out = local.map((job) => ({ job, outcome: runExtractJob(job, this.#defaultProvider) }));
        // Let worker messages in before returning, so their results are not starved.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return out;
      }
      if (this.#pending === 0 && this.#nextJob >= this.#jobs.length) return [];
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The first error a worker died with (its jobs were re-run in-process), if any. */
  get workerFailure(): unknown {
    return this.#failure;
  }

  /** Stops every worker. Idempotent. */
  async close(): Promise<void> {
    this.#closing = true;
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
