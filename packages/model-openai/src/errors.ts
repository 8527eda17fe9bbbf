/** Codes of the errors this package throws. */
export type ModelOpenAIErrorCode = "model_config_invalid" | "model_response_failed";

/** Base class of this package's errors; `isModelOpenAIError` checks the `code`. */
export abstract class ModelOpenAIError extends Error {
  abstract readonly code: ModelOpenAIErrorCode;
}

/** The client cannot be configured (no API key for OpenAI's own endpoint, a bad option). */
export class ModelConfigError extends ModelOpenAIError {
  override readonly name = "ModelConfigError";
  readonly code = "model_config_invalid";
  constructor(detail: string, options?: ErrorOptions) {
    super(`invalid model client configuration: ${detail}`, options);
  }
}

/**
 * A request reached the server but produced no usable response: an HTTP error (after the
 * SDK's retries), a `response.failed`/`response.incomplete`/`error` stream event, a stream that
 * ended or went idle before `response.completed`. `status` is the HTTP status when there was one.
 */
export class ModelResponseError extends ModelOpenAIError {
  override readonly name = "ModelResponseError";
  readonly code = "model_response_failed";
  readonly status: number | undefined;
  constructor(detail: string, options?: ErrorOptions & { status?: number | undefined }) {
    super(`model response failed: ${detail}`, options);
    this.status = options?.status;
  }
}

/** True for any error of this package, even one from another copy of it. */
export function isModelOpenAIError(error: unknown): error is ModelOpenAIError {
  if (error instanceof ModelOpenAIError) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === "model_config_invalid" || code === "model_response_failed";
}
