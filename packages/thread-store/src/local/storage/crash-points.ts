// Named steps of the storage operations where the torture campaign kills the process
// (docs/storage-care.md, "Crash safety"): with `SKEIN_CRASH_AT=<step>` in the environment the
// process SIGKILLs itself on reaching that step. Unset (always, outside the campaign) it costs one
// property read.

/** Kills the process at `step` when `SKEIN_CRASH_AT` names it. */
export function crashPoint(step: string): void {
  if (process.env["SKEIN_CRASH_AT"] === step) process.kill(process.pid, "SIGKILL");
}
