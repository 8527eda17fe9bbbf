import { ThreadManager } from "@skein/core-session";
import { OpenAIResponsesModel } from "@skein/model-openai";
import { LocalThreadStore } from "@skein/thread-store";

const [command, threadId = ""] = process.argv.slice(2); // start | resume <id>
const store = await LocalThreadStore.open({ home: process.env["CODEX_HOME"] ?? `${process.env["HOME"]}/.codex` });
const manager = new ThreadManager({ store, defaults: { modelProvider: "openai", model: "gpt-5.1", cwd: process.cwd() } });
const model = new OpenAIResponsesModel(); // OPENAI_API_KEY, OPENAI_BASE_URL
const weather = {
  name: "weather",
  description: "Today's weather in a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const toolHandlers = { weather: async (/** @type {any} */ args) => `sunny in ${args.city}, 21°C` };
const print = (/** @type {import("@skein/core-session").TurnEvent} */ e) => e.type === "output_text_delta" && process.stdout.write(e.delta);

if (command === "start") {
  const session = await manager.startThread({ dynamicTools: [weather], toolHandlers });
  await session.runTurn({ userText: "What's the weather in Paris?", model, onEvent: print });
  console.log(`\nthread ${session.threadId}`);
} else {
  // Another process: the tool and the history come back from the rollout.
  const session = await manager.resumeThread({ threadId, toolHandlers });
  await session.runTurn({ userText: "And in Rome?", model, onEvent: print });
  const fork = await manager.forkThread({ threadId, name: "what about Oslo?" });
  console.log(`\nfork ${fork.threadId}`);
}
await manager.shutdownAll();
await store.close();
