// A child process for the multi-process test. It runs the BUILT store (dist/), like a real
// deployment, and reports what it did as JSON lines on stdout.
//
// argv[2]: JSON {url, schema, ttl, ownItems, sharedThreadId, sharedItems, holdForever, tag}
import { newThreadId } from "@skein/protocol";
import { PostgresThreadStore } from "../../dist/index.js";

const config = JSON.parse(process.argv[2]);
const say = (event) => process.stdout.write(`${JSON.stringify({ tag: config.tag, ...event })}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (text) => ({ type: "event_msg", payload: { type: "user_message", message: text } });

const store = await PostgresThreadStore.open({ connectionString: config.url, schema: config.schema, leaseTtlMs: config.ttl });
say({ event: "open", holder: store.holder });

// 1. Its own thread: one item per append call, in order.
const own = newThreadId();
await store.createThread({ threadId: own, source: "exec", metadata: { cwd: "/work", modelProvider: "test" } });
await store.persistThread({ threadId: own });
for (let i = 0; i < config.ownItems; i++) await store.appendItems({ threadId: own, items: [message(`${config.tag}:${i}`)] });
await store.shutdownThread({ threadId: own });
say({ event: "own-done", threadId: own });

// 2. The shared thread: retry until the writer lease is ours, then append a block.
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    await store.resumeThread({ threadId: config.sharedThreadId, metadata: { cwd: "/work", modelProvider: "test" } });
    break;
  } catch (error) {
    if (error.code !== "conflict" || Date.now() > deadline) throw error;
    say({ event: "conflict", holder: error.holder, message: error.message });
    await sleep(100);
  }
}
say({ event: "acquired" });
for (let i = 0; i < config.sharedItems; i++) {
  await store.appendItems({ threadId: config.sharedThreadId, items: [message(`${config.tag}#${i}`)] });
  await sleep(5);
}
say({ event: "shared-done" });
if (config.holdForever) {
  // Killed by the test while it holds the lease: the others must take over after expiry.
  setInterval(() => undefined, 1_000);
} else {
  await store.shutdownThread({ threadId: config.sharedThreadId });
  await store.close();
  say({ event: "closed" });
}
