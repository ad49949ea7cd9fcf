// Public exports of src/notebook: rich display (tables, text, live progress), smoke mode, artifact paths.
export { displayBundle, newDisplayId, setDisplaySink, inKernel } from "./display";
export type { MimeBundle, DisplayOptions, DisplaySink } from "./display";
export { showTable, htmlTable, textTable, toCsv, tableRows } from "./table";
export type { TableRow, TableLike, TableOptions } from "./table";
export { showText, showMarkdown, showHtml } from "./text";
export { LiveDisplay, LiveProgress, sparkline } from "./progress";
export type { LiveProgressOptions, ProgressMetrics } from "./progress";
export { isSmokeMode, bySmoke } from "./smoke";
export { repoRoot, outDir, checkArtifactName } from "./paths";
export { escapeHtml, formatCell } from "./html";
export { KeyboardInterrupt, checkInterrupt, interruptibleLoop, throwIfInterrupted, isInterrupted, requestInterrupt, clearInterrupt, kernelApi } from "../util/interrupt";
export type { KernelApi } from "../util/interrupt";
export { prompt, openComm, registerCommTarget, listComms } from "./kernel-io";
export type { Comm, PromptOptions } from "./kernel-io";
