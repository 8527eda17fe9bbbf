import { RolloutRecorder, type RecordableItem } from "./rollout-recorder.js";

/** Options of {@link appendRolloutItemsToPath}. */
export interface AppendRolloutItemsOptions {
  fsync?: boolean;
  now?: () => number;
}

/**
 * One-shot append to a cold thread's rollout (no live recorder may hold it): same torn-tail
 * and ordinal rules as a resumed {@link RolloutRecorder}.
 * @throws RolloutNotFoundError when the file does not exist.
 * @throws RolloutWriteError when writing fails twice.
 */
export async function appendRolloutItemsToPath(
  path: string,
  items: readonly RecordableItem[],
  options: AppendRolloutItemsOptions = {},
): Promise<void> {
  const recorder = await RolloutRecorder.resume({ path, ...options });
  recorder.record(items);
  await recorder.shutdown();
}
