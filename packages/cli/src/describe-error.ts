import { isCliError, type ExitCode } from "./errors.js";

/** What the CLI prints for a failure, and how it exits. */
export interface ErrorReport {
  message: string;
  exitCode: ExitCode;
}

interface CodedError extends Error {
  code?: unknown;
  holder?: unknown;
  detail?: unknown;
}

/**
 * Turns any failure into one friendly line: CLI errors as they are, typed store errors with
 * what to do next, anything else with a hint to rerun with `--debug`. Stack traces are the
 * caller's business (only with `--debug`).
 */
export function describeError(error: unknown, home: string): ErrorReport {
  if (isCliError(error)) return { message: error.message, exitCode: error.exitCode };
  if (!(error instanceof Error)) return { message: `unexpected failure: ${String(error)}`, exitCode: 1 };
  const coded = error as CodedError;
  switch (coded.code) {
    case "thread_not_found":
      return {
        message: `${error.message} in ${home}; run \`skein list\` (add --archived for archived threads) to see what is there`,
        exitCode: 1,
      };
    case "conflict": {
      // The store usually names the holder itself; add it only when the message lacks it.
      const holder = typeof coded.holder === "string" && !error.message.includes(coded.holder) ? ` (held by ${coded.holder})` : "";
      return {
        message: `${error.message}${holder}; another process is writing this thread: wait for it to finish or stop it, then retry`,
        exitCode: 1,
      };
    }
    case "invalid_request":
      return { message: `${error.message}; check the command's arguments (\`skein <command> --help\`)`, exitCode: 1 };
    case "unsupported":
      return { message: `${error.message}; this store cannot do that yet`, exitCode: 1 };
    case "internal":
      return {
        message: `${error.message}; run \`skein doctor\` to check ${home} (add --debug for details)`,
        exitCode: 1,
      };
    default:
      return { message: `${error.message} (rerun with --debug for details)`, exitCode: 1 };
  }
}

/** The error's stack followed by its causes' stacks, for `--debug`. */
export function debugTrace(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push("caused by:");
  }
  return parts.join("\n");
}
