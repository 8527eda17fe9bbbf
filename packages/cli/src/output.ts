import pc from "picocolors";
import { pagerCommand } from "./pager.js";

/** Where a command writes, and how: colours and width follow the terminal. */
export interface Output {
  /** Writes a line (a newline is added) to stdout. */
  line(text?: string): void;
  /** Writes a line to stderr. */
  error(text: string): void;
  /** Colour helpers; identity functions when colour is off. */
  readonly colors: Colors;
  /** Columns available for a line on stdout. */
  readonly width: number;
  /** True when stderr is a terminal (progress bars go there). */
  readonly interactiveStderr: boolean;
  /** The pager for long output (`$SKEIN_PAGER`, `$PAGER`, else `less -R`) when stdout is a terminal; never when it is piped. */
  readonly pager?: string | undefined;
  /** Lines the terminal shows at once (output shorter than this is not paged). */
  readonly height: number;
}

/** The colour helpers the CLI uses. */
export type Colors = Pick<ReturnType<typeof pc.createColors>, "bold" | "dim" | "red" | "green" | "yellow" | "cyan">;

/** Width used when stdout is not a terminal and `$COLUMNS` is not set. */
export const DEFAULT_WIDTH = 120;

/**
 * The process's output. Colour is on only when stdout is a terminal and `NO_COLOR` is unset
 * (`FORCE_COLOR` forces it), as https://no-color.org asks.
 */
export function processOutput(env: Readonly<Record<string, string | undefined>> = process.env): Output {
  const isTty = process.stdout.isTTY === true;
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
  const force = env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0";
  const colors = pc.createColors(!noColor && (force || isTty));
  const fromEnv = Number.parseInt(env["COLUMNS"] ?? "", 10);
  const width = isTty && process.stdout.columns ? process.stdout.columns : Number.isFinite(fromEnv) && fromEnv > 20 ? fromEnv : DEFAULT_WIDTH;
  return {
    line: (text = "") => void process.stdout.write(`${text}\n`),
    error: (text) => void process.stderr.write(`${text}\n`),
    colors,
    width,
    interactiveStderr: process.stderr.isTTY === true,
    pager: isTty ? pagerCommand(env) : undefined,
    height: isTty && process.stdout.rows ? process.stdout.rows : Number.POSITIVE_INFINITY,
  };
}
