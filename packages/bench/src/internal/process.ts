import { spawn } from "node:child_process";
import { join } from "node:path";
import { BenchError } from "../errors.js";
import { nowMs } from "../stats.js";

/** How a finished child process went. */
export interface ProcessRun {
  ms: number;
  stdout: string;
  stderr: string;
  /** Peak RSS in MB when measured with `peakRss`. */
  peakRssMb?: number;
}

/**
 * Runs a command to completion and times it from spawn to exit.
 * With `peakRss`, runs it under `/usr/bin/time -f %M` (peak resident set, KB).
 * @throws BenchError on a non-zero exit.
 */
export function runProcess(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; peakRss?: boolean } = {}): Promise<ProcessRun> {
  const [cmd, argv] = options.peakRss ? ["/usr/bin/time", ["-f", "PEAK_RSS_KB=%M", command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const child = spawn(cmd, argv, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = nowMs() - start;
      if (code !== 0) return reject(new BenchError(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim().slice(-500)}`));
      const run: ProcessRun = { ms, stdout, stderr };
      const peak = /PEAK_RSS_KB=(\d+)/.exec(stderr);
      if (peak) run.peakRssMb = Number(peak[1]) / 1024;
      resolve(run);
    });
  });
}

/** The built `skein` CLI of this repo. */
export function skeinBin(repoRoot: string): string {
  return join(repoRoot, "packages", "cli", "dist", "bin.js");
}

/** Runs `node <skein> <args>` with `SKEIN_HOME` unset and colours off. */
export function runSkein(repoRoot: string, args: readonly string[], peakRss = false): Promise<ProcessRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["SKEIN_HOME"];
  delete env["CODEX_HOME"];
  return runProcess(process.execPath, [skeinBin(repoRoot), ...args], { env, peakRss });
}
