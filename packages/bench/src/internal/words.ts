// Vocabulary for synthetic user and agent messages: developer-chat words, so previews, titles
// and search snippets look like the real thing.
export const VERBS = [
  "fix", "refactor", "explain", "add tests for", "speed up", "review", "document", "rename", "debug",
  "migrate", "simplify", "port", "profile", "split", "remove", "implement",
] as const;

export const OBJECTS = [
  "the flaky parser test", "the login flow", "our CI pipeline", "the SQLite migration", "the rollout reader",
  "the billing webhook", "this React component", "the retry logic", "the CLI help text", "the cache layer",
  "the date formatting helper", "the Dockerfile", "the search index", "the payment service", "error handling",
  "the config loader", "memory usage in the worker", "the build script", "the websocket client", "the README",
] as const;

export const FILLER = [
  "it fails about one run in ten", "keep the public API unchanged", "we ship on Friday", "see the stack trace below",
  "use the existing helpers", "the logs show a timeout", "performance matters here", "add a short changelog entry",
  "make sure Windows paths work", "there is a race somewhere", "only touch the src folder", "prefer small commits",
] as const;

export const AGENT = [
  "I looked at the code and found the cause.", "The test now passes locally.", "Here is a summary of the change.",
  "I ran the full suite; everything is green.", "The function was called twice on retry.", "I added a regression test.",
  "The lock was held across an await.", "I kept the change minimal.", "This touches three files.",
  "Next I would split the module in two.", "The benchmark improved by a third.", "No behaviour change is intended.",
] as const;
