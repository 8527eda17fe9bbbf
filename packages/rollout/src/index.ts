export { isPersistedRolloutItem, persistedRolloutItems } from "./policy.js";
