export {
  MockResponsesServer,
  type MockRequest,
  type MockResponsesServerOptions,
  inputItems,
  inputMessages,
  lastUserText,
  offeredToolNames,
} from "./mock-responses-server.js";
export { NetworkSandbox, type NetworkSandboxOptions, type CommandLine } from "./network-sandbox.js";
export { codexConfigToml, type CodexConfigOptions, MOCK_KEY_ENV } from "./codex-config.js";
export { findCodexBinary } from "./codex-binary.js";
export {
  CodexRunner,
  type CodexRunnerOptions,
  type ExecEvent,
  type ExecResult,
  type ResumeTarget,
} from "./codex-runner.js";
export {
  AppServerClient,
  type AppServerClientOptions,
  type AppServerThread,
  type AppServerTurn,
  type AppServerItem,
  type DynamicToolCall,
  type DynamicToolCallResult,
  ALL_THREAD_SOURCE_KINDS,
} from "./app-server-client.js";
export type { ProcessOutput } from "./internal/run-process.js";
export {
  InteropError,
  type InteropErrorCode,
  CodexTimeoutError,
  CodexExitError,
  CodexOutputError,
  JsonRpcError,
  AppServerClosedError,
  NetworkSandboxError,
  CodexBinaryNotFoundError,
  isInteropError,
} from "./errors.js";
export {
  ensureCodexFixtureHomes,
  FIXTURE_HOME_NAMES,
  OLD_CLI_HOME,
  type FixtureHomeName,
  type FixtureHomesMeta,
  type EnsureFixtureHomesOptions,
} from "./fixture-homes/make-homes.js";
export { FIXTURE_LOOKUP_TOOL, FIXTURE_NAMES, type FixtureIds } from "./fixture-homes/scenario.js";
export { withDirectoryLock, type DirectoryLockOptions } from "./fixture-homes/cache-lock.js";
