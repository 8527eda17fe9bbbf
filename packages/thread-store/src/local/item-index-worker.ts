import { parentPort } from "node:worker_threads";
import { updateRolloutItemIndex, type RolloutItemIndex } from "@skein/rollout";

// Entry of an item-index worker (see item-index-cache.ts): brings one file's index up to date
// off the calling thread, answers once and ends. Loaded from dist only; the cache builds
// in-process when it is missing.

parentPort?.once("message", ({ path, previous }: { path: string; previous?: RolloutItemIndex }) => {
  updateRolloutItemIndex(path, previous).then(
    (index) => parentPort?.postMessage({ index }),
    (error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
