export {
  ThreadMetadataSync,
  DEFAULT_TOUCH_COALESCE_MS,
  type ThreadMetadataSyncOptions,
  type PendingMetadataUpdate,
  type CreateMetadataFacts,
  type ObservedItem,
} from "./thread-metadata-sync.js";
export { LiveThread, type LiveThreadOptions, type LiveThreadUpdateOptions } from "./live-thread.js";
export { LiveThreadInitGuard } from "./live-thread-init-guard.js";
export {
  ThreadManager,
  DEFAULT_MODEL,
  type ThreadManagerOptions,
  type ThreadManagerDefaults,
  type StartSessionParams,
  type ResumeSessionParams,
  type ForkSessionParams,
  type UpdateThreadMetadataOptions,
  type ShutdownAllReport,
} from "./thread-manager.js";
export {
  ThreadSession,
  type ThreadSessionInit,
  type RunTurnParams,
  type TurnResult,
  type ToolHandler,
  type ToolHandlers,
  type ToolCallContext,
} from "./thread-session.js";
export { TurnStream, type TurnEvent, type TurnEventListener } from "./turn-events.js";
export { TURN_ABORTED_MARKER, CANCELLED_TOOL_OUTPUT } from "./turn-interrupt.js";
export {
  mergeDynamicTools,
  normalizeDynamicTools,
  dynamicToolsFromHistory,
  dynamicToolsRecord,
  dynamicToolKey,
  sameDynamicTools,
  DYNAMIC_TOOLS_REVISION_KEY,
  type DynamicToolsMode,
} from "./dynamic-tools.js";
export { sessionMetaOf, type OwnSessionMeta } from "./session-meta-of.js";
export { forkHistoryPrefix } from "./fork-history.js";
export { buildModelRequest, type BuildModelRequestParams, type ModelRequest, type ModelTool } from "./model-request.js";
export type { ModelClient, ModelResponse, ModelUsage, ModelCallOptions, ModelStreamEvent } from "./model-client.js";
export { ScriptedModel } from "./scripted-model.js";
export type { WireTokenUsage } from "./turn-items.js";
export {
  CoreSessionError,
  type CoreSessionErrorCode,
  InvalidSessionRequestError,
  MetadataUpdateError,
  UnsupportedMetadataUpdateError,
  SessionFatalError,
  ThreadClosedError,
  ModelCallError,
  TurnLimitExceededError,
  TurnInterruptedError,
  isCoreSessionError,
} from "./errors.js";
