import { readFileSync } from "node:fs";
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { CommandContext } from "./context.js";
import { COMPLETION_INSTALL_HELP } from "./completion/install-help.js";
import { debugTrace, describeError } from "./describe-error.js";
import { UsageError } from "./errors.js";
import { resolveHome } from "./home.js";
import { invocationDir } from "./invocation-dir.js";
import { assertLocalStore, describeLocation, parseStoreLocation } from "./store-location.js";
import { processOutput, type Output } from "./output.js";
import { registerStorageCommands } from "./storage-commands.js";

/** Options every command accepts, before or after its name (they belong to the program). */
interface CommonOptions {
  home?: string;
  store?: string;
  debug?: boolean;
  /** False with `--no-codex-sync`. */
  codexSync?: boolean;
}

/** `SKEIN_CODEX_SYNC=0` (or `false`, `off`, `no`) turns the Codex index sync off. */
function codexSyncSetting(common: CommonOptions, env: Readonly<Record<string, string | undefined>>): boolean {
  if (common.codexSync === false) return false;
  const value = env["SKEIN_CODEX_SYNC"]?.trim().toLowerCase();
  return !(value === "0" || value === "false" || value === "off" || value === "no");
}

/** Where {@link run} writes and what environment it sees (tests pass their own). */
export interface RunOptions {
  out?: Output;
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => number;
  /** Where relative paths resolve (default: {@link invocationDir}). */
  cwd?: string;
}

/** The CLI's version, from its package.json (read once, when the program is built). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

/**
 * Runs `skein` with `argv` (as `process.argv`: node, script, args...) and resolves to the exit
 * code: 0 ok, 1 failure, 2 usage error. Never throws and never calls `process.exit`.
 *
 * Each command's module (and the store, SQLite, tables, progress bars) is imported only when
 * that command runs, so `--help` and argument errors cost almost nothing.
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? processOutput(env);
  const now = options.now ?? Date.now;
  const cwd = options.cwd ?? invocationDir(env);
  let where = resolveHome(undefined, env, cwd);
  const context = (common: CommonOptions): CommandContext => {
    const home = resolveHome(common.home, env, cwd);
    where = home;
    // Set before parsing, so a bad --store is still reported against the home it replaced.
    const store = parseStoreLocation(common, env, cwd);
    where = describeLocation(store);
    return { home: store.kind === "local" ? store.home : home, store, where, out, now, cwd, codexSync: codexSyncSetting(common, env) };
  };
  const program = createProgram(context, out);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    const report = describeError(error, where);
    out.error(`${out.colors.red("error:")} ${report.message}`);
    if (argv.includes("--debug") || env["SKEIN_DEBUG"] === "1") out.error(debugTrace(error));
    return report.exitCode;
  }
}

/** Help and version exit 0; every other parse failure is a usage error (2). */
function commanderExitCode(error: CommanderError): number {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
  return 2;
}

