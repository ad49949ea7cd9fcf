// Public exports of src/util: small shared helpers with no tensor code (atomic file writes).
export { writeFileAtomic } from "./fs";
export type { AtomicWriteOptions } from "./fs";
export { firstDifference } from "./json-diff";
export * from "./rng";
export { ConfigError } from "./validate";
