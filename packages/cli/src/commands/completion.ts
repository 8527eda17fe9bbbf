import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import type { Output } from "../output.js";
import { bashCompletionScript } from "../completion/bash.js";
import { fishCompletionScript } from "../completion/fish.js";
import { completionSpec } from "../completion/spec.js";
import { threadCandidates } from "../completion/thread-candidates.js";
import { zshCompletionScript } from "../completion/zsh.js";

/** Shells `skein completion` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** `skein completion <shell>`: prints the script, generated from `program` so it lists every command. */
export function completionCommand(program: Command, shell: CompletionShell, out: Output): void {
  const spec = completionSpec(program);
  const script = shell === "bash" ? bashCompletionScript(spec) : shell === "zsh" ? zshCompletionScript(spec) : fishCompletionScript(spec);
  out.line(script.replace(/\n$/, ""));
}

/**
 * `skein __complete threads [prefix]` (hidden; the scripts call it): `value<TAB>description`
 * lines of the home's thread names and ids starting with `prefix`. Prints nothing for a postgres
 * store or a missing home: a completion must never fail loudly or be slow.
 */
export async function completeCommand(ctx: CommandContext, kind: string, prefix: string): Promise<void> {
  if (kind !== "threads" || ctx.store.kind !== "local" || !existsSync(ctx.store.home)) return;
  const lines = (await threadCandidates(ctx.store.home, prefix))
    .filter((candidate) => !/[\t\n\r]/.test(candidate.value))
    .map((candidate) => `${candidate.value}\t${candidate.description.replaceAll(/[\t\n\r]/g, " ")}`);
  // One write: thousands of small ones cost more than the lookup itself.
  if (lines.length > 0) ctx.out.line(lines.join("\n"));
}
