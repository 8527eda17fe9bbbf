/** Options of {@link codexConfigToml}. */
export interface CodexConfigOptions {
  /** Port of the mock on 127.0.0.1 (inside Codex's network namespace). */
  readonly port: number;
  /**
   * The model provider id to register the mock under. `codex exec resume` refuses a thread
   * recorded under another provider, so this must match the thread's `model_provider`.
   * Default `mock`. The built-in `openai` cannot be redefined; it is pointed at the mock
   * through `openai_base_url` instead.
   */
  readonly provider?: string;
}

/** The environment variable whose value Codex sends as the bearer token to the mock. */
export const MOCK_KEY_ENV = "MOCK_KEY";

/**
 * The `config.toml` that makes Codex talk only to the mock: plain HTTP + SSE (no websockets),
 * no retries, no analytics, no update check, uncompressed request bodies.
 */
export function codexConfigToml(options: CodexConfigOptions): string {
  // Behaviour: docs/codex-interop.md, "Pointing Codex at a mock" (and its note on resuming
  // under the openai provider).
  const provider = options.provider ?? "mock";
  const baseUrl = `http://127.0.0.1:${options.port}/v1`;
  const lines = [
    `model = "mock-model"`,
    `model_provider = ${tomlString(provider)}`,
    `approval_policy = "never"`,
    `sandbox_mode = "danger-full-access"`,
    `check_for_update_on_startup = false`,
  ];
  if (provider === "openai") {
    lines.push(`openai_base_url = ${tomlString(baseUrl)}`);
  } else {
    lines.push(
      "",
      `[model_providers.${tomlString(provider)}]`,
      `name = ${tomlString(provider)}`,
      `base_url = ${tomlString(baseUrl)}`,
      `wire_api = "responses"`,
      `env_key = "${MOCK_KEY_ENV}"`,
      `supports_websockets = false`,
      `request_max_retries = 0`,
      `stream_max_retries = 0`,
    );
  }
  lines.push("", "[analytics]", "enabled = false", "", "[features]", "enable_request_compression = false", "");
  return lines.join("\n");
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}
