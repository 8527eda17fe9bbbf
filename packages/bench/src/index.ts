export { createRng, type Rng } from "./rng.js";
export { summarize, quantile, timeRuns, nowMs, type Stats } from "./stats.js";
export { loadTemplates, render, jsonText, type HistoryShape, type Slot, type LineTemplate, type ShapeTemplates } from "./templates.js";
export {
  generateHome,
  generateLargeRollout,
  uuidV7,
  userText,
  type GenerateHomeOptions,
  type GeneratedHome,
  type GeneratedThread,
  type GenerateLargeRolloutOptions,
} from "./generate-home.js";
export { CodexAppServer, findCodexBinary, offlineUnavailableReason, writeOfflineCodexConfig } from "./codex-app-server.js";
export { BenchError, BenchArgumentsError, type BenchErrorCode } from "./errors.js";
export { FULL_SIZES, QUICK_SIZES, atLeast, atMost, type BenchSizes, type BenchContext, type BenchCase, type Figure, type FigureUnit, type SharedHome } from "./bench-context.js";
export { machineInfo, renderMarkdown, renderTable, type BenchReport, type MachineInfo } from "./report.js";
export { seedIndexedHome } from "./cases/list.js";
