import {
  SessionMeta,
  goalObjectiveOf,
  userMessageOf,
  userMessagePreview,
  type DynamicToolSpec,
  type HistoryBase,
  type HistoryMode,
  type MemoryMode,
  type SessionSource,
} from "@skein/protocol";
import { EmptyRolloutError, MissingSessionMetaError } from "./errors.js";
import { openRolloutBytes, type RolloutBytes } from "./internal/rollout-bytes.js";
import { isBlank, readLinesSync, sniffLine } from "./internal/line-splitter.js";
import { gitInfoOf, opt, parseItem } from "./internal/record-helpers.js";
import { findRolloutPath } from "./home-scan.js";
import { GENERATION_2025, readGeneration2025Summary, type Generation2025Summary } from "./generation-2025.js";

// Behaviour: docs/rollout-format.md, "Head summary" (Codex `read_head_summary`, fork previews).

/** Records read at least, and at most while the preview is still missing (Codex's limits). */
export const HEAD_MIN_RECORDS = 10;
export const HEAD_MAX_RECORDS = 210;
const HEAD_CHUNK = 64 * 1024;

/** Listing facts read from the head of a rollout. Git fields are camelCase; absent means unknown. */
export interface HeadSummary {
  threadId: string;
  /** The first `session_meta`'s `timestamp` (epoch ms), else the first response item's line time. */
  createdAtMs?: number;
  cwd: string;
  source?: SessionSource;
  threadSource?: string;
  modelProvider?: string;
  cliVersion?: string;
  originator?: string;
  forkedFromId?: string;
  parentThreadId?: string;
  historyMode: HistoryMode;
  historyBase?: HistoryBase;
  memoryMode?: MemoryMode;
  agentNickname?: string;
  agentRole?: string;
  agentPath?: string;
  gitInfo?: { sha?: string; branch?: string; originUrl?: string };
  dynamicTools?: DynamicToolSpec[];
  /** List text: the first user message (`[Image]` for image-only), or an earlier goal objective. */
  preview?: string;
  /** Byte offset of the line that set `preview`. */
  previewByteOffset?: number;
  firstUserMessage?: string;
  /**
   * True for a paginated fork: Codex shows the lineage's first user message as the preview,
   * which lives in an ancestor's file. See {@link resolveLineagePreview}.
   */
  needsLineagePreview: boolean;
  /** Non-blank records read. */
  recordsRead: number;
  /** Set for a rollout of an older, read-only generation (`"2025"`); absent for current files. */
  generation?: typeof GENERATION_2025;
}

/**
 * Reads a rollout's listing facts from its head only, in 64 KiB chunks: at least
 * {@link HEAD_MIN_RECORDS} records, and up to {@link HEAD_MAX_RECORDS} while the preview or
 * first user message is missing. The first `session_meta` is canonical.
 * @throws RolloutNotFoundError, EmptyRolloutError, or MissingSessionMetaError (no valid
 * `session_meta` in the head).
 */
export function readHeadSummary(path: string): HeadSummary {
  const bytes = openRolloutBytes(path);
  try {
    return summarize(bytes, path);
  } catch (err) {
    if (!(err instanceof MissingSessionMetaError)) throw err;
    const old = readGeneration2025Summary(path);
    if (!old) throw err;
    return headSummaryOf2025(old);
  } finally {
    bytes.close();
  }
}

function headSummaryOf2025(old: Generation2025Summary): HeadSummary {
  return {
    threadId: old.threadId,
    ...opt("createdAtMs", old.createdAtMs),
    cwd: old.cwd,
    historyMode: "legacy",
    generation: GENERATION_2025,
    ...opt("gitInfo", old.git ? gitInfoOf(old.git as Record<string, string | null>) : undefined),
    ...opt("preview", old.preview),
    ...opt("previewByteOffset", old.previewByteOffset),
    ...opt("firstUserMessage", old.firstUserMessage),
    needsLineagePreview: false,
    recordsRead: old.recordsRead,
  };
}

