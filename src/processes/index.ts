// Public exports of src/processes: forward processes q_t(z | x) and their samplers, the cluster layout, and the
// brute-force CTMC (generator, RK4, matrix exponential).
export * from "./cluster-layout";
export * from "./forward";
export * from "./ctmc";
export * from "./gidd-forward";
