import { basename } from "node:path";
import {
  goalObjectiveOf,
  userMessageOf,
  userMessagePreview,
  type GitInfo,
  type HistoryBase,
  type HistoryMode,
  type MemoryMode,
  type SessionSource,
} from "@skein/protocol";
import { openRolloutBytes, type RolloutBytes } from "./internal/rollout-bytes.js";
import { CHUNK_SIZE } from "./internal/line-splitter.js";
import { envelopeOrdinal, isBlankRange, looksWhole, parseRange, parseSessionMetaRange, rangeIncludes, sniffLineKind, type LineKind } from "./internal/metadata-line.js";
import { MessageCollector, type ExtractedMessage, type MessageCursor } from "./internal/message-collector.js";
import { gitInfoOf, opt } from "./internal/record-helpers.js";
import { sessionMetaFacts } from "./internal/session-meta-facts.js";
import { resolveLineagePreview } from "./head-summary.js";
import { parseRolloutFileName } from "./layout.js";
import { GENERATION_2025, readGeneration2025Summary, type Generation2025Summary } from "./generation-2025.js";

// Behaviour: docs/state-index.md, "Deriving a summary from a rollout" (Codex `apply_rollout_item`).

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
  /** Set for a rollout of an older, read-only generation (`"2025"`); absent for current files. */
  generation?: typeof GENERATION_2025;
  /** File size on disk when extracted (of the `.jsonl.zst` itself for a compressed rollout). */
  size: number;
  /**
   * With `collectMessages`: the searchable items read by this pass (docs/search.md), and where
   * the pass stopped. `messagesResumed` is true when the pass continued a previous one (the
   * messages follow the previous pass's), false when it read the file from the start.
   */
  messages?: ExtractedMessage[];
  messageCursor?: MessageCursor;
  messagesResumed?: boolean;
}

/** Options of {@link extractThreadMetadata}. */
export interface ExtractThreadMetadataOptions {
  /** Provider for files that name none (Codex's configured default). */
  defaultProvider: string;
  /** Whether the file is archived (default: inferred from its folder name). */
  archived?: boolean;
  /** The Codex home: lets the async forms resolve a fork's lineage preview through its parents. */
  home?: string;
  /**
   * Also collect the searchable items (user/assistant messages, tool calls and outputs) with
   * their positions and turns, for the content-search index. An incremental pass continues
   * from `previous.messageCursor` (without one it reads the file from the start).
   */
  collectMessages?: boolean;
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
 * `previous.bytesRead`). Falls back to a full pass when `previous` is absent, the file shrank, or
 * the byte before `fromByteOffset` is not a `\n` (the file was rewritten).
 */
