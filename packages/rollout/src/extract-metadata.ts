import { closeSync, fstatSync, openSync } from "node:fs";
import { basename } from "node:path";
import {
  SessionMeta,
  goalObjectiveOf,
  userMessageOf,
  userMessagePreview,
  type GitInfo,
  type HistoryBase,
  type HistoryMode,
  type MemoryMode,
  type SessionSource,
} from "@skein/protocol";
import { RolloutNotFoundError } from "./errors.js";
import { isBlank, readLinesSync, sniffLine, type RawLine } from "./internal/line-splitter.js";
import { gitInfoOf, opt, parseItem } from "./internal/record-helpers.js";
import { resolveLineagePreview } from "./head-summary.js";
import { parseRolloutFileName } from "./layout.js";

// Behaviour: codex-storage-spec.md §5.6 (apply_rollout_item, extract_metadata_from_rollout).

/** Everything an index row needs, derived from one rollout file. */
export interface ExtractedThreadMetadata {
  threadId: string;
  rolloutPath: string;
  archived: boolean;
  createdAtMs: number;
  /** File mtime (ms): Codex's `updated_at` and `recency_at` after a reindex. */
  updatedAtMs: number;
  cwd: string;
  source: SessionSource;
  threadSource?: string;
  modelProvider: string;
  model?: string;
  reasoningEffort?: string;
  /** Default `on-request`, as Codex builds a row before any `turn_context`. */
  approvalMode: string;
  /** The last `turn_context`'s permission profile (else its sandbox policy). */
  permissionProfile?: unknown;
  cliVersion: string;
  originator?: string;
  /** The first user message's text (Codex's derived title); image-only messages never set it. */
  title?: string;
  preview?: string;
  firstUserMessage?: string;
  tokensUsed?: number;
  gitInfo?: GitInfo;
  forkedFromId?: string;
  parentThreadId?: string;
  historyBase?: HistoryBase;
  /** The last `session_meta`'s memory mode; absent when none set it (Codex then uses `enabled`). */
  memoryMode?: MemoryMode;
  historyMode: HistoryMode;
  agentNickname?: string;
  agentRole?: string;
  agentPath?: string;
  /**
   * True for a paginated fork: Codex's preview is then the lineage's first user message, which
   * the async {@link extractThreadMetadata} resolves when given `home`; otherwise `preview` is the
   * fork's own.
   */
  needsLineagePreview: boolean;
  /** True when the file has a valid `session_meta` (Codex lists only such files). */
  hasSessionMeta: boolean;
  /** Lines that were not JSON (metadata-irrelevant kinds are never parsed, so never counted). */
  parseErrors: number;
  /** Bytes after the last `\n` (not read into the metadata). */
  tornTail?: { byteOffset: number; length: number };
  /** Offset just past the last complete line: where an incremental pass resumes. */
  bytesRead: number;
  /** File size when extracted. */
  size: number;
}

/** Options of {@link extractThreadMetadata}. */
export interface ExtractThreadMetadataOptions {
  /** Provider for files that name none (Codex's configured default). */
  defaultProvider: string;
  /** Whether the file is archived (default: inferred from its folder name). */
  archived?: boolean;
  /** The Codex home: lets the async forms resolve a fork's lineage preview through its parents. */
  home?: string;
}

/**
 * Derives a thread's index row from its rollout, as Codex's backfill does. Fast path for
 * reindexing thousands of files: the buffer is split on `\n` by hand, each line's kind read from
 * its first bytes, and only `session_meta`, `turn_context`, user-message, goal and the last
 * `token_count` lines are parsed; only the first `session_meta` is zod-validated.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export function extractThreadMetadataSync(path: string, options: ExtractThreadMetadataOptions): ExtractedThreadMetadata {
  return extractThreadMetadataIncrementalSync(path, 0, undefined, options);
}

/**
 * Async form of {@link extractThreadMetadataSync}. With `options.home`, a paginated fork's
 * preview becomes its lineage's first user message, as Codex shows it (parents' heads only).
 */
export async function extractThreadMetadata(path: string, options: ExtractThreadMetadataOptions): Promise<ExtractedThreadMetadata> {
  return withLineagePreview(extractThreadMetadataSync(path, options), options.home);
}

/**
 * Continues an extraction over bytes appended since `previous` was taken (from
 * `previous.bytesRead`). Falls back to a full pass when the file shrank or `previous` is absent.
 */