const positiveInt = (max: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  return n;
};

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(",").map((part) => part.trim()).filter(Boolean),
];

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`;
}

/** Builds the command tree. Actions import their implementation lazily. */
export function createProgram(context: (common: CommonOptions) => CommandContext, out: Output): Command {
  const program = new Command("skein")
    .description("Browse, search and manage agent threads in a Codex-compatible home (JSONL rollouts + SQLite index).")
    .version(cliVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => out.line(text.replace(/\n$/, "")),
      writeErr: (text) => out.error(text.replace(/\n$/, "")),
      outputError: (text, write) => write(out.colors.red(text)),
    })
    .showHelpAfterError("(run the command with --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .option("--home <dir>", "the local home to work on (default: $SKEIN_HOME, $CODEX_HOME or ~/.codex)")
    .option("--store <url|dir>", "the store: a postgres://… URL (?schema=NAME) or a home directory (default: $SKEIN_STORE, else the home)")
    .option("--debug", "print stack traces on failure")
    .option("--no-codex-sync", "leave Codex's own index (state_5.sqlite) alone when changing threads (also: SKEIN_CODEX_SYNC=0)")
    .addHelpText(
      "after",
      `\nStore: --store URL|DIR, else $SKEIN_STORE, else the home: --home DIR, else $SKEIN_HOME, else $CODEX_HOME, else ~/.codex.\n` +
        `Options before or after the command: skein --home DIR list = skein list --home DIR.\nExit codes: 0 ok, 1 failure, 2 usage error.\n` +
        examples("skein demo", "skein list", "skein show 'my thread' --items", "skein doctor"),
    );

  const command = (nameAndArgs: string, description: string): Command => program.command(nameAndArgs).description(description);
  // Global options are parsed by the program wherever they appear, so commands read them there.
  const ctx = (): CommandContext => context(program.opts<CommonOptions>());

  command("list", "list threads, most recently updated first")
    .option("--archived", "list archived threads instead of active ones")
    .option("--cwd <dir>", "only threads started in DIR (repeatable)", collect)
    .option("--source <source>", "only threads from SOURCE: cli, vscode, exec, mcp, ... (repeatable; default: all)", collect)
    .option("--provider <provider>", "only threads of this model provider (repeatable)", collect)
    .addOption(new Option("--sort <key>", "sort key").choices(["created", "updated", "recency"]).default("updated"))
    .option("--asc", "oldest first")
    .option("--limit <n>", "threads per page (1-1000)", positiveInt(1000), 50)
    .option("--cursor <cursor>", "continue a previous listing (same options) from its nextCursor")
    .option("--all", "follow every page")
    .option("--json", "print JSON: {items, nextCursor}")
    .addHelpText("after", examples("skein list", "skein list --archived", "skein list --source exec --json", "skein list --cwd . --limit 10"))
    .action(async (options) => {
      const { listCommand } = await import("./commands/list.js");
      await listCommand(ctx(), options);
    });

  command("show", "show one thread; --items adds its full history")
    .argument("<id|name>", "a thread id, or a name (the most recently updated thread with that name)")
    .option("--items", "include the history (a paginated fork starts with its parent's prefix)")
    .option("--at <n>", "open the history at item N (as `skein search` and `--items` number them): N with the items around it", positiveInt(Number.MAX_SAFE_INTEGER))
    .option("--json", "print JSON")
    .option("--no-pager", "never page (default on a terminal: $SKEIN_PAGER, else $PAGER, else less -R, for output taller than the screen)")
    .addOption(new Option("--format <format>", "print the conversation as a document: markdown, html (one self-contained page) or json").choices(["markdown", "html", "json"]))
    .addHelpText("after", examples("skein show 019a2c4e-0000-7000-8000-000000000000", "skein show 'release notes' --items", "skein show my-thread --items --json"))
    .action(async (ref: string, options) => {
      const { showCommand } = await import("./commands/show.js");
      await showCommand(ctx(), ref, options);
    });

  command("search", "find threads by what was said in them: name, user and assistant messages (best first)")
    .argument("<term>", 'words (all in one message; 3+ letters match as a prefix), "a phrase", prefix*')
    .option("--archived", "search archived threads instead")
    .option("--tools", "also match tool calls and their outputs")
    // Not a commander choice list: shell completion keys choices by flag, and list's --sort has others.
    .option("--sort <key>", "order: relevance (default), or updated (last update first)")
    .option("--cwd <dir>", "only threads started in DIR (repeatable)", collect)
    .option("--source <source>", "only threads from SOURCE (repeatable)", collect)
    .option("--provider <provider>", "only threads of this model provider (repeatable)", collect)
    .option("--limit <n>", "threads to show (1-1000)", positiveInt(1000), 20)
    .option("--hits <n>", "places shown per thread (1-100)", positiveInt(100), 3)
    .option("--cursor <cursor>", "continue a previous search (same options) from its nextCursor")
    .option("--json", "print JSON: {items: [{...thread, snippet, score, matches: [{role, position, item, turnId, at, text, highlights, snippet}]}], nextCursor}")
    .addHelpText("after", examples("skein search 'flaky test'", 'skein search \'"eviction policy"\' --sort updated', "skein search pnpm --tools --cwd .", "skein search migration --json"))
    .action(async (term: string, options) => {
      const { searchCommand } = await import("./commands/search.js");
      await searchCommand(ctx(), term, options);
    });

  command("rename", "set a thread's name (an empty name clears it)")
    .argument("<id|name>", "the thread")
    .argument("<new-name>", "its new name")
    .addHelpText("after", examples("skein rename 019a2c4e-0000-7000-8000-000000000000 'release notes'", "skein rename 'release notes' 'release 1.2 notes'"))
    .action(async (ref: string, newName: string) => {
      const { renameCommand } = await import("./commands/rename.js");
      await renameCommand(ctx(), ref, newName);
    });

  command("archive", "move a thread to archived_sessions/")
    .argument("<id|name>", "the thread")
    .addHelpText("after", examples("skein archive 'old experiment'"))
    .action(async (ref: string) => {
      const { archiveCommand } = await import("./commands/archive.js");
      await archiveCommand(ctx(), ref);
    });

  command("unarchive", "move an archived thread back to sessions/")
    .argument("<id|name>", "the thread")
    .addHelpText("after", examples("skein unarchive 'old experiment'"))
    .action(async (ref: string) => {
      const { unarchiveCommand } = await import("./commands/archive.js");
      await unarchiveCommand(ctx(), ref);
    });

  command("delete", "move a thread to the trash (skein trash restore brings it back); --permanent deletes it for good (needs --yes)")
    .argument("<id|name>", "the thread")
    .option("-y, --yes", "really delete")
    .option("--permanent", "delete for good instead of moving to the trash")
    .addHelpText("after", examples("skein delete 'scratch' --yes"))
    .action(async (ref: string, options) => {
      const { deleteCommand } = await import("./commands/delete.js");
      await deleteCommand(ctx(), ref, options);
    });

  command("fork", "copy a thread's history into a new thread and print the new id")
    .argument("<id|name>", "the thread to fork")
    .option("--name <name>", "name of the new thread")
    .addHelpText("after", examples("skein fork 'release notes' --name 'release notes, take 2'", "id=$(skein fork my-thread)"))
    .action(async (ref: string, options) => {
      const { forkCommand } = await import("./commands/fork.js");
      await forkCommand(ctx(), ref, options);
    });

  command("reindex", "bring the index up to date with the rollout files")
    .option("--full", "re-read every file, not only changed ones")
    .addHelpText("after", examples("skein reindex", "skein reindex --full --home ./copy-of-codex-home"))
    .action(async (options) => {
      const { reindexCommand } = await import("./commands/reindex.js");
      await reindexCommand(ctx(), options);
    });

  command("doctor", "check the home: index vs files, torn tails, unreadable lines, locks, DB health, and Codex's index")
    .option("--json", "print the report as JSON")
    .option("--fix", "repair Codex's index (state_5.sqlite) after backing it up to .skein/codex-backups/, and remove temp files a killed compress left")
    .addHelpText(
      "after",
      `${examples("skein doctor", "skein doctor --json", "skein doctor --fix")}\nExits 1 when something is wrong; each problem comes with its fix.\n`,
    )
    .action(async (options) => {
      const { doctorCommand } = await import("./commands/doctor.js");
      await doctorCommand(ctx(), options);
    });

  command("export", "copy threads from this store to another (a postgres URL or a home directory)")
    .argument("[id|name...]", "threads to copy (default: all, archived included); a paginated fork brings its parents")
    .requiredOption("--to <url|dir>", "the target store: postgres://… or a home directory (created when missing)")
    .addHelpText(
      "after",
      `${examples("skein export --to postgres://me@db/skein", "skein export --to ./backup-home 'release notes'", "skein --store postgres://me@db/skein export --to ~/.codex")}\n` +
        "Threads the target already has are skipped, never overwritten: rerun after a failure.\n",
    )
    .action(async (refs: string[], options: { to: string }) => {
      const { copyCommand } = await import("./commands/copy.js");
      await copyCommand(ctx(), "export", refs, options);
    });

  command("import", "copy threads from another store (a postgres URL or a home directory) into this one")
    .argument("[id|name...]", "threads to copy (default: all, archived included); a paginated fork brings its parents")
    .requiredOption("--from <url|dir>", "the source store: postgres://… or a home directory")
    .addHelpText(
      "after",
      `${examples("skein import --from postgres://me@db/skein", "skein --home ./fresh import --from postgres://me@db/skein 'release notes'")}\n` +
        "Threads this store already has are skipped, never overwritten: rerun after a failure.\n",
    )
    .action(async (refs: string[], options: { from: string }) => {
      const { copyCommand } = await import("./commands/copy.js");
      await copyCommand(ctx(), "import", refs, options);
    });

  command("serve", "browse the store in a web page on this machine (prints its URL)")
    .option("--port <n>", "port to listen on (default: any free port)", positiveInt(65535))
    .option("--host <host>", "address to listen on (default 127.0.0.1; anything else is reachable from other machines)")
    .option("--open", "open the page in the default browser")
    .addHelpText("after", examples("skein serve", "skein serve --port 8080 --open", "skein serve --store postgres://me@db/skein"))
    .action(async (options) => {
      const { serveCommand } = await import("./commands/serve.js");
      await serveCommand(ctx(), options);
    });

  command("demo", "run a scripted two-turn agent session with a tool, resume it, fork it, rename it, list")
    .option("--serve", "end by serving the demo home in the web viewer (default when stdout is a terminal)")
    .option("--no-serve", "do not serve at the end")
    .addHelpText(
      "after",
      `${examples("skein demo", "skein demo --home /tmp/skein-demo && skein list --home /tmp/skein-demo", "skein demo --model-url http://127.0.0.1:8080/v1 --model gpt-5")}\n` +
        "Runs on --home DIR (or a local --store DIR), else on a fresh temporary directory; $SKEIN_HOME and $SKEIN_STORE are not used.\n" +
        "With --model-url the turns go to that Responses-API server ($OPENAI_API_KEY is sent when set); else a scripted model answers, offline.\n",
    )
    .option("--model-url <url>", "a Responses-API base URL (OpenAI or compatible) to run the turns against")
    .option("--model <name>", "the model to ask at --model-url (default gpt-5)")
    .action(async (options: { modelUrl?: string; model?: string; serve?: boolean }) => {
      if (options.model !== undefined && options.modelUrl === undefined) throw new UsageError("--model needs --model-url (offline, the scripted model answers)");
      const { demoCommand } = await import("./commands/demo.js");
      const common = program.opts<CommonOptions>();
      const context = ctx();
      if (common.store !== undefined) assertLocalStore(context.store, "demo", "it shows the JSONL files of a home");
      const home = common.store === undefined && common.home === undefined ? undefined : context.home;
      await demoCommand({ out: context.out, now: context.now, home, ...(options.modelUrl !== undefined && { modelUrl: options.modelUrl }), ...(options.model !== undefined && { modelName: options.model }), serve: options.serve ?? process.stdout.isTTY === true });
    });

  registerStorageCommands(program, ctx);

  command("completion", "print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .addHelpText("after", COMPLETION_INSTALL_HELP)
    .action(async (shell: "bash" | "zsh" | "fish") => {
      const { completionCommand } = await import("./commands/completion.js");
      completionCommand(program, shell, out);
    });

  // Called by the completion scripts: thread names and ids, read the lean way.
  program
    .command("__complete <kind> [prefix]", { hidden: true })
    .action(async (kind: string, prefix: string | undefined) => {
      const { completeCommand } = await import("./commands/completion.js");
      await completeCommand(ctx(), kind, prefix ?? "");
    });

  return program;
}
