export { ThreadId, isThreadId, newThreadId, threadIdTimestampMs } from "./thread-id.js";
export { SessionSource, INTERACTIVE_SESSION_SOURCES, sessionSourceKey } from "./session-source.js";
export { DynamicToolSpec, dynamicToolInputSchema, toCodexDynamicTool } from "./dynamic-tool.js";
export { SessionMeta, RolloutGitInfo, HistoryBase, HistoryMode, MemoryMode } from "./session-meta.js";
export {
  ResponseItem,
  EventMsg,
  TurnContext,
  Compacted,
  LineMetadata,
  RolloutItem,
  RolloutLine,
  KNOWN_ROLLOUT_ITEM_TYPES,
  type KnownRolloutItemType,
  isItemOfType,
  formatRolloutTimestamp,
} from "./rollout-item.js";
export {
  EpochMs,
  GitInfo,
  GitInfoPatch,
  TokenUsage,
  ThreadMetadataPatch,
  OBSERVED_PATCH_FIELDS,
  isEmptyPatch,
  hasObservedFacts,
  mergePatch,
  StoredThread,
} from "./thread-metadata.js";
export {
  USER_MESSAGE_BEGIN,
  type UserMessage,
  userMessageOf,
  userMessagePreview,
  stripUserMessagePrefix,
  goalObjectiveOf,
} from "./user-message.js";
