export { encodeCursor, decodeCursor, type CursorScope } from "./page-cursor.js";
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_SEARCH_TERM_LENGTH,
  DEFAULT_HITS_PER_THREAD,
  MISSING_CWD_DETAIL,
  parseThreadId,
  archivedThreadDetail,
  requireCwd,
  parseMetadataPatch,
  assertRolloutItems,
  normalizeListThreadsParams,
  normalizeSearchParams,
  normalizeHistoryPageParams,
  parsePageSize,
  type NormalizedListThreadsQuery,
  type NormalizedSearchQuery,
  type NormalizedHistoryPageQuery,
} from "./request-validation.js";
export { segmentTurns, segmentTurnBoundaries, turnIdsByPosition, type TurnSegment, type TurnBoundary } from "./segment-turns.js";
export { pageTurns, pageItems, turnsCursorScope, itemsCursorScope, cursorPosition } from "./history-pages.js";
export { isListable, sortValueOf, compareThreads, matchesListQuery, listCursorScope, pageThreads } from "./thread-list.js";
export { searchSnippet, SNIPPET_CONTEXT } from "./search-snippet.js";
export { createSessionMetaItem, DEFAULT_ORIGINATOR, DEFAULT_CLI_VERSION } from "./session-meta-item.js";
export { searchCandidates, searchableTexts, dropInherited, searchCursorScope, searchMatchOf, type SearchCandidate } from "./content-search.js";
