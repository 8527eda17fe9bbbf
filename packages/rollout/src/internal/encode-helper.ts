import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EncodeJob } from "./encode-file.js";

// The compression worker: a second thread that encodes rollouts (encode-worker.ts) while the
// calling thread encodes others, syncs and moves files (docs/storage-care.md, "Speed"). One per
// process, started only for enough bytes to be worth its start (a thread, the module, the wasm
// decode: ~0.3 s of CPU on the other core); unreferenced while idle so it never keeps a process
// alive. The calling thread keeps every file step that orders the move; the worker only writes,
// checks and fsyncs a temp file the caller named.

/** A file the worker wrote, checked, synced and closed; or `changed` (the source no longer had its size). */
export type WorkerOutcome = { compressedBytes: number } | "changed";

/**
 * The worker entry, always the built one in `dist/`: from the sources (tests, and the CLI bundle,
 * which bundles the sources and points `import.meta.url` at them: docs/cli-startup.md) it is the
 * package's `dist/internal/encode-worker.js`. Absent (not built): no worker.
 */
export const ENCODE_WORKER_URL = builtEntry(new URL("./encode-worker.js", import.meta.url));

function builtEntry(url: URL): URL {
  return url.pathname.endsWith("/src/internal/encode-worker.js") ? new URL("../../dist/internal/encode-worker.js", url) : url;
}

/**
 * Plain bytes to encode below which no worker is started. Measured on 2 cores: for 8 MB its
 * start (~0.3 s of CPU) costs about what it saves on a quiet machine.
 */
export const MIN_WORKER_BYTES = 32 << 20;

/** The worker stopped (crashed or exited): the job was not done, and its temp may be partial. */
export class EncodeWorkerGone extends Error {}

/** The worker's side of a batch: one job at a time or more in flight. */
export class EncodeHelper {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (outcome: WorkerOutcome) => void; reject: (err: Error) => void }>();
  #nextId = 0;
  #gone = false;

  constructor(url: URL) {
    this.#worker = new Worker(url);
    this.#worker.unref();
    this.#worker.on("message", (message: { id: number; outcome?: WorkerOutcome; error?: string }) => {
      const waiting = this.#pending.get(message.id);
      if (!waiting) return;
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (message.error !== undefined) waiting.reject(new Error(message.error));
      else waiting.resolve(message.outcome!);
    });
    const gone = (err: Error) => {
      if (this.#gone) return;
      this.#gone = true;
      if (helper === this) helper = undefined;
      for (const waiting of this.#pending.values()) waiting.reject(new EncodeWorkerGone("compression worker stopped", { cause: err }));
      this.#pending.clear();
    };
    this.#worker.on("error", gone);
    this.#worker.on("exit", (code) => gone(new Error(`compression worker exited with code ${code}`)));
  }

  /** False once the worker has stopped. */
  get alive(): boolean {
    return !this.#gone;
  }

  /** Jobs sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Encodes one file in the worker.
   * @throws EncodeWorkerGone when the worker stopped before answering; Error when the job failed there.
   */
  encode(job: EncodeJob): Promise<WorkerOutcome> {
    if (this.#gone) return Promise.reject(new EncodeWorkerGone("compression worker stopped"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref(); // a reply is awaited: the process stays up for it
      this.#worker.postMessage({ ...job, id });
    });
  }

  /** Stops the worker. */
  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}

let helper: EncodeHelper | undefined;

/**
 * The process's compression worker, started when `bytes` to encode reach `minBytes`
 * (or already running), on a machine with more than one core and when the worker entry exists.
 */
export function encodeHelperFor(bytes: number, url: URL = ENCODE_WORKER_URL, minBytes = MIN_WORKER_BYTES): EncodeHelper | undefined {
  if (helper?.alive) return helper;
  if (bytes < minBytes || availableParallelism() < 2) return undefined;
  if (url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
  helper = new EncodeHelper(url);
  return helper;
}

/** Stops the process's compression worker, if one runs (the next batch that needs one starts another). */
export async function stopEncodeHelper(): Promise<void> {
  const running = helper;
  helper = undefined;
  await running?.stop();
}
