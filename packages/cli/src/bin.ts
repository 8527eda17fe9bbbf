#!/usr/bin/env node
// Kept tiny on purpose: every command module is imported lazily by the program.
import { run } from "./program.js";

process.exitCode = await run(process.argv);
