// Behaviour: docs/rollout-format.md, "A line": Codex's envelope keys, in this order:
// `timestamp`, `ordinal` (paginated files only), `type`, `payload`, `metadata` (when present).

/**
 * One rollout line (with its `\n`) as a string, built by concatenation: the envelope keys are
 * fixed, so only the payload and metadata go through `JSON.stringify`. Same bytes as
 * stringifying the envelope object; a key whose value stringifies to nothing is left out, as
 * `JSON.stringify` leaves out `undefined`.
 */
export function encodeRolloutLine(timestamp: string, ordinal: number | undefined, type: string, payload: unknown, metadata: unknown): string {
  let line = `{"timestamp":${JSON.stringify(timestamp)}`;
  if (ordinal !== undefined) line += `,"ordinal":${JSON.stringify(ordinal)}`;
  line += `,"type":${JSON.stringify(type)}`;
  const body = JSON.stringify(payload) as string | undefined;
  if (body !== undefined) line += `,"payload":${body}`;
  if (metadata !== undefined) {
    const meta = JSON.stringify(metadata) as string | undefined;
    if (meta !== undefined) line += `,"metadata":${meta}`;
  }
  return `${line}}\n`;
}
