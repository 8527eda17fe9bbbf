import { ScriptedModel, ThreadManager } from "@skein/core-session";
import { LocalThreadStore } from "@skein/thread-store";

const store = await LocalThreadStore.open({ home: "/home/me/.codex" });
const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", cwd: "/work", baseInstructions: "be brief" } });

const lookup = {
  name: "lookup",
  description: "Look up a value by key",
  inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] },
};
const session = await manager.startThread({ dynamicTools: [lookup], toolHandlers: { lookup: async () => "42" } });
await session.runTurn({ userText: "[[tool:lookup]] find alpha", model: new ScriptedModel() });
await manager.shutdownAll();

// Later, in another process: the tool and the history come back from the rollout.
const resumed = await manager.resumeThread({ threadId: session.threadId });
resumed.nextModelRequest(); // { model, instructions: "be brief", input: [...4 items], tools: [{ type: "function", name: "lookup", ... }] }
