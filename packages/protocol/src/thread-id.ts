import { z } from "zod";
import { UUID_RE } from "./thread-id-format.js";

// The zod-free half lives in thread-id-format.ts (the package index exports it from there).

/**
 * A thread id: a UUID string (any version; Codex writes v7, very old files v4).
 * Validated before any filesystem lookup, so an id can never carry a path.
 */
export const ThreadId = z.string().regex(UUID_RE, "expected a UUID thread id");
export type ThreadId = z.infer<typeof ThreadId>;
