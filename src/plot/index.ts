// Public exports of src/plot: typed plotly.js figures, builders, inline display and saved HTML/PNG.
export { DEFAULT_WIDTH, DEFAULT_HEIGHT, PLOTLY_COLORWAY, cycleColor } from "./figure";
export type { Figure, Trace, ScatterTrace, HistogramTrace, BarTrace, HeatmapTrace, Layout, Axis, Line, Marker } from "./figure";
export { lineFigure, histogramFigure, barFigure, heatmapFigure } from "./builders";
export type { Series, AxisOptions } from "./builders";
export { showFigure, figureBundle, saveFigureHtml, resetPlotlyInline } from "./show";
export type { ShowFigureOptions, ShownFigure } from "./show";
export { figureDiv, standaloneHtml, plotlyJsPath, figureSize } from "./html";
export { htmlToPng, figureToPng, findChromium, pngEnabled } from "./png";
export { movingAverage } from "./smooth";
