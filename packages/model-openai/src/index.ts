export { OpenAIResponsesModel } from "./openai-responses-model.js";
export {
  type OpenAIResponsesModelOptions,
  type ReasoningOptions,
  type ResolvedClientSettings,
  resolveClientSettings,
  OPENAI_BASE_URL,
  PLACEHOLDER_API_KEY,
} from "./options.js";
export { readResponseStream, readResponse, toModelUsage } from "./response-reader.js";
export { ModelOpenAIError, type ModelOpenAIErrorCode, ModelConfigError, ModelResponseError, isModelOpenAIError } from "./errors.js";
