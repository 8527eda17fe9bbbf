import type { RolloutRecorder } from "@skein/rollout";
import type { ThreadId } from "@skein/protocol";
import { ConflictError, InternalError, ThreadNotFoundError } from "../errors.js";
import { describeHolder, type WriterLock } from "./writer-lock.js";

/** A live writer of this process: the recorder plus the cross-process lock it holds. */
export interface LiveWriter {
  readonly threadId: ThreadId;
  readonly recorder: RolloutRecorder;
  readonly lock: WriterLock;
}

/** Turns a rollout/IO failure into the store's `InternalError`, keeping the cause. */
export function internal(what: string, error: unknown): InternalError {
  return new InternalError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** The live writers of one store instance, keyed by thread id. */
export class LiveWriters {
  readonly #writers = new Map<ThreadId, LiveWriter>();

  get(threadId: ThreadId): LiveWriter | undefined {
    return this.#writers.get(threadId);
  }

  /** @throws ThreadNotFoundError when the thread has no live writer here. */
  require(threadId: ThreadId): LiveWriter {
    const writer = this.#writers.get(threadId);
    if (!writer) throw new ThreadNotFoundError(threadId);
    return writer;
  }

  /** @throws ConflictError when this store already has a live writer for the thread. */
  assertFree(threadId: ThreadId): void {
    const writer = this.#writers.get(threadId);
    if (writer) {
      throw new ConflictError(`thread ${threadId} already has a live writer (${describeHolder(writer.lock.holder)})`, {
        holder: describeHolder(writer.lock.holder),
      });
    }
  }

  add(writer: LiveWriter): void {
    this.#writers.set(writer.threadId, writer);
  }

  /** Forgets the writer and releases its lock (the recorder must already be shut down or discarded). */
  remove(threadId: ThreadId): void {
    const writer = this.#writers.get(threadId);
    if (!writer) return;
    this.#writers.delete(threadId);
    writer.lock.release();
  }

  all(): LiveWriter[] {
    return [...this.#writers.values()];
  }
}
