import { closeSync, fsync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { encodeFileToTemp, type EncodeJob } from "./encode-file.js";
import { ENCODE_CHUNK, loadZstdEncoder } from "./wasm-zstd-encoder.js";

// Entry of the compression worker (encode-helper.ts): encodes each job it is sent into its temp
// file, fsyncs and closes it, and answers with its size (or why not). The descriptor never leaves
// this thread: Node closes a worker's descriptors when it exits, so one handed to the calling
// thread could be closed under it. While a file's fsync runs (on libuv's threads), the next job
// encodes. Loaded from dist only; without it, everything is encoded on the calling thread.

const encoder = loadZstdEncoder(); // the wasm decodes here, on this thread, while the caller lists
const buffer = Buffer.allocUnsafe(ENCODE_CHUNK);
const failed = (id: number, err: unknown) => parentPort?.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
parentPort?.on("message", (job: EncodeJob & { id: number }) => {
  encoder
    .then((enc) => {
      const outcome = encodeFileToTemp(enc, job, buffer);
      if (outcome === "changed") return void parentPort?.postMessage({ id: job.id, outcome });
      fsync(outcome.fd, (err) => {
        closeSync(outcome.fd);
        if (err) failed(job.id, err);
        else parentPort?.postMessage({ id: job.id, outcome: { compressedBytes: outcome.compressedBytes } });
      });
    })
    .catch((err: unknown) => failed(job.id, err));
});
