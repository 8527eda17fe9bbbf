// Skein in a Codex home: Codex's `threads` index kept in step with Skein's changes, checked and
// repaired, and Codex's writer locks honoured. Design: docs/codex-home-sync.md.
export { CODEX_STATE_DB_FILE, CODEX_BUSY_TIMEOUT_MS, codexStateDbPath, hasCodexStateDb, type CodexDbOptions } from "./codex-state-db.js";
export { EXPECTED_THREADS_COLUMNS, checkThreadsShape, type ThreadsShape } from "./threads-shape.js";
export {
  CODEX_THREAD_HISTORY_DB_FILE,
  codexForgetThread,
  codexMarkArchived,
  codexMarkUnarchived,
  codexSetName,
  type CodexSyncReport,
  type CodexSyncStatus,
} from "./codex-index-sync.js";
export { checkCodexIndex, type CodexIndexProblem, type CodexIndexProblemKind, type CodexIndexReport, type CodexRowFix } from "./codex-index-check.js";
export { CODEX_BACKUPS_SUBDIR, repairCodexIndex, type CodexRepairReport } from "./codex-index-repair.js";
export {
  CODEX_WRITER_LOCKS_SUBDIR,
  CodexWriterLock,
  assertNoCodexWriter,
  codexWriterLockPath,
  isCodexHome,
  isCodexWriterActive,
} from "./codex-writer-lock.js";
