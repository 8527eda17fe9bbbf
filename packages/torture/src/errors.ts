/** Codes of every error the torture harness raises itself. */
export type TortureErrorCode = "invariant_violated" | "worker_failed";

/** Base class of every error the torture harness raises: a finding, never a flaky harness. */
export abstract class TortureError extends Error {
  abstract readonly code: TortureErrorCode;
}

/**
 * A guarantee did not hold after real damage (a kill, concurrent writers, corruption).
 * `invariant` names the guarantee; `detail` says what was seen instead.
 */
export class InvariantViolationError extends TortureError {
  override readonly name = "InvariantViolationError";
  readonly code = "invariant_violated";
  readonly invariant: string;
  readonly detail: string;
  constructor(invariant: string, detail: string, options?: ErrorOptions) {
    super(`invariant violated: ${invariant}: ${detail}`, options);
    this.invariant = invariant;
    this.detail = detail;
  }
}

/** A worker process ended in a way the campaign did not cause (not our SIGKILL), or reported an error. */
export class WorkerFailedError extends TortureError {
  override readonly name = "WorkerFailedError";
  readonly code = "worker_failed";
  readonly worker: string;
  readonly exit: string;
  readonly output: string;
  constructor(worker: string, exit: string, output: string, options?: ErrorOptions) {
    super(`worker ${worker} failed (${exit}): ${output.trim().slice(-2000)}`, options);
    this.worker = worker;
    this.exit = exit;
    this.output = output;
  }
}

/** True for any {@link TortureError}, checked by `code` so it survives duplicate installs. */
export function isTortureError(error: unknown): error is TortureError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === "invariant_violated" || code === "worker_failed");
}
