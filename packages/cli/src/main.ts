// The CLI's entry module. `scripts/bundle.mjs` bundles it into one classic script that
// `dist/bin.js` runs with V8's code cache (docs/cli-startup.md); every command module is still
// imported lazily by the program.
import { run } from "./program.js";

// `skein list | head -1` closes the pipe early; that is the reader's choice, not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

void run(process.argv).then((code) => {
  process.exitCode = code;
});
