import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EncodeFileJob, EncodedFile } from "./encode-file.js";

// A worker thread that reads, encodes and checks rollouts into their temp files for
// `compressRolloutFiles`, so the calling thread does the file steps of one batch (creates, links,
// unlinks, the index) while the next batch encodes on the other core (docs/storage-care.md,
// "Speed"). One per process, started on first use, never keeping the process alive while it has
// nothing to do.

/** A rollout to encode, as sent to the thread. */
export interface EncodeRequest {
  id: number;
  job: EncodeFileJob;
}

/** The thread's answer: the temp written (`null`: the source changed meanwhile), or why not. */
export type EncodeOutcome = { id: number; done: EncodedFile | null } | { id: number; error: string };

/**
 * The worker entry: next to this module when it runs from `dist/`; else (from sources: tests, or
 * the CLI's bundle, which places this module at the package's `src/`) the package's built copy.
 */
function workerUrl(): URL {
  const here = new URL("./encode-worker.js", import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL("../../dist/internal/encode-worker.js", import.meta.url);
}

/** The encoding thread stopped (it could not start, or died): its unfinished files are to be encoded in-process. */
export class EncodeThreadFailed extends Error {
  override readonly name = "EncodeThreadFailed";
}

/** The encoding thread's client. */
export class EncodeThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(done: EncodedFile | undefined): void; reject(error: Error): void }>();
  #next = 0;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (outcome: EncodeOutcome) => {
      const waiting = this.#pending.get(outcome.id);
      if (!waiting) return;
      this.#settled(outcome.id);
      if ("done" in outcome) waiting.resolve(outcome.done ?? undefined);
      else waiting.reject(new Error(outcome.error));
    });
    const fail = (cause: Error): void => {
      const error = new EncodeThreadFailed(`the zstd encoding thread stopped: ${cause.message}`, { cause });
      this.#failure ??= error;
      for (const [id, waiting] of this.#pending) {
        this.#settled(id);
        waiting.reject(error);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    worker.unref(); // after the listeners: adding one refs the worker again
  }

  /** Starts the thread; undefined when its entry is not built (then encode in-process). */
  static start(): EncodeThread | undefined {
    const url = workerUrl();
    if (!existsSync(fileURLToPath(url))) return undefined;
    // The host's flags for a string script (`node --input-type=module -e …`) do not apply to a file.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith("--input-type"));
    return new EncodeThread(new Worker(url, { execArgv }));
  }

  /**
   * `encodeFileToTemp` of `job` on the thread: the temp written, or undefined when the source
   * changed meanwhile. The job's temp file must stay open until this settles.
   * @throws EncodeThreadFailed when the thread stopped before answering.
   * @throws Error when the frame did not decode to the plain bytes.
   */
  encode(job: EncodeFileJob): Promise<EncodedFile | undefined> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref(); // awaited work keeps the process alive
      this.#pending.set(id, { resolve, reject });
      const request: EncodeRequest = { id, job };
      this.#worker.postMessage(request);
    });
  }

  /** True once the thread stopped. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }
}

let shared: EncodeThread | undefined | null;

/** The process's encoding thread (started on first call), or undefined when there is none or it stopped. */
export function encodeThread(): EncodeThread | undefined {
  if (shared === undefined) shared = EncodeThread.start() ?? null;
  return shared && !shared.failed ? shared : undefined;
}
