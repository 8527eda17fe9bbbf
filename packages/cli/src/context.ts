import type { Output } from "./output.js";
import type { StoreLocation } from "./store-location.js";

/** What every command receives: the store it works on, where to write, and a clock. */
export interface CommandContext {
  /** Absolute path of the local home (`--home`, `$SKEIN_HOME`, …); the store when it is local. */
  home: string;
  /** The store the command works on (`--store` / `$SKEIN_STORE`, else the local home). */
  store: StoreLocation;
  /** How messages name the store: the home path, or the URL with its password masked. */
  where: string;
  out: Output;
  /** Absolute directory relative paths given to the command resolve against: where the user typed it (see `invocationDir`). */
  cwd: string;
  /**
   * Keep Codex's own index (`state_5.sqlite`) in step with Skein's changes. Off with
   * `--no-codex-sync` or `SKEIN_CODEX_SYNC=0` (docs/codex-home-sync.md).
   */
  codexSync: boolean;
  /** Epoch ms; injected so output with ages is testable. */
  now: () => number;
}
