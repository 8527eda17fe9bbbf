import { spawn } from "node:child_process";
import { CodexExitError, CodexTimeoutError } from "../errors.js";
import type { CommandLine } from "../network-sandbox.js";

/** What a finished process printed. */
export interface ProcessOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly timeoutMs: number;
  /** Short name used in error messages, e.g. `exec resume`. */
  readonly label: string;
}

/**
 * Runs a command with stdin `/dev/null`, in its own process group, and collects its output.
 * On expiry the whole group is killed (Codex spawns helpers), and only that group.
 * @throws CodexTimeoutError on expiry; CodexExitError on a non-zero exit.
 */
export function runProcess(line: CommandLine, options: RunProcessOptions): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(line.command, line.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new CodexExitError({ command: options.label, exitCode: null, signal: null, stdout, stderr: error.message }, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new CodexTimeoutError(options.label, options.timeoutMs));
      else if (code !== 0) reject(new CodexExitError({ command: options.label, exitCode: code, signal, stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** Kills a process group we started; a group that is already gone is fine. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group already exited.
  }
}
