/** Codes of every error the `skein` command reports. */
export type CliErrorCode =
  | "usage"
  | "invalid_cursor"
  | "confirmation_required"
  | "thread_ref_not_found"
  | "home_not_found"
  | "unhealthy_home"
  | "store_unavailable"
  | "copy_failed";

/** Process exit status: 1 = the command failed, 2 = it was called wrongly. */
export type ExitCode = 1 | 2;

/**
 * Base class of every error the CLI raises itself. The message names the thing and says what to
 * do; `exitCode` is what the process exits with.
 */
export abstract class CliError extends Error {
  abstract readonly code: CliErrorCode;
  abstract readonly exitCode: ExitCode;
}

/** The command line is malformed (bad option value, missing argument). Exit 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  readonly code = "usage";
  readonly exitCode = 2;
  readonly detail: string;
  constructor(detail: string, options?: ErrorOptions) {
    super(`${detail} (see \`skein --help\`)`, options);
    this.detail = detail;
  }
}

/**
 * `--cursor` is not a cursor of this listing: it came from other options or another command,
 * or was edited. A usage error (exit 2); `reason` is the store's own explanation.
 */
export class InvalidCursorOptionError extends CliError {
  override readonly name = "InvalidCursorOptionError";
  readonly code = "invalid_cursor";
  readonly exitCode = 2;
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(
      `invalid cursor: --cursor does not belong to this listing (${reason}); rerun without --cursor to start from the first page, and pass a nextCursor only with the options that printed it`,
      options,
    );
    this.reason = reason;
  }
}

/** A destructive command was called without its confirmation flag. Exit 2; nothing was touched. */
export class ConfirmationRequiredError extends CliError {
  override readonly name = "ConfirmationRequiredError";
  readonly code = "confirmation_required";
  readonly exitCode = 2;
  readonly command: string;
  readonly ref: string;
  /** `consequence` says what the confirmed command would do (default: it cannot be undone). */
  constructor(command: string, ref: string, options?: ErrorOptions & { consequence?: string }) {
    super(
      `refusing to ${command} "${ref}" without --yes: ${options?.consequence ?? "it cannot be undone"}; run \`skein ${command} ${quoteArg(ref)} --yes\` to ${command} it`,
      options,
    );
    this.command = command;
    this.ref = ref;
  }
}

/** No thread has the id or name the user gave. Exit 1. */
export class ThreadRefNotFoundError extends CliError {
  override readonly name = "ThreadRefNotFoundError";
  readonly code = "thread_ref_not_found";
  readonly exitCode = 1;
  readonly ref: string;
  readonly home: string;
  readonly kind: "id" | "name";
  constructor(kind: "id" | "name", ref: string, home: string, options?: ErrorOptions) {
    super(
      `no thread ${kind === "id" ? "with id" : "named"} "${ref}" in ${home}; run \`skein list\` (add --archived for archived threads) or \`skein search ${quoteArg(ref)}\` to find it`,
      options,
    );
    this.kind = kind;
    this.ref = ref;
    this.home = home;
  }
}

/** The home directory does not exist. Exit 1. */
export class HomeNotFoundError extends CliError {
  override readonly name = "HomeNotFoundError";
  readonly code = "home_not_found";
  readonly exitCode = 1;
  readonly home: string;
  constructor(home: string, options?: ErrorOptions) {
    super(
      `home ${home} does not exist; pass --home DIR or set SKEIN_HOME (or CODEX_HOME) to a Codex or Skein home`,
      options,
    );
    this.home = home;
  }
}

/** `skein doctor` found problems (already printed). Exit 1. */
export class UnhealthyHomeError extends CliError {
  override readonly name = "UnhealthyHomeError";
  readonly code = "unhealthy_home";
  readonly exitCode = 1;
  readonly home: string;
  readonly problems: number;
  constructor(home: string, problems: number, options?: ErrorOptions) {
    super(`${problems} problem${problems === 1 ? "" : "s"} found in ${home}; apply the listed fixes, then run \`skein doctor\` again`, options);
    this.home = home;
    this.problems = problems;
  }
}

/** The store could not be opened (server down, bad credentials, unknown database). Exit 1. */
export class StoreUnavailableError extends CliError {
  override readonly name = "StoreUnavailableError";
  readonly code = "store_unavailable";
  readonly exitCode = 1;
  /** The store as messages show it (password masked). */
  readonly store: string;
  readonly detail: string;
  constructor(store: string, detail: string, options?: ErrorOptions) {
    super(`cannot open store ${store}: ${detail}; check the URL, that the server is running and reachable, and the credentials`, options);
    this.store = store;
    this.detail = detail;
  }
}

/** `skein export` / `skein import` could not copy some threads (each was reported). Exit 1. */
export class CopyFailedError extends CliError {
  override readonly name = "CopyFailedError";
  readonly code = "copy_failed";
  readonly exitCode = 1;
  readonly failed: number;
  readonly total: number;
  constructor(failed: number, total: number, options?: ErrorOptions) {
    super(`${failed} of ${total} threads could not be copied (see the lines above); fix the cause and run the command again: copied threads are skipped`, options);
    this.failed = failed;
    this.total = total;
  }
}

const CODES = new Set<string>([
  "usage",
  "invalid_cursor",
  "confirmation_required",
  "thread_ref_not_found",
  "home_not_found",
  "unhealthy_home",
  "store_unavailable",
  "copy_failed",
]);

/** True for any CliError, even one from another copy of this package. */
export function isCliError(error: unknown): error is CliError {
  if (error instanceof CliError) return true;
  const code = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === "string" && CODES.has(code);
}

/** Quotes an argument for a shell command the user may copy, only when it needs it. */
export function quoteArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