export function extractThreadMetadataIncrementalSync(
  path: string,
  fromByteOffset: number,
  previous: ExtractedThreadMetadata | undefined,
  options: ExtractThreadMetadataOptions,
): ExtractedThreadMetadata {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new RolloutNotFoundError(path, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    const resume = previous !== undefined && fromByteOffset <= st.size && fromByteOffset > 0;
    const state = resume ? fromPrevious(previous, path) : initialState(path, options);
    const start = resume ? fromByteOffset : 0;
    const fold = new MetadataFold(state, options.defaultProvider);
    for (const raw of readLinesSync(fd, start, st.size)) fold.line(raw);
    return fold.finish(Math.trunc(st.mtimeMs), st.size, options.archived ?? isArchivedByFolder(path));
  } finally {
    closeSync(fd);
  }
}

/** Async form of {@link extractThreadMetadataIncrementalSync}. */
export async function extractThreadMetadataIncremental(
  path: string,
  fromByteOffset: number,
  previous: ExtractedThreadMetadata | undefined,
  options: ExtractThreadMetadataOptions,
): Promise<ExtractedThreadMetadata> {
  return withLineagePreview(extractThreadMetadataIncrementalSync(path, fromByteOffset, previous, options), options.home);
}

async function withLineagePreview(meta: ExtractedThreadMetadata, home: string | undefined): Promise<ExtractedThreadMetadata> {
  if (home === undefined || !meta.needsLineagePreview || !meta.historyBase) return meta;
  const preview = await resolveLineagePreview(home, {
    threadId: meta.threadId,
    needsLineagePreview: true,
    historyBase: meta.historyBase,
    ...opt("preview", meta.preview),
  });
  return { ...meta, ...opt("preview", preview), needsLineagePreview: false };
}

type State = Omit<ExtractedThreadMetadata, "updatedAtMs" | "size" | "archived">;

function initialState(path: string, options: ExtractThreadMetadataOptions): State {
  const parsed = parseRolloutFileName(path);
  return {
    threadId: parsed?.threadId ?? "",
    rolloutPath: path,
    createdAtMs: parsed?.timestampMs ?? 0,
    cwd: "",
    source: "unknown",
    modelProvider: options.defaultProvider,
    approvalMode: "on-request",
    cliVersion: "",
    historyMode: "legacy",
    parseErrors: 0,
    bytesRead: 0,
    hasSessionMeta: false,
    needsLineagePreview: false,
  };
}

function fromPrevious(previous: ExtractedThreadMetadata, path: string): State {
  const { updatedAtMs: _u, size: _s, archived: _a, tornTail: _t, ...rest } = previous;
  return { ...rest, rolloutPath: path };
}

function isArchivedByFolder(path: string): boolean {
  return basename(path.slice(0, path.length - basename(path).length - 1)) === "archived_sessions";
}

class MetadataFold {
  readonly #s: State;
  readonly #defaultProvider: string;
  #lastTokenCount: Buffer | undefined;
  #lastTurnContext: Buffer | undefined;
  #tornTail: { byteOffset: number; length: number } | undefined;

  constructor(state: State, defaultProvider: string) {
    this.#s = state;
    this.#defaultProvider = defaultProvider;
  }

