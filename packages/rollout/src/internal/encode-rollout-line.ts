// Behaviour: docs/rollout-format.md, "A line": Codex's envelope keys, in this order:
// `timestamp`, `ordinal` (paginated files only), `type`, `payload`, `metadata` (when present).

/**
 * One rollout line (with its `\n`) as a string, built by concatenation: the envelope keys are
 * fixed, so only the payload and metadata go through `JSON.stringify`. Same bytes as
 * stringifying the envelope object; a key whose value stringifies to nothing is left out, as
 * `JSON.stringify` leaves out `undefined`.
 */
export function encodeRolloutLine(timestamp: string, ordinal: number | undefined, type: string, payload: unknown, metadata: unknown): string {
  const meta = metadata === undefined ? undefined : (JSON.stringify(metadata) as string | undefined);
  return encodeRolloutLineText(timestamp, ordinal, type, JSON.stringify(payload) as string | undefined, meta);
}

/**
 * The same line from a payload (and metadata) already printed by `JSON.stringify` (a raw item's
 * checked `payloadJson`): the text goes in as-is, so both paths write the same bytes.
 */
export function encodeRolloutLineText(timestamp: string, ordinal: number | undefined, type: string, payloadJson: string | undefined, metadataJson?: string): string {
  let line = `{"timestamp":${JSON.stringify(timestamp)}`;
  if (ordinal !== undefined) line += `,"ordinal":${JSON.stringify(ordinal)}`;
  line += `,"type":${JSON.stringify(type)}`;
  if (payloadJson !== undefined) line += `,"payload":${payloadJson}`;
  if (metadataJson !== undefined) line += `,"metadata":${metadataJson}`;
  return `${line}}\n`;
}
