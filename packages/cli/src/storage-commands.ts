import type { Command } from "commander";
import { UsageError } from "./errors.js";
import type { CommandContext } from "./context.js";

// The storage-care commands (docs/storage-care.md): `du`, `compress`, `decompress`, `prune`, `trash`. Registered
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

  const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(",").map((p) => p.trim()).filter(Boolean)];
  program
    .command("prune")
    .description("move threads matching every filter to the trash (restorable with `skein trash restore`)")
    .option("--older-than <age>", "not updated for this long: 30d, 12w, …")
    .option("--source <source>", "only threads from SOURCE: cli, exec, vscode, subagent, … (repeatable)", collect)
    .option("--larger-than <size>", "only rollouts larger than this: 10M, 1G, …")
    .option("--archived-only", "only archived threads")
    .option("--cwd <dir>", "only threads started in DIR or below it (repeatable)", collect)
    .option("--dry-run", "list exactly what would go and how many bytes, change nothing")
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples("skein prune --older-than 90d --archived-only --dry-run", "skein prune --source exec --older-than 30d", "skein prune --larger-than 100M --cwd ~/scratch"))
    .action(async (options) => {
      const { pruneCommand } = await import("./commands/prune.js");
      await pruneCommand(ctx(), options);
    });

  const trash = program.command("trash").description("threads moved to the trash by prune and delete: list, restore, empty");
  trash
    .command("list")
    .description("the trashed threads, oldest first")
    .option("--json", "print JSON: {items}")
    .action(async (options) => {
      const { trashListCommand } = await import("./commands/trash.js");
      await trashListCommand(ctx(), options);
    });
  trash
    .command("restore")
    .description("bring trashed threads back where they were (with any fork parent they need)")
    .argument("<id...>", "thread ids")
    .action(async (ids: string[]) => {
      const { trashRestoreCommand } = await import("./commands/trash.js");
      await trashRestoreCommand(ctx(), ids);
    });
  trash
    .command("empty")
    .description("delete trashed threads for good (needs --yes unless --dry-run)")
    .option("--older-than <age>", "only threads trashed at least this long ago: 30d, …")
    .option("--dry-run", "list what would be deleted, change nothing")
    .option("-y, --yes", "really delete")
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples("skein trash empty --older-than 30d --yes", "skein trash empty --dry-run"))
    .action(async (options: { olderThan?: string; dryRun?: boolean; yes?: boolean; json?: boolean }) => {
      if (!options.dryRun && !options.yes) throw new UsageError(`refusing to empty the trash without --yes: it cannot be undone; run \`skein trash empty${options.olderThan ? ` --older-than ${options.olderThan}` : ""} --yes\`, or --dry-run to see what would go`);
      const { trashEmptyCommand } = await import("./commands/trash.js");
      await trashEmptyCommand(ctx(), options);
    });
}
