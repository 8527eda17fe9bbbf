export { run, createProgram, cliVersion, type RunOptions } from "./program.js";
export { resolveHome, HOME_ENV_VARS } from "./home.js";
export { processOutput, DEFAULT_WIDTH, type Output, type Colors } from "./output.js";
export type { CommandContext } from "./context.js";
export { resolveThread, looksLikeThreadId, type ResolveThreadOptions } from "./resolve-thread.js";
export { describeError, debugTrace, type ErrorReport } from "./describe-error.js";
export { toThreadJson, toThreadDetailJson, isoTime, type ThreadJson } from "./format/thread-json.js";
export { renderThreadTable, type ThreadTableOptions } from "./format/thread-table.js";
export { formatAge } from "./format/format-age.js";
export { truncate } from "./format/truncate.js";
export { formatReindexSummary } from "./commands/reindex.js";
export {
  CliError,
  type CliErrorCode,
  type ExitCode,
  UsageError,
  InvalidCursorOptionError,
  ConfirmationRequiredError,
  ThreadRefNotFoundError,
  HomeNotFoundError,
  UnhealthyHomeError,
  isCliError,
  quoteArg,
} from "./errors.js";
