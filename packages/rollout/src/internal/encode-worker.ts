import { parentPort } from "node:worker_threads";
import { ENCODE_CHUNK, loadZstdEncoder } from "./wasm-zstd-encoder.js";
import { encodeFileToTemp } from "./encode-file.js";
import type { EncodeOutcome, EncodeRequest } from "./encode-thread.js";

// The encoding thread of `compressRolloutFiles` (docs/storage-care.md, "Speed"): it reads each
// plain rollout, encodes it into the temp file the calling thread opened, checks the frame by
// decoding it back, and answers with the temp's size and mtime. Its buffers are reused from file
// to file (fresh memory costs a page fault per 4 KB on this VM).

const port = parentPort;
if (!port) throw new Error("encode-worker.js runs as a worker thread");
const encoder = await loadZstdEncoder();
const buffer = Buffer.allocUnsafe(ENCODE_CHUNK);

port.on("message", ({ id, job }: EncodeRequest) => {
  let outcome: EncodeOutcome;
  try {
    outcome = { id, done: encodeFileToTemp(encoder, job, buffer) ?? null };
  } catch (error) {
    outcome = { id, error: (error as Error).message };
  }
  port.postMessage(outcome);
});
