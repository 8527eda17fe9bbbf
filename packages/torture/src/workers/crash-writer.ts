// A crash-test writer: appends numbered items to one thread through LiveThread over a
// LocalThreadStore (SQLite on) until it is killed. After each `flush()` resolves it appends the
// acknowledged sequence numbers to an ack file, so the parent knows exactly what was promised.
// argv: <home> <threadId> <ackFile> <create|resume>
import { appendFileSync } from "node:fs";
import { LiveThread } from "@skein/core-session";
import { isThreadId } from "@skein/protocol";
import { LocalThreadStore } from "@skein/thread-store";
import { crashItem, crashSeqOf } from "../crash-items.js";

const [home, threadId, ackFile, mode] = process.argv.slice(2);
if (!home || !threadId || !isThreadId(threadId) || !ackFile || (mode !== "create" && mode !== "resume")) {
  process.stderr.write("usage: crash-writer <home> <threadId> <ackFile> <create|resume>\n");
  process.exit(2);
}

const store = await LocalThreadStore.open({ home });
const params = { threadId, source: "cli" as const, metadata: { cwd: home, modelProvider: "openai" } };
const live = mode === "create" ? await LiveThread.create(store, params) : await LiveThread.resume(store, params);
let next = 1;
for (const line of live.initialHistory) {
  const seq = crashSeqOf(line);
  if (seq !== undefined && seq >= next) next = seq + 1;
}
process.stdout.write(`ready ${next}\n`);
for (;;) {
  const count = 1 + Math.floor(Math.random() * 3);
  const seqs = Array.from({ length: count }, (_, i) => next + i);
  next += count;
  await live.appendItems(seqs.map((seq) => crashItem(seq)));
  await live.flush();
  // Written only after flush() resolved: every number in this file was promised to be kept.
  appendFileSync(ackFile, seqs.map((s) => `${s}\n`).join(""));
}
