// Public exports of src/checks: the derivation checks notebook 01 asserts (hdlm.md): the closed-form ELBO against
// the brute-force CTMC and the discrete-time ELBO, schedule curves, the expected-weight identity, n = 1 is MDLM.
export { hdlmTokenElbo, closedFormElboIntegrand, ctmcElboIntegrand, integrateMidpoint, discreteTimeElbo, continuousElbo, elboConvergence, toyXhat, makeToyProblem } from "./elbo-check";
export type { ToyElboProblem } from "./elbo-check";
export { requireClose, requireTrue, scheduleCurves, ctmcMarginalCheck, expectedWeightIdentity, referenceWeightComparison, nOneVersusMdlm } from "./derivation-checks";
