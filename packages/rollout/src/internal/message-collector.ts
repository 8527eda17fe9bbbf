import { searchableMessageOf, type SearchableRole } from "@skein/protocol";
import type { LineKind } from "./metadata-line.js";

// The content-search side of the metadata fold (docs/search.md): numbers the items of a file,
// follows its turns, and keeps the searchable text of each item, in the same single pass.

/** One searchable item of a rollout (the shape `@skein/state` indexes). */
export interface ExtractedMessage {
  /**
   * 0-based position in the thread's full history (the numbering of `listItems`): the item's
   * position among the file's items (non-blank lines that parse), plus, for a paginated fork,
   * the items it inherits (its first line's `ordinal`).
   */
  position: number;
  /** The turn open at the item (`task_started`/`turn_started` … end), if any. */
  turnId?: string;
  role: SearchableRole;
  /** Epoch ms of the line's `timestamp`. */
  atMs?: number;
  text: string;
}

/** Where a message pass stopped: what a later pass over appended bytes continues from. */
export interface MessageCursor {
  /** The full-history position of the next item (items of the file so far, plus a paginated fork's inherited ones). */
  itemCount: number;
  /** The turn open at the end, if any. */
  openTurnId?: string;
}

/** Kinds of lines whose JSON the collector reads. */
const READ_KINDS: ReadonlySet<LineKind> = new Set(["user_message", "agent_message", "item_completed", "turn_start", "turn_end", "tool", "parse"]);

/** Collects the searchable messages of the lines fed to it, in order. */
export class MessageCollector {
  readonly messages: ExtractedMessage[] = [];
  #next: number;
  #atStart: boolean;
  #openTurnId: string | undefined;

  constructor(from: MessageCursor | undefined) {
    this.#next = from?.itemCount ?? 0;
    this.#atStart = from === undefined;
    this.#openTurnId = from?.openTurnId;
  }

  /** True before the file's first item: its `ordinal` (if any) is the file's base. */
  get atStart(): boolean {
    return this.#atStart;
  }

  /** Sets the full-history position of the file's first item (from its `ordinal`). */
  setBase(ordinal: number): void {
    if (Number.isSafeInteger(ordinal) && ordinal >= 0) this.#next = ordinal;
  }

  /** True when a line of this kind must be parsed for the collector. */
  static reads(kind: LineKind): boolean {
    return READ_KINDS.has(kind);
  }

  /**
   * One item (a non-blank line that parses), with its parsed JSON when the kind is one
   * {@link reads} (else undefined: the item only takes a position).
   */
  item(value: Record<string, unknown> | undefined): void {
    this.#atStart = false;
    const position = this.#next++;
    if (value === undefined) return;
    const type = value["type"];
    const payload = value["payload"] as Record<string, unknown> | null | undefined;
    if (type === "message" && payload === undefined) return this.#bareMessage(position, value);
    if (typeof type !== "string" || typeof payload !== "object" || payload === null) return;
    if (type === "event_msg") {
      const kind = payload["type"];
      if (kind === "task_started" || kind === "turn_started") {
        this.#openTurnId = turnIdOf(payload) ?? `turn-${position}`;
        return;
      }
      if (kind === "task_complete" || kind === "turn_complete" || kind === "turn_aborted") {
        const id = turnIdOf(payload);
        if (id === undefined || id === this.#openTurnId) this.#openTurnId = undefined;
        return;
      }
    }
    const message = searchableMessageOf({ type, payload } as Parameters<typeof searchableMessageOf>[0]);
    if (!message) return;
    const atMs = typeof value["timestamp"] === "string" ? Date.parse(value["timestamp"]) : Number.NaN;
    this.messages.push({
      position,
      ...(this.#openTurnId !== undefined ? { turnId: this.#openTurnId } : {}),
      role: message.role,
      ...(Number.isNaN(atMs) ? {} : { atMs }),
      text: message.text,
    });
  }

  /**
   * A bare response-item message of the 2025 generation (no envelope, no events): its user and
   * assistant texts are the only record of the conversation. Context blocks (`<environment_context>`
   * and the like) are not the user's words.
   */
  #bareMessage(position: number, value: Record<string, unknown>): void {
    const role = value["role"];
    if (role !== "user" && role !== "assistant") return;
    const parts: string[] = [];
    for (const c of Array.isArray(value["content"]) ? value["content"] : []) {
      const text = (c as { text?: unknown } | null)?.text;
      if (typeof text === "string") parts.push(text);
    }
    const text = parts.join("\n").trim();
    if (text === "" || (role === "user" && /^<[a-z_]+>/.test(text))) return;
    this.messages.push({ position, role, text });
  }

  /** Where the pass stands now. */
  cursor(): MessageCursor {
    return {
      itemCount: this.#next,
      ...(this.#openTurnId !== undefined ? { openTurnId: this.#openTurnId } : {}),
    };
  }
}

function turnIdOf(payload: Record<string, unknown>): string | undefined {
  if (typeof payload["turn_id"] === "string" && payload["turn_id"]) return payload["turn_id"];
  const attributed = (payload["turn_attribution"] as { turn_id?: unknown } | undefined)?.turn_id;
  return typeof attributed === "string" && attributed ? attributed : undefined;
}
