/** Codes of the failures a benchmark run reports. */
export type BenchErrorCode = "bench_failed" | "bad_arguments";

/** Base class of every error the bench throws. */
export class BenchError extends Error {
  override readonly name: string = "BenchError";
  readonly code: BenchErrorCode = "bench_failed";
}

/** The command line of `run.js` could not be understood. */
export class BenchArgumentsError extends BenchError {
  override readonly name = "BenchArgumentsError";
  override readonly code = "bad_arguments";
  readonly argument: string;
  constructor(argument: string, expected: string) {
    super(`bad argument ${argument}: expected ${expected}`);
    this.argument = argument;
  }
}
