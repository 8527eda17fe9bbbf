// Appends `count` items to a new thread, one flushed append at a time, with or without the
// store's opt-in fsync, then prints the rollout path and the elapsed time.
// argv: <home> <0|1 fsync> <count>
import { LiveThread } from "@skein/core-session";
import { newThreadId } from "@skein/protocol";
import { findRolloutPath } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";

const [home, fsyncArg, countArg] = process.argv.slice(2);
if (!home || (fsyncArg !== "0" && fsyncArg !== "1") || !countArg) {
  process.stderr.write("usage: fsync-writer <home> <0|1> <count>\n");
  process.exit(2);
}
const store = await LocalThreadStore.open({ home, fsync: fsyncArg === "1" });
const threadId = newThreadId();
const live = await LiveThread.create(store, { threadId, source: "cli", metadata: { cwd: home, modelProvider: "openai" } });
const started = performance.now();
for (let i = 0; i < Number(countArg); i++) {
  await live.appendItems([{ type: "event_msg", payload: { type: "user_message", message: `durable ${i}`, images: [] } }]);
  await live.flush();
}
const elapsedMs = performance.now() - started;
await live.shutdown();
await store.close();
const path = (await findRolloutPath(home, threadId))?.path;
process.stdout.write(`${JSON.stringify({ path, elapsedMs })}\n`);
