import { openForRead, rolloutLineEntry, type RolloutLineEntry } from "./rollout-reader.js";

/** A line read by {@link iterateRolloutLinesBackward}: line numbers are unknown when reading backwards. */
export type ReverseRolloutLineEntry = Omit<RolloutLineEntry, "lineNumber">;

/** Options of {@link iterateRolloutLinesBackward}. */
export interface IterateRolloutLinesBackwardOptions {
  /** Byte to stop before (default: end of file). Lines are read from here towards `start`. */
  end?: number;
  /** First byte of the range (default 0). Should be a line start. */
  start?: number;
}

/** Backward read step: a page of 50 typical lines fits in one or two reads. */
const REVERSE_CHUNK = 256 * 1024;
/** Step for a `.jsonl.zst`: each step behind the decoder's window decodes from the start again. */
const REVERSE_CHUNK_COMPRESSED = 8 << 20;
const NL = 0x0a;

/**
 * Streams a rollout's non-blank lines of `[start, end)` from the last to the first, reading the
 * file backwards in 256 KiB steps, so the tail of a huge file costs a few reads, not a full
 * scan. A fragment after the last `\n` is yielded first (`terminated: false`). Each line is
 * parsed exactly as the forward reader does; bad lines carry `error`.
 * @throws RolloutNotFoundError when the file does not exist.
 */
export async function* iterateRolloutLinesBackward(
  path: string,
  options: IterateRolloutLinesBackwardOptions = {},
): AsyncGenerator<ReverseRolloutLineEntry> {
  const handle = await openForRead(path);
  try {
    const size = handle.size();
    const step = handle.compressed ? REVERSE_CHUNK_COMPRESSED : REVERSE_CHUNK;
    const start = Math.max(0, options.start ?? 0);
    let pos = Math.min(options.end ?? size, size);
    // Bytes after the newest `\n` seen so far: the start of a line whose beginning is still unread.
    let pending: Buffer[] = [];
    let pendingEnd = pos;
    let terminated = false;
    while (pos > start) {
      const length = Math.min(step, pos - start);
      const chunk = Buffer.allocUnsafe(length);
      const bytesRead = await handle.read(chunk, 0, length, pos - length);
      if (bytesRead < length) break; // the file shrank under us: stop rather than guess
      pos -= length;
      let to = length;
      for (let at = chunk.lastIndexOf(NL, to - 1); at !== -1; at = to > 0 ? chunk.lastIndexOf(NL, to - 1) : -1) {
        const piece = chunk.subarray(at + 1, to);
        const bytes = pending.length === 0 ? piece : Buffer.concat([piece, ...pending]);
        pending = [];
        const entry = rolloutLineEntry(bytes, pendingEnd - bytes.length - (terminated ? 1 : 0), terminated, 0);
        if (entry) yield withoutLineNumber(entry);
        pendingEnd = pos + at + 1;
        terminated = true;
        to = at;
      }
      if (to > 0) pending.unshift(chunk.subarray(0, to));
    }
    if (pending.length > 0) {
      const bytes = Buffer.concat(pending);
      const entry = rolloutLineEntry(bytes, pendingEnd - bytes.length - (terminated ? 1 : 0), terminated, 0);
      if (entry) yield withoutLineNumber(entry);
    }
  } finally {
    handle.close();
  }
}

function withoutLineNumber(entry: RolloutLineEntry): ReverseRolloutLineEntry {
  const { lineNumber: _unknown, ...rest } = entry;
  return rest;
}
