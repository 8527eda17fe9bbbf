import type { Command } from "commander";
import type { CommandContext } from "./context.js";

// The storage-care commands (docs/storage-care.md): `du`, `compress`, `decompress`. Registered
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

  program
    .command("compress")
    .description("compress cold rollouts to .jsonl.zst, as Codex's own worker does (Codex lists and resumes them)")
    .argument("[id|name...]", "only these threads (default: every plain thread old enough)")
    .option("--older-than <age>", "only files unchanged for this long: 30m, 12h, 7d, 2w (default 7d)")
    .option("--archived", "only archived threads")
    .option("--dry-run", "list what would be compressed, change nothing")
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples("skein compress --dry-run", "skein compress --older-than 30d", "skein compress --archived --older-than 0"))
    .action(async (refs: string[], options) => {
      const { compressCommand } = await import("./commands/compress.js");
      await compressCommand(ctx(), refs, options);
    });

  program
    .command("decompress")
    .description("turn compressed rollouts back into plain .jsonl")
    .argument("[id|name...]", "only these threads (default: every compressed thread)")
    .option("--dry-run", "list what would be decompressed, change nothing")
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples("skein decompress 'release notes'", "skein decompress"))
    .action(async (refs: string[], options) => {
      const { decompressCommand } = await import("./commands/compress.js");
      await decompressCommand(ctx(), refs, options);
    });
}
