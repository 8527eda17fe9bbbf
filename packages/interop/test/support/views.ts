import { userMessageOf } from "@skein/protocol";
import { inputMessages, type AppServerClient, type AppServerThread } from "../../src/index.js";

/** What both sides must agree on about one thread. */
export interface ThreadView {
  readonly id: string;
  readonly name: string | undefined;
  readonly archived: boolean;
  readonly forkedFromId: string | undefined;
}

/** One message of a conversation, in order: what the user said and what the agent answered. */
export interface ConversationEntry {
  readonly role: "user" | "agent";
  readonly text: string;
}

/** Codex's own answers about a home, collected through `codex app-server`. */
export interface CodexTruth {
  /** Every thread (active and archived), by id, with the fork parent from `thread/read`. */
  readonly threads: ReadonlyMap<string, ThreadView>;
  /** Raw `thread/list` answers: active, then archived. */
  readonly listed: readonly AppServerThread[];
  readonly listedArchived: readonly AppServerThread[];
  /** `thread/read` with turns, by id. */
  readonly reads: ReadonlyMap<string, AppServerThread>;
}

/**
 * Asks Codex for a complete listing (every source kind, every provider; active and archived)
 * and reads every listed thread with its turns. `thread/list` says `forkedFromId: null` even
 * for forks, so the fork parent is taken from `thread/read`.
 */
export async function collectCodexTruth(app: AppServerClient): Promise<CodexTruth> {
  const listed = await app.listThreads();
  const listedArchived = await app.listThreads({ archived: true });
  const threads = new Map<string, ThreadView>();
  const reads = new Map<string, AppServerThread>();
  for (const [thread, archived] of [
    ...listed.map((t) => [t, false] as const),
    ...listedArchived.map((t) => [t, true] as const),
  ]) {
    const read = await app.readThread(thread.id, true);
    reads.set(thread.id, read);
    threads.set(thread.id, {
      id: thread.id,
      name: thread.name ?? undefined,
      archived,
      forkedFromId: read.forkedFromId ?? undefined,
    });
  }
  return { threads, listed, listedArchived, reads };
}

/** The user/agent messages of a `thread/read` answer, across all turns. */
export function codexConversation(thread: AppServerThread): ConversationEntry[] {
  const out: ConversationEntry[] = [];
  for (const turn of thread.turns) {
    for (const item of turn.items) {
      if (item.type === "userMessage") {
        const content = Array.isArray(item["content"]) ? (item["content"] as Array<{ type?: string; text?: string }>) : [];
        out.push({ role: "user", text: content.filter((c) => c.type === "text").map((c) => c.text ?? "").join("\n") });
      } else if (item.type === "agentMessage") {
        out.push({ role: "agent", text: String(item["text"] ?? "") });
      }
    }
  }
  return out;
}

/**
 * The user/agent messages of rollout lines, read the way Codex projects them: from the
 * `event_msg` forms (`user_message`/`agent_message` in legacy files, `item_completed` in
 * paginated ones), not from the model-facing `response_item`s.
 */
export function rolloutConversation(lines: ReadonlyArray<{ type: string; payload?: unknown }>): ConversationEntry[] {
  const out: ConversationEntry[] = [];
  for (const line of lines) {
    if (line.type !== "event_msg") continue;
    const user = userMessageOf(line as Parameters<typeof userMessageOf>[0]);
    if (user) {
      out.push({ role: "user", text: user.text });
      continue;
    }
    const payload = line.payload as Record<string, unknown>;
    if (payload["type"] === "agent_message" && typeof payload["message"] === "string") {
      out.push({ role: "agent", text: payload["message"] });
    } else if (payload["type"] === "item_completed") {
      const item = payload["item"] as { type?: string; content?: Array<{ text?: string }> } | undefined;
      if (item?.type === "AgentMessage") out.push({ role: "agent", text: (item.content ?? []).map((c) => c.text ?? "").join("") });
    }
  }
  return out;
}

/** Sorts views by id so that two listings compare regardless of order. */
export function byId<T extends { id: string }>(views: Iterable<T>): T[] {
  return [...views].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The user/assistant texts of a model request's input as `role: text`, without the context
 * messages Codex injects (`<environment_context>`, `<permissions …>`: they start with `<`).
 */
export function requestConversation(body: unknown): string[] {
  return inputMessages(body)
    .filter((m) => (m.role === "user" || m.role === "assistant") && !m.text.startsWith("<"))
    .map((m) => `${m.role}: ${m.text}`);
}
