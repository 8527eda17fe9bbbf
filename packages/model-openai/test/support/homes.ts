import { readFileSync } from "node:fs";
import { ThreadManager, type ThreadSession, type ToolHandlers } from "@skein/core-session";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { LocalThreadStore } from "@skein/thread-store";

export const LOOKUP_TOOL = {
  name: "lookup",
  description: "Look up a value by key",
  inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] },
};

/** A fresh Codex-style home with a LocalThreadStore and a ThreadManager over it. */
export interface Home {
  readonly dir: TempDir;
  readonly store: LocalThreadStore;
  readonly manager: ThreadManager;
  /** Starts a thread with the lookup tool and these handlers. */
  start(toolHandlers?: ToolHandlers): Promise<ThreadSession>;
  /** The thread's rollout lines, parsed, after flushing. */
  lines(session: ThreadSession): Promise<Array<{ type: string; payload: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function openHome(): Promise<Home> {
  const dir = makeTempDir("skein-model-openai-");
  const store = await LocalThreadStore.open({ home: dir.path });
  const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", model: "test-model", cwd: "/work", baseInstructions: "be brief" } });
  return {
    dir,
    store,
    manager,
    start: (toolHandlers) => manager.startThread({ dynamicTools: [LOOKUP_TOOL], ...(toolHandlers && { toolHandlers }) }),
    async lines(session) {
      await session.flush();
      const record = await store.readThread({ threadId: session.threadId });
      return readFileSync(record.rolloutPath!, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; payload: Record<string, unknown> });
    },
    async close() {
      await manager.shutdownAll();
      await store.close();
      dir.cleanup();
    },
  };
}

/** Rollout lines without the thread's identity (session_meta) and with times zeroed: what two equal turns share. */
export function comparable(lines: ReadonlyArray<{ type: string; payload: Record<string, unknown> }>): unknown[] {
  return lines
    .filter((line) => line.type !== "session_meta")
    // Times, and the ids of two different threads (token_usage_record names its thread), differ.
    .map((line) => JSON.parse(JSON.stringify({ type: line.type, payload: line.payload }, (key, value) => (/(_at|_at_ms|^duration_ms|^thread_id|^session_id)$/.test(key) ? 0 : value))));
}

/** `type` or `type:payload.type` of each line after session_meta. */
export function shapes(lines: ReadonlyArray<{ type: string; payload: Record<string, unknown> }>): string[] {
  return lines.filter((l) => l.type !== "session_meta").map((l) => (l.type === "turn_context" ? l.type : `${l.type}:${String(l.payload["type"])}`));
}
