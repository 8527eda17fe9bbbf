import { spawn } from "node:child_process";
import type { Output } from "./output.js";

// Design: docs/cli-pager.md.

/** What `less` is told when `$LESS` is unset, as git does: quit if one screen, raw colours, no init. */
export const DEFAULT_LESS = "FRX";

/**
 * The pager command for long output, picked as git picks its own: `$SKEIN_PAGER`, else `$PAGER`,
 * else `less -R`. An empty value or `cat` means no pager.
 */
export function pagerCommand(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const chosen = env["SKEIN_PAGER"] ?? env["PAGER"] ?? "less -R";
  const trimmed = chosen.trim();
  return trimmed === "" || trimmed === "cat" ? undefined : trimmed;
}

/**
 * Runs `print` against an output whose lines go through the pager when there is one (stdout is
 * a terminal: `out.pager` is set) and the text is taller than the terminal; otherwise `print`
 * writes straight to `out`. Messages to stderr are never paged. If the pager cannot be started
 * (the shell says 127), the text is written to stdout after all.
 */
export async function withPager(out: Output, print: (out: Output) => void): Promise<void> {
  const pager = out.pager;
  if (pager === undefined) {
    print(out);
    return;
  }
  const lines: string[] = [];
  print({ ...out, line: (text = "") => void lines.push(text) });
  if (lines.length < out.height) {
    for (const line of lines) out.line(line);
    return;
  }
  const started = await runPager(pager, `${lines.join("\n")}\n`);
  if (!started) for (const line of lines) out.line(line);
}

/** Feeds `text` to `sh -c <pager>` on the terminal and waits for it; false when it could not start. */
async function runPager(command: string, text: string): Promise<boolean> {
  const env = { ...process.env, LESS: process.env["LESS"] ?? DEFAULT_LESS, LV: process.env["LV"] ?? "-c" };
  // Ctrl-C reaches the pager (same terminal group); it decides, we wait for it.
  const ignoreInterrupt = (): void => undefined;
  process.on("SIGINT", ignoreInterrupt);
  try {
    return await new Promise<boolean>((resolve) => {
      const child = spawn(command, { shell: true, stdio: ["pipe", "inherit", "inherit"], env });
      child.on("error", () => resolve(false));
      // The user may quit before reading everything: EPIPE on the pager's stdin is their choice.
      child.stdin.on("error", () => undefined);
      child.on("close", (code) => resolve(code !== 127));
      child.stdin.end(text);
    });
  } finally {
    process.off("SIGINT", ignoreInterrupt);
  }
}