  line(raw: RawLine): void {
    if (!raw.terminated) {
      this.#tornTail = { byteOffset: raw.byteOffset, length: raw.byteLength };
      return;
    }
    this.#s.bytesRead = raw.byteOffset + raw.byteLength;
    if (isBlank(raw.bytes)) return;
    const sniffed = sniffLine(raw.bytes);
    if (sniffed === undefined) return this.#parsed(raw.bytes);
    switch (sniffed.type) {
      case "session_meta":
        return this.#parsed(raw.bytes);
      case "turn_context":
        // cwd comes from the first turn_context only when the meta had none; the rest is last-wins.
        if (this.#s.cwd === "") this.#parsed(raw.bytes);
        this.#lastTurnContext = raw.bytes;
        return;
      case "event_msg":
        switch (sniffed.payloadType) {
          case "token_count":
            // Only the last token_count with `info` counts: keep its bytes, parse once at the end.
            if (raw.bytes.includes('"info":{')) this.#lastTokenCount = raw.bytes;
            return;
          case "user_message":
          case "thread_goal_updated":
            if (this.#wantsUserFacts()) this.#parsed(raw.bytes);
            return;
          case "item_completed":
            if (this.#wantsUserFacts() && raw.bytes.includes('"UserMessage"')) this.#parsed(raw.bytes);
            return;
          case undefined:
            return this.#parsed(raw.bytes);
          default:
            return;
        }
      default:
        // response_item, world_state, compacted, token_usage_record, ...: no metadata.
        return;
    }
  }

  #wantsUserFacts(): boolean {
    return this.#s.preview === undefined || this.#s.firstUserMessage === undefined || this.#s.title === undefined;
  }

  #parsed(bytes: Buffer): void {
    const item = parseItem(bytes);
    if (!item) {
      this.#s.parseErrors++;
      return;
    }
    const s = this.#s;
    const payload = item.payload as Record<string, unknown> | null;
    if (typeof payload !== "object" || payload === null) return;
    if (item.type === "session_meta") return this.#sessionMeta(payload);
    if (item.type === "turn_context") return this.#turnContext(payload, true);
    if (item.type !== "event_msg") return;
    if (payload["type"] === "token_count") return this.#tokenCount(payload);
    const message = userMessageOf(item);
    if (message) {
      const text = userMessagePreview(message);
      if (text !== undefined) {
        s.firstUserMessage ??= text;
        s.preview ??= text;
      }
      if (s.title === undefined && message.text.length > 0) s.title = message.text;
      return;
    }
    const goal = goalObjectiveOf(item);
    if (goal !== undefined) s.preview ??= goal;
  }

  #sessionMeta(payload: Record<string, unknown>): void {
    const s = this.#s;
    if (!s.hasSessionMeta) {
      const parsed = SessionMeta.safeParse(payload);
      if (!parsed.success) {
        s.parseErrors++;
        return;
      }
      const meta = parsed.data;
      s.hasSessionMeta = true;
      s.threadId = meta.id;
      const created = Date.parse(meta.timestamp);
      if (!Number.isNaN(created)) s.createdAtMs = created;
      Object.assign(s, opt("originator", meta.originator), opt("forkedFromId", meta.forked_from_id));
      Object.assign(s, opt("parentThreadId", meta.parent_thread_id), opt("historyBase", meta.history_base));
      if (meta.history_mode) s.historyMode = meta.history_mode;
      s.needsLineagePreview = meta.history_mode === "paginated" && !!meta.history_base;
    } else if (payload["id"] !== s.threadId) {
      // A legacy fork embeds its source thread's meta: not this thread's facts.
      return;
    }
    if (payload["source"] !== undefined && payload["source"] !== null) s.source = payload["source"] as SessionSource;
    for (const [key, field] of [
      ["thread_source", "threadSource"],
      ["agent_nickname", "agentNickname"],
      ["agent_role", "agentRole"],
      ["agent_path", "agentPath"],
    ] as const) {
      const value = payload[key];
      if (typeof value === "string") s[field] = value;
    }
    if (typeof payload["model_provider"] === "string" && payload["model_provider"]) s.modelProvider = payload["model_provider"];
    if (typeof payload["cli_version"] === "string" && payload["cli_version"]) s.cliVersion = payload["cli_version"];
    if (typeof payload["cwd"] === "string" && payload["cwd"]) s.cwd = payload["cwd"];
    if (payload["history_mode"] === "paginated") s.historyMode = "paginated";
    if ("git" in payload) {
      const git = payload["git"];
      const info = git && typeof git === "object" ? gitInfoOf(git as Record<string, string | null>) : {};
      if (Object.keys(info).length > 0) s.gitInfo = info;
      else delete s.gitInfo;
    }
    const memory = payload["memory_mode"];
    if (memory === "enabled" || memory === "disabled" || memory === "polluted") s.memoryMode = memory;
  }

  #turnContext(payload: Record<string, unknown>, cwdOnly: boolean): void {
    const s = this.#s;
    if (s.cwd === "" && typeof payload["cwd"] === "string") s.cwd = payload["cwd"];
    if (cwdOnly) return;
    setOrDelete(s, "model", payload["model"]);
    setOrDelete(s, "reasoningEffort", payload["effort"]);
    if (typeof payload["approval_policy"] === "string") s.approvalMode = payload["approval_policy"];
    const profile = payload["permission_profile"] ?? payload["sandbox_policy"];
    if (profile !== undefined && profile !== null) s.permissionProfile = profile;
  }

  #tokenCount(payload: Record<string, unknown>): void {
    const info = payload["info"] as { total_token_usage?: { total_tokens?: unknown } } | null | undefined;
    const total = info?.total_token_usage?.total_tokens;
    if (typeof total === "number") this.#s.tokensUsed = Math.max(total, 0);
  }

  finish(mtimeMs: number, size: number, archived: boolean): ExtractedThreadMetadata {
    const s = this.#s;
    if (this.#lastTurnContext) {
      const item = parseItem(this.#lastTurnContext);
      if (item && typeof item.payload === "object" && item.payload !== null) {
        this.#turnContext(item.payload as Record<string, unknown>, false);
      } else s.parseErrors++;
    }
    if (this.#lastTokenCount) this.#parsed(this.#lastTokenCount);
    if (s.modelProvider === "") s.modelProvider = this.#defaultProvider;
    return { ...s, archived, updatedAtMs: mtimeMs, size, ...opt("tornTail", this.#tornTail) };
  }
}

function setOrDelete<K extends "model" | "reasoningEffort">(s: State, key: K, value: unknown): void {
  if (typeof value === "string") s[key] = value;
  else delete s[key];
}
