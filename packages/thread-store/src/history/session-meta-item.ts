import { formatRolloutTimestamp, toCodexDynamicTool, type RolloutItem, type SessionMeta } from "@skein/protocol";
import type { CreateThreadParams } from "../types.js";

/** `originator` written when the create params give none. */
export const DEFAULT_ORIGINATOR = "skein";
/** `cli_version` written when the create params give none (this package's version). */
export const DEFAULT_CLI_VERSION = "0.1.0";

/**
 * The `session_meta` record that opens a new thread's history, built from its create
 * params in the key order Codex 0.169 writes. `dynamic_tools` (Codex form) appears only when
 * non-empty and `memory_mode` only when memories are disabled; `history_mode` defaults to
 * `legacy`. `cwd` must already be validated.
 */
export function createSessionMetaItem(params: CreateThreadParams, cwd: string, nowMs: number): RolloutItem {
  const payload: SessionMeta = {
    session_id: params.threadId,
    id: params.threadId,
    ...(params.forkedFromId !== undefined ? { forked_from_id: params.forkedFromId } : {}),
    ...(params.parentThreadId !== undefined ? { parent_thread_id: params.parentThreadId } : {}),
    timestamp: formatRolloutTimestamp(nowMs),
    cwd,
    originator: params.originator ?? DEFAULT_ORIGINATOR,
    cli_version: params.cliVersion ?? DEFAULT_CLI_VERSION,
    source: params.source,
    ...(params.threadSource !== undefined ? { thread_source: params.threadSource } : {}),
    model_provider: params.metadata.modelProvider,
    base_instructions: { text: params.baseInstructions ?? "" },
    ...(params.dynamicTools && params.dynamicTools.length > 0
      ? { dynamic_tools: params.dynamicTools.map(toCodexDynamicTool) }
      : {}),
    ...(params.metadata.memoryMode === "disabled" ? { memory_mode: "disabled" as const } : {}),
    history_mode: params.historyMode ?? "legacy",
  };
  return { type: "session_meta", payload };
}
