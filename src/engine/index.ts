// The tensor engine: backend selection and report, fast-path matmuls, and the kernels hdlm-lab adds.
export { tf, quietCpuBanner } from "./tf";
export type { Tensor } from "./tf";
export { initEngine, engineReport, describeEngine, engineLabel, BACKENDS } from "./select";
export type { BackendName, EngineReport } from "./select";
export { matmul2d, linear, setExplicitTranspose, explicitTransposeEnabled } from "./matmul";
export { registerSegmentSum, unsortedSegmentSumData } from "./segment-sum";
