/** Stable machine-readable codes of every error `@skein/interop` throws. */
export type InteropErrorCode =
  | "codex_timeout"
  | "codex_exit"
  | "codex_output"
  | "json_rpc"
  | "app_server_closed"
  | "network_sandbox"
  | "codex_binary_not_found";

/** Base class of every error the interop harness throws. */
export abstract class InteropError extends Error {
  abstract readonly code: InteropErrorCode;
}

/** A Codex process outlived its deadline; its whole process group was killed. */
export class CodexTimeoutError extends InteropError {
  override readonly name = "CodexTimeoutError";
  readonly code = "codex_timeout";
  readonly command: string;
  readonly timeoutMs: number;
  constructor(command: string, timeoutMs: number, options?: ErrorOptions) {
    super(`codex ${command} timed out after ${timeoutMs} ms`, options);
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/** A Codex process exited with a non-zero status. The message carries the tail of its stderr. */
export class CodexExitError extends InteropError {
  override readonly name = "CodexExitError";
  readonly code = "codex_exit";
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    fields: { command: string; exitCode: number | null; signal: string | null; stdout: string; stderr: string },
    options?: ErrorOptions,
  ) {
    const status = fields.signal === null ? `exit code ${fields.exitCode}` : `signal ${fields.signal}`;
    super(`codex ${fields.command} failed with ${status}: ${tail(fields.stderr || fields.stdout)}`, options);
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
  }
}

/** Codex succeeded but printed something the harness could not understand (e.g. no thread id). */
export class CodexOutputError extends InteropError {
  override readonly name = "CodexOutputError";
  readonly code = "codex_output";
  readonly command: string;
  readonly detail: string;
  constructor(command: string, detail: string, options?: ErrorOptions) {
    super(`unexpected output from codex ${command}: ${detail}`, options);
    this.command = command;
    this.detail = detail;
  }
}

/** The app-server answered a JSON-RPC request with an error object. */
export class JsonRpcError extends InteropError {
  override readonly name = "JsonRpcError";
  readonly code = "json_rpc";
  readonly method: string;
  readonly rpcCode: number | undefined;
  readonly rpcMessage: string;
  readonly data: unknown;
  constructor(method: string, error: { code?: number; message?: string; data?: unknown }, options?: ErrorOptions) {
    super(`app-server ${method} failed: ${error.message ?? "unknown error"} (code ${error.code ?? "none"})`, options);
    this.method = method;
    this.rpcCode = error.code;
    this.rpcMessage = error.message ?? "";
    this.data = error.data;
  }
}

/** The app-server process exited (or was closed) while a request or wait was still pending. */
export class AppServerClosedError extends InteropError {
  override readonly name = "AppServerClosedError";
  readonly code = "app_server_closed";
  readonly pending: string;
  constructor(pending: string, options?: ErrorOptions) {
    super(`codex app-server closed while waiting for ${pending}`, options);
    this.pending = pending;
  }
}

/** The loopback-only network namespace could not be set up. */
export class NetworkSandboxError extends InteropError {
  override readonly name = "NetworkSandboxError";
  readonly code = "network_sandbox";
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(`cannot create a loopback-only network namespace: ${reason}`, options);
    this.reason = reason;
  }
}

/** The real Codex binary from `@openai/codex` could not be located. */
export class CodexBinaryNotFoundError extends InteropError {
  override readonly name = "CodexBinaryNotFoundError";
  readonly code = "codex_binary_not_found";
  readonly searched: string;
  constructor(searched: string, options?: ErrorOptions) {
    super(`codex binary not found (searched ${searched})`, options);
    this.searched = searched;
  }
}

const INTEROP_ERROR_CODES: ReadonlySet<string> = new Set<InteropErrorCode>([
  "codex_timeout",
  "codex_exit",
  "codex_output",
  "json_rpc",
  "app_server_closed",
  "network_sandbox",
  "codex_binary_not_found",
]);

/** True for any error thrown by this package, even from a second installed copy of it. */
export function isInteropError(value: unknown): value is InteropError {
  if (value instanceof InteropError) return true;
  const code: unknown = value instanceof Error ? (value as unknown as { code?: unknown }).code : undefined;
  return typeof code === "string" && INTEROP_ERROR_CODES.has(code);
}

// Keeps messages readable: Codex prints long warnings before the line that matters.
function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= 600 ? trimmed : `…${trimmed.slice(-600)}`;
}
