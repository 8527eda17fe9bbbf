export { isPersistedRolloutItem, isPersistedRecord, persistedRolloutItems } from "./policy.js";
export { PreparedRawRolloutItem, isPersistedRawRolloutItem, prepareRawRolloutItem, prepareRawRolloutItems, type RawRolloutItem } from "./raw-item.js";
export {
  SESSIONS_SUBDIR,
  ARCHIVED_SESSIONS_SUBDIR,
  rolloutFileName,
  activeRolloutPath,
  parseRolloutFileName,
  isArchivedPath,
  archivedPathFor,
  unarchivedPathFor,
  type ParsedRolloutFileName,
} from "./layout.js";
export {
  findRolloutPath,
  scanRolloutFiles,
  scanHome,
  scanRolloutDir,
  watchedDirPaths,
  homeRoots,
  type RolloutFileInfo,
  type ScanRolloutFilesOptions,
  type HomeScan,
  type HomeRoots,
  type WatchedDir,
  type FoundRollout,
  type FindRolloutPathOptions,
} from "./home-scan.js";
export {
  RolloutRecorder,
  type RecorderSessionMeta,
  type RecordableItem,
  type RolloutRecorderCreateOptions,
  type RolloutRecorderResumeOptions,
} from "./rollout-recorder.js";
export { appendRolloutItemsToPath, type AppendRolloutItemsOptions } from "./append-to-path.js";
export {
  iterateRolloutLines,
  iterateRolloutLineBatches,
  parseRolloutLine,
  readRollout,
  loadThreadHistory,
  type RolloutLineEntry,
  type IterateRolloutLinesOptions,
  type BadLine,
  type TornTail,
  type RolloutReadResult,
  type ReadRolloutOptions,
  type HistorySegment,
  type ThreadHistory,
  type LoadThreadHistoryParams,
} from "./rollout-reader.js";
export {
  RolloutError,
  EmptyRolloutError,
  RolloutNotFoundError,
  InvalidThreadIdError,
  InvalidRolloutFileNameError,
  MissingSessionMetaError,
  MissingForkParentError,
  ForkCycleError,
  RolloutWriteError,
  RolloutRecorderClosedError,
  PathOutsideHomeError,
  CorruptCompressedRolloutError,
  ReadOnlyRolloutError,
  InvalidRawRolloutItemError,
  isRolloutError,
  type RolloutErrorCode,
} from "./errors.js";
export {
  readHeadSummary,
  resolveLineagePreview,
  HEAD_MIN_RECORDS,
  HEAD_MAX_RECORDS,
  type HeadSummary,
} from "./head-summary.js";
export {
  extractThreadMetadata,
  extractThreadMetadataSync,
  extractThreadMetadataIncremental,
  extractThreadMetadataIncrementalSync,
  type ExtractedThreadMetadata,
  type ExtractThreadMetadataOptions,
} from "./extract-metadata.js";
export { MessageCollector, type ExtractedMessage, type MessageCursor } from "./internal/message-collector.js";
export {
  SESSION_INDEX_FILE,
  appendSessionName,
  readSessionIndex,
  readSessionNames,
  findThreadIdsByName,
  removeSessionNameEntries,
  type SessionIndexEntry,
  type SessionIndex,
  type AppendSessionNameParams,
} from "./session-index.js";
export {
  readSessionIndexChanges,
  currentSessionIndexMark,
  formatSessionIndexMark,
  type SessionIndexMark,
  type SessionIndexChanges,
} from "./session-index-changes.js";
export {
  iterateRolloutLinesBackward,
  type ReverseRolloutLineEntry,
  type IterateRolloutLinesBackwardOptions,
} from "./rollout-reverse-reader.js";
export {
  ROLLOUT_ITEM_INDEX_VERSION,
  CHECKPOINT_ITEMS,
  TURN_FIELDS,
  TURN_STATUS,
  updateRolloutItemIndex,
  encodeRolloutItemIndex,
  decodeRolloutItemIndex,
  readRolloutItemIndexFile,
  loadEarlierTurns,
  readTurnIdAt,
  turnIdHash,
  checkpointBefore,
  checkpointBeforeOffset,
  type RolloutItemIndex,
  type RolloutItemIndexBase,
} from "./rollout-item-index.js";
export {
  COMPRESSED_ROLLOUT_SUFFIX,
  isCompressedRolloutPath,
  plainRolloutPath,
  compressedRolloutPath,
  rolloutPathForms,
} from "./compression-paths.js";
export { rolloutPlainSize } from "./internal/rollout-bytes.js";
export { compressRolloutFile, restorePlainRollout, restorePlainRolloutSync, isRolloutTempFileName, rolloutTempThreadId } from "./compression.js";
export { syncFolder } from "./internal/file-steps.js";
export {
  ROLLOUT_COMPRESSION_LEVEL,
  compressRolloutFiles,
  preloadRolloutCompression,
  type CompressBatchStep,
  type CompressRolloutResult,
  type CompressRolloutOptions,
} from "./compress-rollouts.js";
export { measureRolloutStorage, ImageByteCounter, type RolloutStorageStats } from "./rollout-storage-stats.js";
export {
  GENERATION_2025,
  isGeneration2025Header,
  isGeneration2025Rollout,
  generation2025LineOf,
  generation2025UserMessageOf,
  isGeneration2025History,
  generation2025CwdOf,
  currentItemsOfGeneration2025,
  readGeneration2025Summary,
  refuseReadOnlyGeneration,
  type Generation2025Message,
  type Generation2025Summary,
} from "./generation-2025.js";
