import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

/** The built `skein` of this workspace. */
export const SKEIN_BIN = join(dirname(dirname(createRequire(import.meta.url).resolve("@skein/cli"))), "dist", "bin.js");

/** A running `skein serve`. */
export interface ServeProcess {
  /** The URL it printed (with the token). */
  url: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `skein serve` with `args` (`--home DIR` or `--store URL`) on a free port and resolves
 * once it printed its URL, the one line it writes on stdout.
 */
export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SKEIN_BIN, "serve", ...args], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`skein serve printed no URL in 30 s; stderr: ${stderr}`)), 30_000);
    lines.once("line", (line) => (clearTimeout(timer), resolve(line.trim())));
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`skein serve exited with ${code}: ${stderr}`))));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get("token") ?? "",
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
