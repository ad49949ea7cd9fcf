// PNG export of saved figure pages through headless Chromium (Debian's `chromium`), when installed.
// Optional: HDLM_FIGURE_PNG=0 turns it off (smoke runs default to off, full runs to on).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { isSmokeMode } from "../notebook/smoke";
import type { Figure } from "./figure";
import { figureSize, plotlyJsPath, standaloneHtml } from "./html";

/** The Chromium binary on PATH (or HDLM_CHROMIUM), else null. */
export function findChromium(): string | null {
  const candidates = process.env.HDLM_CHROMIUM ? [process.env.HDLM_CHROMIUM] : ["chromium", "chromium-browser", "google-chrome"];
  for (const c of candidates) {
    if (path.isAbsolute(c)) {
      if (fs.existsSync(c)) return c;
      continue;
    }
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const p = path.join(dir, c);
      if (dir && fs.existsSync(p)) return p;
    }
  }
  return null;
}

/** Whether figures get a PNG: HDLM_FIGURE_PNG=1/0 if set, else on unless in smoke mode. */
export function pngEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.HDLM_FIGURE_PNG ?? "").trim();
  if (v === "1") return true;
  if (v === "0") return false;
  if (v !== "") throw new Error(`HDLM_FIGURE_PNG=${v} is not understood; use 1 (write PNGs) or 0 (skip them)`);
  return !isSmokeMode(env);
}

/**
 * Screenshots an HTML file to PNG with headless Chromium (flags from docs/notebooks.md); returns
 * the PNG path, or a reason it was not written (no Chromium, Chromium failed).
 */
export function htmlToPng(htmlPath: string, pngPath: string, size: { width: number; height: number }): { png: string } | { skipped: string } {
  const chromium = findChromium();
  if (chromium === null) return { skipped: "chromium not found (apt-get install chromium, or set HDLM_CHROMIUM)" };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-chromium-"));
  try {
    const r = spawnSync(
      chromium,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--hide-scrollbars", "--virtual-time-budget=5000", `--user-data-dir=${profile}`,
        `--window-size=${size.width},${size.height}`, `--screenshot=${path.resolve(pngPath)}`,
        "file://" + path.resolve(htmlPath),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (r.status !== 0 || !fs.existsSync(pngPath)) {
      const why = r.error ? r.error.message : (r.stderr || "").trim().split("\n").slice(-1)[0];
      return { skipped: `chromium failed (exit ${r.status}): ${why}` };
    }
    return { png: pngPath };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Writes a figure straight to `pngPath` (a static page in a temporary folder that loads the installed plotly.js by
 * file URL, screenshotted), for scripts that keep a figure beside their results rather than under out/figures.
 */
export function figureToPng(fig: Figure, pngPath: string): { png: string } | { skipped: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-figure-"));
  try {
    const page = path.join(dir, "figure.html");
    const plotly = pathToFileURL(plotlyJsPath()).href;
    fs.writeFileSync(page, standaloneHtml(fig, fig.layout.title?.text ?? path.basename(pngPath), plotly, true));
    fs.mkdirSync(path.dirname(path.resolve(pngPath)), { recursive: true });
    return htmlToPng(page, pngPath, figureSize(fig));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
