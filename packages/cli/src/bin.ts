#!/usr/bin/env node
// Kept tiny on purpose: every command module is imported lazily by the program.
import { run } from "./program.js";

// `skein list | head -1` closes the pipe early; that is the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await run(process.argv);
