export { LocalThreadStore, SKEIN_STATE_DB_FILE } from "./local-thread-store.js";
export type {
  LocalThreadStoreOptions,
  LocalIndexMode,
  CatchUpMode,
  ReindexOptions,
  ReindexProgress,
  ReindexProblem,
  ReindexReport,
  HomeProblemKind,
  HomeProblem,
  HomeCheckReport,
  WriterLockHolder,
  ImportLine,
  ImportThreadParams,
  LoadRawHistoryParams,
} from "./types.js";
export { StorageCare, ASSUMED_COMPRESSION_RATIO, TRASH_SUBDIR } from "./storage/index.js";
export type * from "./storage/index.js";