function summarize(bytes: RolloutBytes, path: string): HeadSummary {
  let meta: SessionMeta | undefined;
  let lineTimeMs: number | undefined;
  let preview: string | undefined;
  let previewByteOffset: number | undefined;
  let firstUserMessage: string | undefined;
  let records = 0;
  const end = bytes.compressed ? Number.POSITIVE_INFINITY : bytes.size();
  for (const raw of readLinesSync(bytes, 0, end, HEAD_CHUNK)) {
    if (isBlank(raw.bytes)) continue;
    records++;
    const sniffed = sniffLine(raw.bytes);
    const interesting =
      sniffed === undefined ||
      (sniffed.type === "session_meta" && meta === undefined) ||
      (sniffed.type === "event_msg" &&
        (sniffed.payloadType === "user_message" ||
          sniffed.payloadType === "thread_goal_updated" ||
          (sniffed.payloadType === "item_completed" && raw.bytes.includes('"UserMessage"'))));
    if (sniffed?.type === "response_item" && lineTimeMs === undefined) lineTimeMs = Date.parse(sniffed.timestamp);
    if (interesting) {
      const item = parseItem(raw.bytes);
      if (item?.type === "session_meta" && meta === undefined) {
        const parsed = SessionMeta.safeParse(item.payload);
        if (parsed.success) meta = parsed.data;
      } else if (item) {
        const message = userMessageOf(item);
        const text = message && userMessagePreview(message);
        if (text !== undefined) {
          firstUserMessage ??= text;
          if (preview === undefined) {
            preview = text;
            previewByteOffset = raw.byteOffset;
          }
        } else if (preview === undefined) {
          const goal = goalObjectiveOf(item);
          if (goal !== undefined) {
            preview = goal;
            previewByteOffset = raw.byteOffset;
          }
        }
      }
    }
    if (records >= HEAD_MAX_RECORDS) break;
    if (records >= HEAD_MIN_RECORDS && (meta === undefined || (preview !== undefined && firstUserMessage !== undefined))) break;
  }
  if (records === 0) throw new EmptyRolloutError(path);
  if (!meta) throw new MissingSessionMetaError(path);
  const created = Date.parse(meta.timestamp);
  return {
    threadId: meta.id,
    ...opt("createdAtMs", Number.isNaN(created) ? lineTimeMs : created),
    cwd: meta.cwd,
    ...opt("source", meta.source),
    ...opt("threadSource", meta.thread_source),
    ...opt("modelProvider", meta.model_provider),
    ...opt("cliVersion", meta.cli_version),
    ...opt("originator", meta.originator),
    ...opt("forkedFromId", meta.forked_from_id),
    ...opt("parentThreadId", meta.parent_thread_id),
    historyMode: meta.history_mode ?? "legacy",
    ...opt("historyBase", meta.history_base),
    ...opt("memoryMode", meta.memory_mode),
    ...opt("agentNickname", meta.agent_nickname),
    ...opt("agentRole", meta.agent_role),
    ...opt("agentPath", meta.agent_path),
    ...opt("gitInfo", meta.git ? gitInfoOf(meta.git) : undefined),
    ...opt("dynamicTools", meta.dynamic_tools),
    ...opt("preview", preview),
    ...opt("previewByteOffset", previewByteOffset),
    ...opt("firstUserMessage", firstUserMessage),
    needsLineagePreview: meta.history_mode === "paginated" && !!meta.history_base,
    recordsRead: records,
  };
}

/**
 * The preview Codex shows for a paginated fork: the first user message of its lineage. Walks
 * `history_base` links up (active, then archived files) and returns the oldest ancestor's
 * preview that lies before the fork point, else the summary's own preview. Missing or
 * unreadable ancestors end the walk quietly: a listing must not fail over a lost parent.
 */
export async function resolveLineagePreview(
  home: string,
  summary: Pick<HeadSummary, "threadId" | "preview" | "needsLineagePreview" | "historyBase">,
  maxDepth = 64,
): Promise<string | undefined> {
  let preview = summary.preview;
  let base = summary.needsLineagePreview ? summary.historyBase : undefined;
  const seen = new Set([summary.threadId]);
  while (base && !seen.has(base.thread_id) && seen.size <= maxDepth) {
    seen.add(base.thread_id);
    const found = await findRolloutPath(home, base.thread_id, { includeArchived: true });
    if (!found) break;
    let parent: HeadSummary;
    try {
      parent = readHeadSummary(found.path);
    } catch {
      break;
    }
    if (parent.preview !== undefined && (parent.previewByteOffset ?? 0) < base.end_byte_offset) preview = parent.preview;
    base = parent.needsLineagePreview ? parent.historyBase : undefined;
  }
  return preview;
}
