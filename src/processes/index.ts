// Public exports of src/processes (filled in as the concept lands).
export {};
export * from "./rng";
export * from "./cluster-layout";
export * from "./forward";
export * from "./ctmc";
export * from "./gidd-forward";
