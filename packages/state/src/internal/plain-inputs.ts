import { IndexedFileInput } from "../indexed-file.js";
import { ThreadMessagesInput } from "../thread-messages.js";
import { parseArgument } from "./parse-argument.js";

// Validation of the bulk inputs of a reindex (docs/state-index.md, "Cold builds"): a cold build
// of 10k threads hands over 10k file records and ~60k messages, and running their zod schemas
// cost ~0.1-0.3 s of the writing thread. An input whose fields are all plainly valid is taken
// as it is; anything else goes to the schema, which gives the verdict and the error as before.
// The plain checks are stricter than the schemas, never looser.

const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown) => typeof v === "string" && v.length > 0;
const optionalString = (v: unknown) => v === undefined || typeof v === "string";

const FILE_KEYS = new Set(["path", "threadId", "size", "mtimeMs", "byteOffset", "indexedAtMs", "status", "error"]);
const MESSAGES_KEYS = new Set(["threadId", "mode", "messages", "rolloutPath", "byteOffset", "itemCount", "turnId"]);
const MESSAGE_KEYS = new Set(["position", "turnId", "role", "atMs", "text"]);

function onlyKeys(value: object, keys: ReadonlySet<string>): boolean {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

function plainFile(f: Record<string, unknown>): boolean {
  return (
    isText(f["path"]) && optionalString(f["threadId"]) && isCount(f["size"]) && isCount(f["mtimeMs"]) && isCount(f["byteOffset"]) &&
    (f["indexedAtMs"] === undefined || isCount(f["indexedAtMs"])) &&
    (f["status"] === "indexed" || f["status"] === "partial" || f["status"] === "failed") && optionalString(f["error"]) && onlyKeys(f, FILE_KEYS)
  );
}

function plainMessage(m: Record<string, unknown>): boolean {
  const role = m["role"];
  return (
    isCount(m["position"]) && optionalString(m["turnId"]) && (role === "user" || role === "assistant" || role === "tool") &&
    (m["atMs"] === undefined || (typeof m["atMs"] === "number" && Number.isSafeInteger(m["atMs"]))) && typeof m["text"] === "string" && onlyKeys(m, MESSAGE_KEYS)
  );
}

function plainMessages(x: Record<string, unknown>): boolean {
  const list = x["messages"];
  if (!Array.isArray(list)) return false;
  for (const m of list) if (typeof m !== "object" || m === null || Array.isArray(m) || !plainMessage(m as Record<string, unknown>)) return false;
  return (
    isText(x["threadId"]) && (x["mode"] === "replace" || x["mode"] === "append") && isText(x["rolloutPath"]) && isCount(x["byteOffset"]) &&
    isCount(x["itemCount"]) && optionalString(x["turnId"]) && onlyKeys(x, MESSAGES_KEYS)
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A file record, validated (see the file comment). @throws InvalidArgumentError */
export function parseFileInput(value: unknown): IndexedFileInput {
  return isRecord(value) && plainFile(value) ? (value as IndexedFileInput) : parseArgument(IndexedFileInput, value, "indexed file record");
}

/** One thread's messages, validated (see the file comment). @throws InvalidArgumentError */
export function parseMessagesInput(value: unknown): ThreadMessagesInput {
  return isRecord(value) && plainMessages(value) ? (value as ThreadMessagesInput) : parseArgument(ThreadMessagesInput, value, "thread messages");
}
