import type { CommandSpec, CompletionSpec, OptionSpec } from "./spec.js";

/** A word for a POSIX-like shell script (bash, zsh): single-quoted unless plainly safe. */
export function shWord(text: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Thread-argument positions of a command in the form the scripts test: `"0"`, `"0 1"`, `"0+"` (from 0 on). */
export function threadPositions(command: CommandSpec): string {
  const { positions, variadicFrom } = command.threadArgs;
  return [...positions.map(String), ...(variadicFrom === undefined ? [] : [`${variadicFrom}+`])].join(" ");
}

/** Options that take a value, grouped by what the shell completes for it. */
export function optionValueGroups(spec: CompletionSpec): { directory: string[]; choices: Map<string, string[]>; other: string[] } {
  const all: OptionSpec[] = [...spec.globalOptions, ...spec.commands.flatMap((command) => command.options)];
  const directory = new Set<string>();
  const choices = new Map<string, string[]>();
  const other = new Set<string>();
  for (const option of all.filter((candidate) => candidate.takesValue)) {
    for (const flag of option.flags) {
      if (option.choices.length > 0) choices.set(flag, option.choices);
      else if (option.directory) directory.add(flag);
      else other.add(flag);
    }
  }
  return { directory: [...directory].sort(), choices, other: [...other].filter((flag) => !directory.has(flag) && !choices.has(flag)).sort() };
}

/** The flags that say which store the thread candidates come from (passed on to `skein __complete`). */
export const LOCATION_FLAGS = ["--home", "--store"] as const;
