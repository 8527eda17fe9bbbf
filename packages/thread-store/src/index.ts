export type { ThreadStore } from "./thread-store.js";
export type * from "./types.js";
export {
  ThreadStoreError,
  type ThreadStoreErrorCode,
  ThreadNotFoundError,
  InvalidRequestError,
  ConflictError,
  UnsupportedOperationError,
  InternalError,
  isThreadStoreError,
} from "./errors.js";
export {
  LocalThreadStore,
  type LocalThreadStoreOptions,
  type LocalIndexMode,
  type CatchUpMode,
  type ReindexOptions,
  type ReindexProgress,
  type ReindexProblem,
  type ReindexReport,
  type HomeProblemKind,
  type HomeProblem,
  type HomeCheckReport,
  type WriterLockHolder,
} from "./local/index.js";