export function extractThreadMetadataIncrementalSync(
  path: string,
  fromByteOffset: number,
  previous: ExtractedThreadMetadata | undefined,
  options: ExtractThreadMetadataOptions,
): ExtractedThreadMetadata {
  const bytes = openRolloutBytes(path);
  try {
    const st = bytes.stat;
    // Resume only where a line ended: a file that shrank or was rewritten is read again in full.
    // A compressed file is never appended to in place (appends restore the plain form first).
    const resumable = previous !== undefined && (!options.collectMessages || previous.messageCursor !== undefined);
    const resume =
      !bytes.compressed && resumable && fromByteOffset <= st.size && fromByteOffset > 0 && endsLineAt(bytes, fromByteOffset);
    const state = resume ? fromPrevious(previous!, path) : initialState(path, options);
    const start = resume ? fromByteOffset : 0;
    const collector = options.collectMessages ? new MessageCollector(resume ? previous!.messageCursor : undefined) : undefined;
    const fold = new MetadataFold(state, options.defaultProvider, collector);
    foldLines(bytes, start, bytes.compressed ? Number.POSITIVE_INFINITY : st.size, fold);
    const archived = options.archived ?? isArchivedByFolder(path);
    const extracted = fold.finish(Math.trunc(st.mtimeMs), st.size, archived);
    const withMessages = collector
      ? { ...extracted, messages: collector.messages, messageCursor: collector.cursor(), messagesResumed: resume }
      : extracted;
    if (extracted.hasSessionMeta || start > 0) return withMessages;
    const old = readGeneration2025Summary(path);
    return old ? metadataOf2025(old, withMessages) : withMessages;
  } finally {
    bytes.close();
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

/** A 2025-generation rollout's row: the header's id and time, the first real user message. */
function metadataOf2025(old: Generation2025Summary, extracted: ExtractedThreadMetadata): ExtractedThreadMetadata {
  const { tornTail, ...rest } = extracted;
  return {
    ...rest,
    threadId: old.threadId,
    createdAtMs: old.createdAtMs ?? extracted.createdAtMs,
    cwd: old.cwd,
    ...opt("title", old.title),
    ...opt("preview", old.preview),
    ...opt("firstUserMessage", old.firstUserMessage),
    ...opt("gitInfo", old.git ? gitInfoOf(old.git as Record<string, string | null>) : undefined),
    generation: GENERATION_2025,
    hasSessionMeta: true,
    parseErrors: old.parseErrors,
    ...opt("tornTail", tornTail),
  };
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

type State = Omit<ExtractedThreadMetadata, "updatedAtMs" | "size" | "archived" | "messages" | "messageCursor" | "messagesResumed">;

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
  const { updatedAtMs: _u, size: _s, archived: _a, tornTail: _t, messages: _m, messageCursor: _c, messagesResumed: _r, ...rest } = previous;
  return { ...rest, rolloutPath: path };
}

function isArchivedByFolder(path: string): boolean {
  return basename(path.slice(0, path.length - basename(path).length - 1)) === "archived_sessions";
}

const NL = 0x0a;

/** True when the byte just before `offset` is a `\n`. */
function endsLineAt(bytes: RolloutBytes, offset: number): boolean {
  const one = Buffer.alloc(1);
  return bytes.readSync(one, 0, 1, offset - 1) === 1 && one[0] === NL;
}

/** One read buffer per thread, reused by every extraction: a fresh buffer per file costs more in GC than the parse. */
let scratch: Buffer | undefined;

/**
 * Feeds the lines of `[start, end)` of an open file to `fold`, each as a range of the buffer it
 * was read into (no per-line copy). The buffer is reused for the next chunk, so before that
 * read, `fold` copies out the lines it keeps and a line that spans chunks is copied into pieces
 * (joined once it ends).
 */
function foldLines(bytes: RolloutBytes, start: number, end: number, fold: MetadataFold): void {
  const chunk = (scratch ??= Buffer.allocUnsafe(CHUNK_SIZE));
  let pos = start;
  let pieces: Buffer[] = [];
  let piecesOffset = start;
  while (pos < end) {
    const n = bytes.readSync(chunk, 0, Math.min(chunk.length, end - pos), pos);
    if (n === 0) break;
    const base = pos;
    pos += n;
    let from = 0;
    let at = chunk.indexOf(NL, 0);
    if (pieces.length > 0) {
      if (at === -1 || at >= n) {
        pieces.push(Buffer.from(chunk.subarray(0, n)));
        continue;
      }
      const joined = Buffer.concat([...pieces, chunk.subarray(0, at)]);
      fold.line(joined, 0, joined.length, piecesOffset);
      pieces = [];
      from = at + 1;
      at = chunk.indexOf(NL, from);
    }
    for (; at !== -1 && at < n; at = chunk.indexOf(NL, from)) {
      fold.line(chunk, from, at, base + from);
      from = at + 1;
    }
    if (from < n) {
      pieces.push(Buffer.from(chunk.subarray(from, n)));
      piecesOffset = base + from;
    }
    if (pos < end) fold.detach();
  }
  if (pieces.length > 0) fold.tornTail(piecesOffset, pieces.reduce((sum, p) => sum + p.length, 0));
}

const INFO_OBJECT = Buffer.from('"info":{');
const USER_MESSAGE_ITEM = Buffer.from('"UserMessage"');

/** A line kept for later: a view of the read buffer until {@link MetadataFold.detach} copies it. */
type Kept = Buffer;

class MetadataFold {
  readonly #s: State;
  readonly #defaultProvider: string;
  #lastTokenCount: Kept | undefined;
  #lastTurnContext: Kept | undefined;
  #ownsTokenCount = false;
  #ownsTurnContext = false;
  #tornTail: { byteOffset: number; length: number } | undefined;

  readonly #collector: MessageCollector | undefined;

  constructor(state: State, defaultProvider: string, collector: MessageCollector | undefined) {
    this.#s = state;
    this.#defaultProvider = defaultProvider;
    this.#collector = collector;
  }

  /** One complete line: `buf[start, end)` (without its `\n`), at file offset `offset`. */
  line(buf: Buffer, start: number, end: number, offset: number): void {
    this.#s.bytesRead = offset + (end - start) + 1;
    if (isBlankRange(buf, start, end)) return;
    const kind = sniffLineKind(buf, start, end);
    if (this.#collector) collectItem(this.#collector, kind, buf, start, end);
    switch (kind) {
      case "parse":
        return this.#parsed(buf, start, end);
      case "session_meta":
        return this.#parsed(buf, start, end, true);
      case "turn_context":
        // cwd comes from the first turn_context only when the meta had none; the rest is last-wins.
        if (this.#s.cwd === "") this.#parsed(buf, start, end);
        this.#lastTurnContext = buf.subarray(start, end);
        this.#ownsTurnContext = false;
        return;
      case "token_count":
        // Only the last token_count with `info` counts: keep its bytes, parse once at the end.
        if (rangeIncludes(buf, start, end, INFO_OBJECT)) {
          this.#lastTokenCount = buf.subarray(start, end);
          this.#ownsTokenCount = false;
        }
        return;
      case "user_message":
      case "thread_goal_updated":
        if (this.#wantsUserFacts()) this.#parsed(buf, start, end);
        return;
      case "item_completed":
        if (this.#wantsUserFacts() && rangeIncludes(buf, start, end, USER_MESSAGE_ITEM)) this.#parsed(buf, start, end);
        return;
      case "agent_message":
      case "turn_start":
      case "turn_end":
      case "tool":
      case "other":
        // response_item, world_state, compacted, token_usage_record, other events: no metadata.
        return;
    }
  }

  /** Copies the kept lines out of the read buffer, which is about to be overwritten. */
  detach(): void {
    if (this.#lastTurnContext && !this.#ownsTurnContext) {
      this.#lastTurnContext = Buffer.from(this.#lastTurnContext);
      this.#ownsTurnContext = true;
    }
    if (this.#lastTokenCount && !this.#ownsTokenCount) {
      this.#lastTokenCount = Buffer.from(this.#lastTokenCount);
      this.#ownsTokenCount = true;
    }
  }

  /** Bytes after the last `\n`: not read into the metadata. */
  tornTail(byteOffset: number, length: number): void {
    this.#tornTail = { byteOffset, length };
  }

  #wantsUserFacts(): boolean {
    return this.#s.preview === undefined || this.#s.firstUserMessage === undefined || this.#s.title === undefined;
  }

  #parsed(buf: Buffer, start: number, end: number, sessionMeta = false): void {
    const item = sessionMeta ? parseSessionMetaRange(buf, start, end) : parseRange(buf, start, end);
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
      const meta = sessionMetaFacts(payload);
      if (!meta) {
        s.parseErrors++;
        return;
      }
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
      const item = parseRange(this.#lastTurnContext, 0, this.#lastTurnContext.length);
      if (item && typeof item.payload === "object" && item.payload !== null) {
        this.#turnContext(item.payload as Record<string, unknown>, false);
      } else s.parseErrors++;
    }
    if (this.#lastTokenCount) this.#parsed(this.#lastTokenCount, 0, this.#lastTokenCount.length);
    if (s.modelProvider === "") s.modelProvider = this.#defaultProvider;
    return { ...s, archived, updatedAtMs: mtimeMs, size, ...opt("tornTail", this.#tornTail) };
  }
}

/** Feeds one non-blank line to the message collector: parsed when its kind carries text or turns. */
function collectItem(collector: MessageCollector, kind: LineKind, buf: Buffer, start: number, end: number): void {
  if (collector.atStart) {
    const ordinal = envelopeOrdinal(buf, start, end);
    if (ordinal !== undefined) collector.setBase(ordinal);
  }
  // A line the collector does not read is an item unless it looks damaged; then it is parsed,
  // as every line the collector reads is (a line that does not parse takes no position).
  const reads = MessageCollector.reads(kind);
  if (!reads && looksWhole(buf, start, end)) return collector.item(undefined);
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8", start, end));
  } catch {
    return; // not an item: takes no position
  }
  if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string") return;
  collector.item(reads ? (value as Record<string, unknown>) : undefined);
}

function setOrDelete<K extends "model" | "reasoningEffort">(s: State, key: K, value: unknown): void {
  if (typeof value === "string") s[key] = value;
  else delete s[key];
}
