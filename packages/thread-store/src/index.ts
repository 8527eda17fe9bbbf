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
