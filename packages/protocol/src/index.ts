export { ThreadId } from "./thread-id.js";
export { isThreadId, newThreadId, threadIdTimestampMs } from "./thread-id-format.js";
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
export {
  type SearchTerm,
  type SearchQuery,
  type SearchWord,
  type MatchRanges,
  type SearchSnippet,
  MIN_IMPLICIT_PREFIX_LENGTH,
  MAX_SEARCH_TERMS,
  SNIPPET_LEAD_CHARS,
  SNIPPET_WINDOW_CHARS,
  foldSearchText,
  searchWords,
  parseSearchQuery,
  matchSearchQuery,
  highlightSearchQuery,
  countSearchMatches,
  searchSnippet,
  markSnippet,
} from "./search-query.js";
export {
  type SearchableRole,
  type SearchableMessage,
  MAX_TOOL_TEXT_CHARS,
  searchableMessageOf,
} from "./searchable-message.js";
export { lenientObject, unexpectedFieldsOf, asWritten } from "./lenient-object.js";
