import { join } from "node:path";

// File names inside a home that several modules need, in a module that loads nothing else
// (the read-only path imports it; docs/cli-startup.md).

/** Where a home's writer locks live (one `<thread id>.lock` per live writer; writer-lock.ts). */
export const LOCKS_SUBDIR = join(".skein", "locks");

/** The default index DB file name inside the home (Codex's `state_5.sqlite` is never touched). */
export const SKEIN_STATE_DB_FILE = "skein_state_1.sqlite";
