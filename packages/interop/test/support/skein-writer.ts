import { ScriptedModel, ThreadManager } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";
import { LOOKUP_TOOL } from "./codex-home-scenario.js";

/** What Skein's tool handler answers, so tests can find it in Codex's requests. */
export const SKEIN_LOOKUP_RESULT = "skein lookup result: 42";

/** A ThreadManager over a Codex home, with the scripted model and the lookup tool's handler. */
export interface SkeinSide extends AsyncDisposable {
  readonly manager: ThreadManager;
  /** Starts a legacy-history thread with the dynamic tool and runs one turn per prompt. */
  startThread(prompts: readonly string[]): Promise<string>;
  /** Resumes a stored thread (Skein's or Codex's) and runs one turn per prompt. */
  runTurns(threadId: string, prompts: readonly string[]): Promise<void>;
}

/**
 * Opens Skein over `home` the way an application would: LocalThreadStore (with its index)
 * under a ThreadManager whose threads record `provider`. Every turn is answered by a
 * `ScriptedModel`; `[[tool:mock_lookup]]` in a prompt makes it call the dynamic tool, which
 * Skein's handler answers with {@link SKEIN_LOOKUP_RESULT}. Disposing shuts every session down
 * and closes the store, so Codex never writes while Skein does.
 */
export async function openSkeinSide(home: string, options: { cwd: string; provider: string }): Promise<SkeinSide> {
  const store = await LocalThreadStore.open({ home });
  const manager = new ThreadManager({ store, defaults: { modelProvider: options.provider, cwd: options.cwd, model: "mock-model" } });
  const toolHandlers = { [LOOKUP_TOOL.name]: async () => SKEIN_LOOKUP_RESULT };
  const run = async (session: Awaited<ReturnType<ThreadManager["startThread"]>>, prompts: readonly string[]) => {
    const model = new ScriptedModel();
    for (const userText of prompts) await session.runTurn({ userText, model, toolHandlers });
    await session.shutdown();
  };
  return {
    manager,
    async startThread(prompts) {
      const session = await manager.startThread({ cwd: options.cwd, dynamicTools: [LOOKUP_TOOL], toolHandlers });
      await run(session, prompts);
      return session.threadId;
    },
    async runTurns(threadId, prompts) {
      await run(await manager.resumeThread({ threadId, toolHandlers }), prompts);
    },
    async [Symbol.asyncDispose]() {
      await manager.shutdownAll();
      await store.close();
    },
  };
}
