// One of N processes working on one home at once: creates threads, appends to its own threads,
// renames, archives/unarchives, lists and searches until its deadline. Every append is
// acknowledged in an ack file after it resolved; every error is reported, none is swallowed.
// argv: <home> <workerIndex> <durationMs> <ackFile>
import { appendFileSync } from "node:fs";
import { LiveThread } from "@skein/core-session";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { LocalThreadStore, type ThreadSortKey, sortValueOf } from "@skein/thread-store";
import { type ConcurrencyWorkerReport, type OwnThreadState, concurrencyItem } from "../concurrency-protocol.js";

const [home, indexArg, durationArg, ackFile] = process.argv.slice(2);
if (!home || !indexArg || !durationArg || !ackFile) {
  process.stderr.write("usage: concurrency-worker <home> <workerIndex> <durationMs> <ackFile>\n");
  process.exit(2);
}
const worker = Number(indexArg);
const store = await LocalThreadStore.open({ home });
const deadline = Date.now() + Number(durationArg);
const report: ConcurrencyWorkerReport = { worker, ops: {}, errors: [], threads: {}, latencyMaxMs: 0, listingMisses: [], listingMoves: [] };
const live = new Map<ThreadId, LiveThread>();
const seqs = new Map<ThreadId, number>();
const mine = (): ThreadId[] => Object.keys(report.threads) as ThreadId[];
const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
const params = (threadId: ThreadId) => ({ threadId, source: "cli" as const, metadata: { cwd: home, modelProvider: "openai" } });

async function append(threadId: ThreadId): Promise<void> {
  let handle = live.get(threadId);
  if (!handle) {
    handle = await LiveThread.resume(store, params(threadId));
    live.set(threadId, handle);
  }
  const count = 1 + Math.floor(Math.random() * 3);
  const first = (seqs.get(threadId) ?? 0) + 1;
  const batch = Array.from({ length: count }, (_, i) => first + i);
  await handle.appendItems(batch.map((s) => concurrencyItem(worker, s)));
  await handle.flush();
  seqs.set(threadId, first + count - 1);
  appendFileSync(ackFile, batch.map((s) => `${threadId} ${s}\n`).join(""));
}

async function release(threadId: ThreadId): Promise<void> {
  const handle = live.get(threadId);
  live.delete(threadId);
  await handle?.shutdown();
}

const ops: Record<string, () => Promise<void>> = {
  async create() {
    if (mine().length >= 6) return ops["append"]!();
    const threadId = newThreadId();
    live.set(threadId, await LiveThread.create(store, params(threadId)));
    report.threads[threadId] = { archived: false } satisfies OwnThreadState;
    await append(threadId);
  },
  async append() {
    const threadId = pick(mine().filter((t) => !report.threads[t]!.archived));
    if (threadId) await append(threadId);
  },
  async rename() {
    const threadId = pick(mine());
    if (!threadId) return;
    const name = `w${worker} name ${Math.floor(Math.random() * 1e6)}`;
    const handle = live.get(threadId);
    if (handle) await handle.updateMetadata({ name });
    else await store.updateThreadMetadata({ threadId, patch: { name }, includeArchived: true });
    report.threads[threadId]!.name = name;
  },
  async archive() {
    const threadId = pick(mine().filter((t) => !report.threads[t]!.archived));
    if (!threadId) return;
    await release(threadId);
    await store.archiveThread({ threadId });
    report.threads[threadId]!.archived = true;
  },
  async unarchive() {
    const threadId = pick(mine().filter((t) => report.threads[t]!.archived));
    if (!threadId) return;
    await store.unarchiveThread({ threadId });
    report.threads[threadId]!.archived = false;
  },
  async release() {
    const threadId = pick([...live.keys()]);
    if (threadId) await release(threadId);
  },
  async list() {
    const sortKey = pick<ThreadSortKey>(["created", "updated"])!;
    const sortValues = async (): Promise<Map<ThreadId, number>> => {
      const out = new Map<ThreadId, number>();
      for (const t of mine().filter((id) => seqs.has(id))) out.set(t, sortValueOf(await store.readThread({ threadId: t, includeArchived: true }), sortKey));
      return out;
    };
    const before = await sortValues();
    const seen = new Set<string>();
    for (const archived of [false, true]) {
      let cursor: string | undefined;
      do {
        const page = await store.listThreads({ pageSize: 7, archived, sortKey, ...(cursor ? { cursor } : {}) });
        for (const t of page.items) seen.add(t.threadId);
        cursor = page.nextCursor;
      } while (cursor);
    }
    // Only we archive our threads, so each of ours that has history must be in one collection.
    // A keyset listing may skip a thread whose sort value changed while it paged (ThreadStore
    // listThreads semantics): that alone is tolerated, and only when the value really changed.
    const missed = [...before.keys()].filter((t) => !seen.has(t));
    if (missed.length === 0) return;
    const after = await sortValues();
    for (const t of missed) (after.get(t) !== before.get(t) ? report.listingMoves : report.listingMisses).push(t);
  },
  async search() {
    await store.searchThreads({ searchTerm: `w${worker}`, pageSize: 20 });
  },
};
const weights: [string, number][] = [["create", 2], ["append", 10], ["rename", 2], ["archive", 1], ["unarchive", 1], ["release", 1], ["list", 2], ["search", 2]];
const total = weights.reduce((n, [, w]) => n + w, 0);

while (Date.now() < deadline) {
  let r = Math.random() * total;
  const [name] = weights.find(([, w]) => (r -= w) < 0) ?? weights[0]!;
  const started = performance.now();
  try {
    await ops[name]!();
    report.ops[name] = (report.ops[name] ?? 0) + 1;
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    report.errors.push({ op: name, name: e.name ?? "Error", code: String(e.code ?? ""), message: String(e.message ?? error) });
  }
  report.latencyMaxMs = Math.max(report.latencyMaxMs, performance.now() - started);
}
for (const threadId of [...live.keys()]) {
  try {
    await release(threadId);
  } catch (error) {
    report.errors.push({ op: "shutdown", name: "Error", code: "", message: String((error as Error).message ?? error) });
  }
}
await store.close();
process.stdout.write(`report ${JSON.stringify(report)}\n`);
