// Tries to take the writer of one thread at the same moment as another process: waits for a
// go-file, resumes, prints the outcome, holds the writer briefly, then shuts down.
// argv: <home> <threadId> <goFile>
import { existsSync } from "node:fs";
import { LiveThread } from "@skein/core-session";
import { isThreadId } from "@skein/protocol";
import { LocalThreadStore } from "@skein/thread-store";

const [home, threadId, goFile] = process.argv.slice(2);
if (!home || !threadId || !isThreadId(threadId) || !goFile) {
  process.stderr.write("usage: resume-contender <home> <threadId> <goFile>\n");
  process.exit(2);
}
const store = await LocalThreadStore.open({ home });
process.stdout.write("ready\n");
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 1));
try {
  const live = await LiveThread.resume(store, { threadId, metadata: { cwd: home, modelProvider: "openai" } });
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  await new Promise((r) => setTimeout(r, 500));
  await live.shutdown();
} catch (error) {
  const e = error as { name?: string; code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ ok: false, name: e.name, code: e.code, message: e.message })}\n`);
}
await store.close();
