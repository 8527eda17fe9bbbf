// Codex names a compressed rollout `<plain name>.zst`; a plain `.jsonl` hides its compressed
// sibling everywhere (docs/compressed-rollouts.md).

/** The suffix Codex appends to a plain rollout name. */
export const COMPRESSED_ROLLOUT_SUFFIX = ".zst";

/** True for a `…jsonl.zst` path. */
export function isCompressedRolloutPath(path: string): boolean {
  return path.endsWith(".jsonl.zst");
}

/** The plain `.jsonl` path of a plain or compressed rollout path. */
export function plainRolloutPath(path: string): string {
  return isCompressedRolloutPath(path) ? path.slice(0, -COMPRESSED_ROLLOUT_SUFFIX.length) : path;
}

/** The `.jsonl.zst` path of a plain or compressed rollout path. */
export function compressedRolloutPath(path: string): string {
  return isCompressedRolloutPath(path) ? path : `${path}${COMPRESSED_ROLLOUT_SUFFIX}`;
}

/** Both forms of a rollout path, plain first (the one that wins when both exist). */
export function rolloutPathForms(path: string): [plain: string, compressed: string] {
  const plain = plainRolloutPath(path);
  return [plain, compressedRolloutPath(plain)];
}
