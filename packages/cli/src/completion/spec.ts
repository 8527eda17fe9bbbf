import type { Command, Option } from "commander";

// Design: docs/cli-completion.md.

/** One option as a shell completes it. */
export interface OptionSpec {
  /** Every spelling: `--limit`, `-y`, `--yes`. */
  flags: string[];
  description: string;
  /** Whether the next word is the option's value. */
  takesValue: boolean;
  /** The values it allows, when it lists them (`--sort created|updated|recency`). */
  choices: string[];
  /** The value is a directory (or a URL, typed by hand): the shell completes directories. */
  directory: boolean;
}

/** One command as a shell completes it. */
export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Positions (0-based, among the command's arguments) that take a thread id or name; `variadicFrom` covers all later ones. */
  threadArgs: { positions: number[]; variadicFrom?: number };
}

/** Everything the completion scripts know, read from the program so they never fall out of date. */
export interface CompletionSpec {
  program: string;
  commands: CommandSpec[];
  globalOptions: OptionSpec[];
}

/** The argument name that means "a thread id or name" (`<id|name>`, `[id|name...]`). */
const THREAD_ARGUMENT = "id|name";

/** Reads the visible commands, their options and arguments, and the global options of `program`. */
export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const globalOptions = optionSpecs(help.visibleOptions(program));
  const globalFlags = new Set(globalOptions.flatMap((option) => option.flags));
  const commands = help
    .visibleCommands(program)
    .map((command): CommandSpec => {
      const threadArgs: CommandSpec["threadArgs"] = { positions: [] };
      command.registeredArguments.forEach((argument, index) => {
        if (argument.name() !== THREAD_ARGUMENT) return;
        if (argument.variadic) threadArgs.variadicFrom = index;
        else threadArgs.positions.push(index);
      });
      return { name: command.name(), description: command.description(), options: ownOptions(help.visibleOptions(command), globalFlags), threadArgs };
    });
  return { program: program.name(), commands, globalOptions };
}

/** A command's options, without those the program already has (each command's own `--help`). */
function ownOptions(options: readonly Option[], globalFlags: ReadonlySet<string>): OptionSpec[] {
  return optionSpecs(options).filter((option) => !option.flags.every((flag) => globalFlags.has(flag)));
}

function optionSpecs(options: readonly Option[]): OptionSpec[] {
  return options.map((option) => ({
    flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ? [...option.argChoices] : [],
    directory: /<[^>]*dir[^>]*>/.test(option.flags),
  }));
}
