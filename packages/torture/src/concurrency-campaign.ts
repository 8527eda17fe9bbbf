import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ThreadId } from "@skein/protocol";
import { LocalThreadStore } from "@skein/thread-store";
import { type ConcurrencyWorkerReport, concurrencySeqOf } from "./concurrency-protocol.js";
import { InvariantViolationError, WorkerFailedError } from "./errors.js";
import { expectCleanExit, startWorker } from "./worker-process.js";

/** Options of {@link runConcurrencyCampaign}. */
export interface ConcurrencyCampaignOptions {
  home: string;
  /** Where ack files live (outside the home). */
  workDir: string;
  /** Worker processes at once. Default 8. */
  processes?: number;
  /** How long every worker keeps going. */
  durationMs: number;
}

/** What a concurrency campaign did and checked. */
export interface ConcurrencyCampaignReport {
  processes: number;
  durationMs: number;
  /** Successful operations over all workers, by kind and in total. */
  ops: Record<string, number>;
  totalOps: number;
  opsPerSecond: number;
  threads: number;
  /** Acknowledged items compared one by one with the final histories. */
  itemsChecked: number;
  /** Slowest single operation any worker saw. */
  latencyMaxMs: number;
  /**
   * Own threads missing from a worker's full paged listing (active + archived, sorted by
   * `created` or `updated`) because their sort value changed while it paged: allowed by the
   * keyset semantics of `listThreads`, counted. A miss without such a change fails the run.
   */
  listingMoves: number;
}

/**
 * Concurrency test (issue 8): N processes work on one home at once. Then every worker must have
 * seen zero errors (so no `SQLITE_BUSY` reached a caller), every thread's history must equal
 * exactly what its worker acknowledged, names and archive state must be what the worker last
 * set, each thread must be listed exactly once, and `checkHome()` must find nothing.
 * @throws InvariantViolationError or WorkerFailedError at the first finding.
 */
export async function runConcurrencyCampaign(options: ConcurrencyCampaignOptions): Promise<ConcurrencyCampaignReport> {
  const n = options.processes ?? 8;
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  mkdirSync(options.workDir, { recursive: true });
  const started = Date.now();
  const workers = Array.from({ length: n }, (_, i) =>
    startWorker("concurrency-worker", [options.home, String(i), String(options.durationMs), join(options.workDir, `w${i}.acks`)], `concurrency-worker ${i}`),
  );
  await Promise.all(workers.map(expectCleanExit));
  const durationMs = Date.now() - started;
  const reports = workers.map((w) => {
    const line = w.lines.find((l) => l.startsWith("report "));
    if (!line) throw new WorkerFailedError(w.name, "exit 0", `no report line\n${w.stderr()}`);
    return JSON.parse(line.slice("report ".length)) as ConcurrencyWorkerReport;
  });
  const errors = reports.flatMap((r) => r.errors.map((e) => `w${r.worker} ${e.op}: ${e.name} [${e.code}] ${e.message}`));
  if (errors.length > 0) throw new InvariantViolationError("no error reaches a caller under concurrency", `${errors.length} errors: ${errors.slice(0, 5).join(" | ")}`);
  const misses = reports.flatMap((r) => r.listingMisses.map((t) => `w${r.worker} ${t}`));
  if (misses.length > 0) {
    throw new InvariantViolationError("a concurrent listing holds each of the lister's threads whose sort value did not change", `${misses.length} missed: ${misses.slice(0, 5).join(", ")}`);
  }

  const ops: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.ops)) ops[k] = (ops[k] ?? 0) + v;
  const totalOps = Object.values(ops).reduce((a, b) => a + b, 0);
  let itemsChecked = 0;
  const store = await LocalThreadStore.open({ home: options.home });
  try {
    const health = await store.checkHome();
    if (!health.ok) throw new InvariantViolationError("checkHome is ok after concurrent work", health.problems.map((p) => `${p.kind}: ${p.detail}`).join("; "));
    const listed = await listAll(store);
    for (const [i, r] of reports.entries()) {
      const acks = ackedByThread(join(options.workDir, `w${i}.acks`));
      for (const [threadId, state] of Object.entries(r.threads)) {
        const expected = acks.get(threadId) ?? [];
        const record = await store.readThread({ threadId: threadId as ThreadId, includeArchived: true, includeHistory: true });
        const got = (record.history ?? []).map((l) => (l.type === "event_msg" ? concurrencySeqOf((l.payload as { message?: unknown }).message) : undefined)).filter((s) => s !== undefined);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          throw new InvariantViolationError("history equals what was acknowledged", `thread ${threadId}: acknowledged ${expected.length} [${expected.slice(-5).join(",")}], found ${got.length} [${got.slice(-5).join(",")}]`);
        }
        itemsChecked += expected.length;
        if (record.archived !== state.archived) throw new InvariantViolationError("archive state is what the owner set", `thread ${threadId}: archived=${record.archived}, owner set ${state.archived}`);
        if (state.name !== undefined && record.name !== state.name) throw new InvariantViolationError("the last name wins", `thread ${threadId}: name ${JSON.stringify(record.name)}, owner set ${JSON.stringify(state.name)}`);
        const times = listed.get(threadId);
        if (expected.length > 0 && times !== (state.archived ? "archived" : "active")) {
          throw new InvariantViolationError("every thread is listed exactly once, in its collection", `thread ${threadId}: listed ${times ?? "nowhere"}, expected ${state.archived ? "archived" : "active"}`);
        }
      }
    }
    const threads = reports.reduce((a, r) => a + Object.keys(r.threads).length, 0);
    return {
      processes: n, durationMs, ops, totalOps, opsPerSecond: Math.round((totalOps / options.durationMs) * 1000), threads, itemsChecked,
      latencyMaxMs: Math.round(Math.max(...reports.map((r) => r.latencyMaxMs))),
      listingMoves: reports.reduce((a, r) => a + r.listingMoves.length, 0),
    };
  } finally {
    await store.close();
  }
}

/** threadId → "active" | "archived"; a thread seen twice is a violation. */
async function listAll(store: LocalThreadStore): Promise<Map<string, "active" | "archived">> {
  const out = new Map<string, "active" | "archived">();
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = await store.listThreads({ pageSize: 50, archived, ...(cursor ? { cursor } : {}) });
      for (const t of page.items) {
        if (out.has(t.threadId)) throw new InvariantViolationError("every thread is listed exactly once", `thread ${t.threadId} listed twice`);
        out.set(t.threadId, archived ? "archived" : "active");
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return out;
}

function ackedByThread(path: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n")) {
    const [threadId, seq] = line.split(" ");
    if (!threadId || !seq) continue;
    out.set(threadId, [...(out.get(threadId) ?? []), Number(seq)]);
  }
  return out;
}

