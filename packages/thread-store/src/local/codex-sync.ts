import type { CodexSyncReport } from "../codex-index/codex-index-sync.js";
import type { LocalStoreContext } from "./store-context.js";

// The store's side of the Codex index sync: run after Skein's own change is complete (files
// first, Skein's index second, Codex's index last), and only when enabled. A sync never fails
// the operation: its report goes to `onCodexSync`, and `skein doctor --fix` repairs whatever a
// failed or interrupted sync left (docs/codex-home-sync.md).

/** Runs one Codex-index sync when enabled and hands its report to the store's listener. */
export function syncCodexIndex(ctx: LocalStoreContext, sync: () => CodexSyncReport): void {
  if (!ctx.codexSync) return;
  const report = sync();
  if (report.status !== "no-codex-db") ctx.onCodexSync?.(report);
}
