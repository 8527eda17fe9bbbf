import type { Output } from "./output.js";

/** What every command receives: the resolved home, where to write, and a clock. */
export interface CommandContext {
  /** Absolute path of the home the command works on. */
  home: string;
  out: Output;
  /** Epoch ms; injected so output with ages is testable. */
  now: () => number;
}
