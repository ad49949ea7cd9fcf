// Public exports of src/interop: moving DiTs between hdlm-lab and the reference PyTorch code (mdlm): a data-only
// pickle reader, torch.save/Lightning .ckpt and .safetensors readers, import into run folders and export back; HDLM
// cluster maps and configs in the reference HDLM repository's formats (a torch.save writer for one tensor, Hydra YAML).
export { unpickle, findForeign, PyDict, PyTuple, PyGlobal, PyObject, TorchTensor, TorchStorage, PickleError } from "./pickle";
export type { PickleValue, TorchDtype } from "./pickle";
export { readTorchArchive } from "./torch-archive";
export type { TorchArchive } from "./torch-archive";
export { readSafetensors, writeSafetensors } from "./safetensors";
export type { F32Tensor } from "./safetensors";
export { readMdlmCheckpoint } from "./mdlm-import";
export type { ImportedMdlm, MdlmImportOptions } from "./mdlm-import";
export { writeImportedRun, exportRun, runMdlmConfig, mdlmRunModel, referenceLayout } from "./mdlm-run";
export type { ImportedRunSummary, ImportedRunOptions, ExportSummary } from "./mdlm-run";
export { writeTorchTensor, tensorPickle } from "./torch-save";
export type { SavedTensor } from "./torch-save";
export { toReferenceClusterDict, readReferenceClusterDict, REFERENCE_DICT_LENGTH } from "./hdlm-clusters";
export type { ReferenceClusterDict } from "./hdlm-clusters";
export { referenceHdlmConfig, referenceConfigName, hdlmObjectiveFromReference } from "./hdlm-config";
export type { ReferenceClusterFiles } from "./hdlm-config";
export { exportHdlmRun } from "./hdlm-export";
export type { HdlmExportSummary } from "./hdlm-export";
