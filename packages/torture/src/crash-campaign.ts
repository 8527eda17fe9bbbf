import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { LiveThread } from "@skein/core-session";
import { type ThreadId, newThreadId } from "@skein/protocol";
import { findRolloutPath, readRollout } from "@skein/rollout";
import { type HomeProblem, LocalThreadStore } from "@skein/thread-store";
import { crashItem, crashSeqOf } from "./crash-items.js";
import { InvariantViolationError, WorkerFailedError } from "./errors.js";
import { compareIndexWithFiles } from "./index-parity.js";
import { describeExit, startWorker } from "./worker-process.js";

/** Options of {@link runCrashCampaign}. */
export interface CrashCampaignOptions {
  /** The home all lanes write into (created if missing). */
  home: string;
  /** Where ack files live: outside the home, so the home holds only what Skein wrote. */
  workDir: string;
  /** SIGKILLs in total, over all lanes. */
  kills: number;
  /** Threads written in parallel, one writer process each. Default 4. */
  lanes?: number;
  /** Kills per thread before a lane starts a new thread. Default 25. */
  killsPerThread?: number;
  /** Upper bound of the random delay between a writer's "ready" and its kill. Default 250 ms. */
  maxDelayMs?: number;
  /** Share of kills that land during start-up (open, catch-up, resume) instead. Default 0.1. */
  earlyKillShare?: number;
  /** Share of kills after which a torn (unterminated, non-JSON) fragment is appended. Default 0.25. */
  tornShare?: number;
  random?: () => number;
  onProgress?: (report: CrashCampaignReport) => void;
}

/** What a crash campaign did; every figure was checked, not estimated. */
export interface CrashCampaignReport {
  kills: number;
  /** Kills that landed before the writer reported ready. */
  earlyKills: number;
  /** Threads written (each resumed after every kill). */
  threads: number;
  /** Acknowledged items found present, in order, exactly once — summed over every check. */
  itemsChecked: number;
  /** Acknowledged items at the end, over all threads. */
  itemsAcknowledged: number;
  /** Torn fragments appended by the campaign, and torn tails the kills produced themselves. */
  tornInjected: number;
  tornNatural: number;
  /** Torn fragments found again in a `.torn` sidecar (the rest are still the file's tail). */
  tornKeptAside: number;
  /** Index rows compared field by field with the files-only answer. */
  indexChecks: number;
  /** Comparisons given up because the index kept reporting false FTS5 corruption (see README). */
  indexChecksSkipped: number;
  /**
   * Writers started on a 0-byte rollout: a kill between the rollout's creation and its first
   * write leaves one (nothing in it was acknowledged). The next writer creates the thread again,
   * which writes into that file; the checks then hold as for any other thread.
   */
  emptyFilesRevived: number;
  /** Index opens that reported FTS5 corruption on a healthy file (see {@link ParityResult}). */
  falseCorruptionRetries: number;
  /** `skein_state_1.sqlite.corrupt-*` files in the home at the end: index DBs moved aside. */
  dbsMovedAside: number;
  durationMs: number;
}

interface LaneThread {
  threadId: ThreadId;
  ackFile: string;
  /** Every torn fragment ever seen at the end of this thread's file. */
  torn: Set<string>;
}

/**
 * Crash test (issue 8): writer processes append through `LiveThread` and are SIGKILLed at random
 * moments; after every kill the thread is checked from the files and the index, then resumed by
 * the next writer. Throws {@link InvariantViolationError} at the first broken guarantee.
 */
