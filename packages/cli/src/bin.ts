#!/usr/bin/env node
// Running from the sources (tsc's dist/bin.js before bundling): the plain module graph.
// `scripts/bundle.mjs` replaces the built file with scripts/bin-loader.mjs (docs/cli-startup.md).
import "./main.js";
