import type { Command } from "commander";
import type { CommandContext } from "./context.js";

// The storage-care commands (docs/storage-care.md): `du` (more join as they land). Registered
// from program.ts in one call; each action imports its implementation lazily.

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`;
}

/** Adds the storage commands to `program`; `ctx` builds the command context from the global options. */
export function registerStorageCommands(program: Command, ctx: () => CommandContext): void {
  program
    .command("du")
    .description("where the home's bytes are: by month, project, source, active/archived, compressed/plain; the largest threads")
    .option("--deep", "read every file: inline-image bytes and measured compression savings (slower)")
    .option("--largest <n>", "how many of the largest threads to list (default 10)")
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples("skein du", "skein du --deep", "skein du --json | jq .byMonth"))
    .action(async (options) => {
      const { duCommand } = await import("./commands/du.js");
      await duCommand(ctx(), options);
    });
}
