import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WorkerFailedError } from "./errors.js";

/** Names of the worker scripts in `dist/workers/`. */
export type WorkerName = "crash-writer" | "concurrency-worker" | "resume-contender" | "append-reader" | "fsync-writer";

/**
 * Absolute path of a built worker script. Workers run as plain Node children, so they always
 * come from `dist/` (this resolves the same from `src/` under vitest and from `dist/`).
 * @throws WorkerFailedError when the package is not built.
 */
export function workerScript(name: WorkerName): string {
  const path = fileURLToPath(new URL(`../dist/workers/${name}.js`, import.meta.url));
  if (!existsSync(path)) throw new WorkerFailedError(name, "not built", `${path} is missing; run the build first`);
  return path;
}

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running worker: its process, the lines it printed so far, and its end. */
export interface RunningWorker {
  readonly child: ChildProcess;
  readonly name: string;
  /** Every complete stdout line so far. */
  readonly lines: string[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** Resolves once the process is gone (its stdio closed). */
  readonly exited: Promise<WorkerExit>;
  /** Resolves with the first stdout line that satisfies `match`; rejects if the worker exits first. */
  waitForLine(match: (line: string) => boolean): Promise<string>;
}

/** Starts `node dist/workers/<name>.js ...args` with piped stdio. */
export function startWorker(name: WorkerName, args: readonly string[], label: string = name): RunningWorker {
  const child = spawn(process.execPath, [workerScript(name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.match(line)) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    name: label,
    lines,
    stderr: () => err,
    exited,
    waitForLine(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then((exit) =>
          reject(new WorkerFailedError(label, describeExit(exit), `${lines.join("\n")}\n${err}`)),
        );
      });
    },
  };
}

/** `exit 1` or `signal SIGKILL`. */
export function describeExit(exit: WorkerExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`;
}

/** Waits for a worker to exit 0, or throws {@link WorkerFailedError} with its output. */
export async function expectCleanExit(worker: RunningWorker): Promise<void> {
  const exit = await worker.exited;
  if (exit.code !== 0) throw new WorkerFailedError(worker.name, describeExit(exit), `${worker.lines.join("\n")}\n${worker.stderr()}`);
}