export async function runCrashCampaign(options: CrashCampaignOptions): Promise<CrashCampaignReport> {
  const random = options.random ?? Math.random;
  const lanes = options.lanes ?? 4;
  const perThread = options.killsPerThread ?? 25;
  const started = Date.now();
  const report: CrashCampaignReport = {
    kills: 0, earlyKills: 0, threads: 0, itemsChecked: 0, itemsAcknowledged: 0,
    tornInjected: 0, tornNatural: 0, tornKeptAside: 0, indexChecks: 0, indexChecksSkipped: 0, emptyFilesRevived: 0, falseCorruptionRetries: 0, dbsMovedAside: 0, durationMs: 0,
  };
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  mkdirSync(options.workDir, { recursive: true });
  let budget = options.kills;
  const finished: LaneThread[] = [];
  // Set at the first violation: the other lanes stop after their current round, so that no
  // campaign keeps spawning writers after it has already failed.
  let failed = false;

  const runLane = async (): Promise<void> => {
    try {
      await laneLoop();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  const laneLoop = async (): Promise<void> => {
    while (budget > 0 && !failed) {
      const thread: LaneThread = { threadId: newThreadId(), ackFile: "", torn: new Set() };
      thread.ackFile = join(options.workDir, `${thread.threadId}.acks`);
      report.threads++;
      for (let k = 0; k < perThread && budget > 0 && !failed; k++) {
        budget--;
        if (!(await killOnce(thread))) break;
        report.kills++;
        options.onProgress?.({ ...report, durationMs: Date.now() - started });
      }
      if (failed) return;
      await finishThread(thread);
      finished.push(thread);
    }
  };

  /** One writer run ended by SIGKILL, then the checks. False when the campaign has failed. */
  const killOnce = async (thread: LaneThread): Promise<boolean> => {
    const found = await findRolloutPath(options.home, thread.threadId);
    // checkThread has made sure nothing acknowledged is missing, so an empty file held nothing.
    const empty = found !== undefined && statSync(found.path).size === 0;
    if (empty) report.emptyFilesRevived++;
    const worker = startWorker("crash-writer", [options.home, thread.threadId, thread.ackFile, found && !empty ? "resume" : "create"], `crash-writer ${thread.threadId}`);
    if (random() < (options.earlyKillShare ?? 0.1)) {
      await sleep(random() * 150);
      if (!worker.lines.some((l) => l.startsWith("ready"))) report.earlyKills++;
    } else {
      await worker.waitForLine((l) => l.startsWith("ready"));
      await sleep(random() * (options.maxDelayMs ?? 250));
    }
    worker.child.kill("SIGKILL");
    const exit = await worker.exited;
    if (failed) return false;
    if (exit.signal !== "SIGKILL") {
      throw new WorkerFailedError(worker.name, describeExit(exit), `${worker.lines.join("\n")}\n${worker.stderr()}`);
    }
    await checkThread(thread);
    const path = (await findRolloutPath(options.home, thread.threadId))?.path;
    // A torn fragment goes after whole lines; a 0-byte file has none (that is another damage).
    if (path && statSync(path).size > 0 && random() < (options.tornShare ?? 0.25)) {
      const fragment = `{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"user_message","message":"torn-${newThreadId()}`;
      appendFileSync(path, fragment);
      thread.torn.add(fragment);
      report.tornInjected++;
    }
    return true;
  };

  /** Every guarantee that must hold after a kill, checked from the files and the index. */
  const checkThread = async (thread: LaneThread): Promise<void> => {
    const acked = readAcks(thread.ackFile);
    const found = await findRolloutPath(options.home, thread.threadId, { includeArchived: true });
    if (!found) {
      if (acked.length > 0) throw violation(thread, "acknowledged items survive a kill", `${acked.length} acknowledged, no rollout file`);
      return;
    }
    const read = await readRollout(found.path).catch((error: unknown) => {
      // A file that holds nothing yet (killed between create and first write) has nothing to lose.
      if (acked.length === 0 && (error as { code?: string }).code === "empty_rollout") return undefined;
      throw violation(thread, "a rollout always reads", String(error));
    });
    if (!read) return;
    const seqs = read.lines.map(crashSeqOf).filter((s): s is number => s !== undefined);
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! <= seqs[i - 1]!) throw violation(thread, "items are in order, exactly once", `item ${seqs[i]} follows ${seqs[i - 1]} in ${found.path}`);
    }
    const present = new Set(seqs);
    const lost = acked.filter((s) => !present.has(s));
    if (lost.length > 0) throw violation(thread, "every acknowledged item is present", `missing ${lost.slice(0, 10).join(", ")} of ${acked.length}`);
    report.itemsChecked += acked.length;
    const expectedBad = read.tornTail && !read.tornTail.parsed ? 1 : 0;
    if (read.parseErrors !== expectedBad) {
      throw violation(thread, "no garbage line inside the file", `${read.parseErrors} unreadable lines at ${read.badLines.map((b) => b.byteOffset).join(", ")}`);
    }
    const tail = read.tornTail ? readFileSync(found.path).subarray(read.tornTail.byteOffset).toString("utf8") : "";
    if (tail && ![...thread.torn].some((f) => tail.includes(f))) {
      thread.torn.add(tail);
      report.tornNatural++;
    }
    const aside = readOptional(`${found.path}.torn`);
    for (const fragment of thread.torn) {
      if (!aside.includes(fragment) && !tail.includes(fragment)) {
        throw violation(thread, "a torn tail is kept aside, not lost", `fragment ${JSON.stringify(fragment.slice(-60))} is neither the tail nor in ${found.path}.torn`);
      }
    }
    const parity = await compareIndexWithFiles(options.home, thread.threadId);
    report.falseCorruptionRetries += parity.falseCorruptionRetries;
    if (parity.skipped) report.indexChecksSkipped++;
    else report.indexChecks++;
  };

  /** The thread resumes in this process, appends, shuts down cleanly, and the home is healthy. */
  const finishThread = async (thread: LaneThread): Promise<void> => {
    await checkThread(thread);
    const store = await LocalThreadStore.open({ home: options.home });
    try {
      const found = await findRolloutPath(options.home, thread.threadId);
      if (found) {
        const params = { threadId: thread.threadId, source: "cli" as const, metadata: { cwd: options.home, modelProvider: "openai" } };
        // A 0-byte file (killed before its first write) is a thread never written: create it.
        const live = statSync(found.path).size > 0 ? await LiveThread.resume(store, params) : await LiveThread.create(store, params);
        const last = live.initialHistory.map(crashSeqOf).filter((s) => s !== undefined).at(-1) ?? 0;
        await live.appendItems([crashItem(last + 1)]);
        await live.shutdown();
        appendFileSync(thread.ackFile, `${last + 1}\n`);
      }
      const home = await store.checkHome();
      const mine = home.problems.filter((p) => p.threadId === thread.threadId && !harmless(p));
      if (mine.length > 0) throw violation(thread, "the home is healthy after a clean resume", mine.map((p) => `${p.kind}: ${p.detail}`).join("; "));
    } finally {
      await store.close();
    }
    await checkThread(thread);
    const aside = readOptional(`${(await findRolloutPath(options.home, thread.threadId))?.path ?? "-"}.torn`);
    report.tornKeptAside += [...thread.torn].filter((f) => aside.includes(f)).length;
    report.itemsAcknowledged += readAcks(thread.ackFile).length;
  };

  const outcomes = await Promise.allSettled(Array.from({ length: lanes }, runLane));
  const firstFailure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (firstFailure) throw firstFailure.reason;
  report.dbsMovedAside = readdirSync(options.home).filter((n) => n.includes(".sqlite.corrupt-")).length;
  report.durationMs = Date.now() - started;
  return report;
}

/** Kinds a killed writer legitimately leaves for another thread's check: other lanes are still running. */
function harmless(problem: HomeProblem): boolean {
  return problem.kind === "live_lock" || problem.kind === "stale_lock";
}

function violation(thread: LaneThread, invariant: string, detail: string): InvariantViolationError {
  return new InvariantViolationError(invariant, `thread ${thread.threadId}: ${detail}`);
}

/** Complete lines of an ack file (a line cut by the kill was never acknowledged). */
function readAcks(path: string): number[] {
  const text = readOptional(path);
  const end = text.lastIndexOf("\n");
  if (end < 0) return [];
  return text.slice(0, end).split("\n").map(Number);
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

