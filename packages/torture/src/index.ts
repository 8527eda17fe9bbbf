export { TortureError, type TortureErrorCode, InvariantViolationError, WorkerFailedError, isTortureError } from "./errors.js";
export {
  workerScript,
  startWorker,
  expectCleanExit,
  describeExit,
  type WorkerName,
  type WorkerExit,
  type RunningWorker,
} from "./worker-process.js";
export { CRASH_ITEM_PREFIX, crashItem, crashSeqOf } from "./crash-items.js";
export { runCrashCampaign, type CrashCampaignOptions, type CrashCampaignReport } from "./crash-campaign.js";
export { compareIndexWithFiles, PARITY_FIELDS, type ParityResult } from "./index-parity.js";
export { runConcurrencyCampaign, type ConcurrencyCampaignOptions, type ConcurrencyCampaignReport } from "./concurrency-campaign.js";
export {
  CONCURRENCY_ITEM_PREFIX,
  concurrencyItem,
  concurrencySeqOf,
  type ConcurrencyWorkerReport,
  type OwnThreadState,
} from "./concurrency-protocol.js";
export { fuzzRolloutReader, fuzzCursorDecoder, mutate, type FuzzOptions, type FuzzReport } from "./fuzz.js";
export { BUILTIN_SEED_LINES, findExamplesDir, loadSeedLines } from "./fuzz-seeds.js";
