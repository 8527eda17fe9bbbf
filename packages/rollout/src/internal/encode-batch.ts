import { setImmediate as nextTurn } from "node:timers/promises";
import { encodeFileToTemp, type EncodeFileJob, type EncodedFile } from "./encode-file.js";
import { EncodeThreadFailed, encodeThread } from "./encode-thread.js";
import { ENCODE_CHUNK, loadZstdEncoder } from "./wasm-zstd-encoder.js";

// Who encodes a batch's files (docs/storage-care.md, "Speed"): the encoding thread and the
// calling thread both take files from one queue. The thread always has the next file waiting;
// the calling thread encodes one file at a time between its other work (the previous batch's
// links, unlinks and index), so neither core idles while there are files left.

/** Files handed to the encoding thread ahead (it never waits for the next one). */
const THREAD_AHEAD = 2;

/**
 * Encodes every job into its temp file; `encoded(i, done)` is called as each finishes (`done`
 * undefined: the source changed meanwhile). Resolves once all have finished (none is left running).
 * @throws Error (the first failure) when a file could not be encoded or its frame did not decode back.
 */
export async function encodeBatch(jobs: readonly EncodeFileJob[], encoded: (index: number, done: EncodedFile | undefined) => void): Promise<void> {
  const queue = jobs.map((job, index) => ({ job, index }));
  const thread = encodeThread();
  const onThread: Promise<void>[] = [];
  let failure: unknown;
  const feed = (): void => {
    const next = failure === undefined ? queue.shift() : undefined;
    if (!next) return;
    const step = thread!.encode(next.job).then((done) => {
      encoded(next.index, done);
      feed();
    });
    step.catch((error: unknown) => {
      // A thread that stopped leaves its file to this thread (rewritten from its start).
      if (error instanceof EncodeThreadFailed) queue.push({ ...next, job: { ...next.job, rewrite: true } });
      else failure ??= error;
    });
    onThread.push(step);
  };
  const encodeHere = async (next: { job: EncodeFileJob; index: number }): Promise<void> => {
    try {
      encoded(next.index, encodeFileToTemp(await loadZstdEncoder(), next.job, sharedBuffer()));
    } catch (error) {
      failure ??= error;
    }
  };
  if (thread) for (let i = 0; i < THREAD_AHEAD; i++) feed();
  for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
    await encodeHere(next);
    // The thread's answers and the previous batch's steps get their turn between two files.
    if (thread) await nextTurn();
  }
  // The thread's chain grows as it goes: wait until every step of it has settled.
  for (let i = 0; i < onThread.length; i++) await onThread[i]!.catch(() => undefined);
  // What a stopped thread left undone.
  for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) await encodeHere(next);
  if (failure !== undefined) throw failure;
}

let buffer: Buffer | undefined;

/** The calling thread's read buffer (its files are encoded one at a time, synchronously). */
function sharedBuffer(): Buffer {
  return (buffer ??= Buffer.allocUnsafe(ENCODE_CHUNK));
}
