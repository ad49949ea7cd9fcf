// Drives the classic Jupyter Notebook front end in headless Chromium (playwright-core): opens
// notebooks/00-tour.ipynb on the hdlm-lab kernel, runs all cells, checks that the plotly figure is drawn
// (an SVG in the page) and the table is shown, interrupts a long cell and checks that the kernel kept
// its state. Started by test/browser/run.sh (which starts the server); prints one line per check.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, type Page } from "playwright-core";

const url = process.env.HDLM_JUPYTER_URL ?? "";
const token = process.env.HDLM_JUPYTER_TOKEN ?? "";
const executablePath = process.env.HDLM_CHROMIUM ?? "/usr/bin/chromium";
const outDir = process.env.HDLM_BROWSER_OUT ?? path.join(__dirname, "..", "..", "out", "browser");
const RUN_ALL_TIMEOUT_MS = Number(process.env.HDLM_BROWSER_TIMEOUT_MS ?? 300_000);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`browser test: FAILED ${what}`);
  console.log(`browser test: ok ${what}`);
}

/** Code-cell states from the notebook's JS model: prompt numbers, running cells, error outputs. */
interface CellState {
  prompt: number | string | null | undefined;
  errors: string[];
}

async function cellStates(page: Page): Promise<CellState[]> {
  return page.evaluate((): CellState[] => {
    const nb = (globalThis as any).Jupyter.notebook;
    return nb
      .get_cells()
      .filter((c: any) => c.cell_type === "code")
      .map((c: any) => ({
        prompt: c.input_prompt_number as number | string | null | undefined,
        errors: (c.output_area.outputs as any[]).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
      }));
  });
}

async function waitForCells(page: Page, timeoutMs: number, what: string): Promise<CellState[]> {
  const t0 = Date.now();
  for (;;) {
    const states = await cellStates(page);
    const done = states.every((s) => typeof s.prompt === "number");
    const errors = states.flatMap((s) => s.errors);
    if (done || errors.length > 0) return states;
    if (Date.now() - t0 > timeoutMs) throw new Error(`browser test: FAILED ${what}: cells still running after ${timeoutMs / 1000}s`);
    await page.waitForTimeout(250);
  }
}

/** Appends a code cell with `code`, runs it, returns its index. */
async function runNewCell(page: Page, code: string): Promise<number> {
  return page.evaluate((src) => {
    const nb = (globalThis as any).Jupyter.notebook;
    const cell = nb.insert_cell_at_bottom("code");
    cell.set_text(src);
    const index = nb.find_cell_index(cell);
    nb.select(index);
    cell.execute();
    return index;
  }, code);
}

async function cellText(page: Page, index: number): Promise<string> {
  return page.evaluate((i) => {
    const nb = (globalThis as any).Jupyter.notebook;
    return (nb.get_cell(i).output_area.outputs as any[])
      .map((o) => o.text ?? (o.data && o.data["text/plain"]) ?? (o.ename ? `${o.ename}: ${o.evalue}` : ""))
      .join("");
  }, index);
}

async function waitForText(page: Page, index: number, pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const text = await cellText(page, index);
    if (pattern.test(text)) return text;
    if (Date.now() - t0 > timeoutMs) throw new Error(`browser test: FAILED ${what}: cell output is ${JSON.stringify(text.slice(0, 300))}`);
    await page.waitForTimeout(100);
  }
}

async function main() {
  if (!url || !token) throw new Error("browser test: HDLM_JUPYTER_URL / HDLM_JUPYTER_TOKEN are not set; run test/browser/run.sh");
  fs.mkdirSync(outDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "hdlm-chromium-"));
  // launchPersistentContext is how playwright takes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto(`${url}/notebooks/notebooks/00-tour.ipynb?token=${token}`, { waitUntil: "load" });
    await page.waitForFunction(() => {
      const J = (globalThis as any).Jupyter;
      return Boolean(J && J.notebook && J.notebook.kernel && J.notebook.kernel.is_connected && J.notebook.kernel.is_connected());
    }, undefined, { timeout: 60_000 });
    const kernelName = await page.evaluate(() => (globalThis as any).Jupyter.notebook.kernel.name);
    check(kernelName === "hdlm-lab", `the notebook runs on the project kernel (${kernelName})`);
    // The copy may be autosaved; never let a save race the checks.
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.set_autosave_interval(0));

    const t0 = Date.now();
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.execute_all_cells());
    const states = await waitForCells(page, RUN_ALL_TIMEOUT_MS, "run all cells");
    const errors = states.flatMap((s) => s.errors);
    check(errors.length === 0, `run all: ${states.length} code cells in ${((Date.now() - t0) / 1000).toFixed(1)}s, no error outputs${errors.length ? ` (${errors[0]})` : ""}`);

    // plotly draws into an <svg class="main-svg"> inside the figure div.
    await page.waitForSelector(".hdlm-figure svg.main-svg", { timeout: 30_000 });
    const svgs = await page.locator(".hdlm-figure svg.main-svg").count();
    check(svgs > 0, `the plotly figure is drawn (${svgs} SVG layers)`);
    const bars = await page.locator(".hdlm-figure g.trace.bars path, .hdlm-figure .barlayer path").count();
    check(bars > 0, `the histogram has bars (${bars} paths)`);
    const tables = await page.locator(".output_html table").count();
    const rows = await page.locator(".output_html table tbody tr").count();
    check(tables > 0 && rows > 0, `the table is shown (${tables} tables, ${rows} body rows)`);
    await page.locator(".hdlm-figure").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, "tour-figure.png") });
    await page.screenshot({ path: path.join(outDir, "tour.png"), fullPage: true });

    // Live progress reaches the page while the cell still runs (the loop yields between steps).
    const progressCell = await runNewCell(
      page,
      'import { LiveProgress, interruptibleLoop } from "../dist";\n' +
        'const bar = new LiveProgress({ total: 40, label: "demo", minIntervalMs: 0 });\n' +
        "await interruptibleLoop(40, (s) => { const end = Date.now() + 50; while (Date.now() < end) {} bar.update(s, { loss: 1 / s }); });\n" +
        "bar.done();",
    );
    const seenWhileRunning = new Set<string>();
    for (const t0p = Date.now(); Date.now() - t0p < 30_000; ) {
      const state = await page.evaluate((i) => {
        const cell = (globalThis as any).Jupyter.notebook.get_cell(i);
        const el = cell.element[0].querySelector(".hdlm-progress");
        return { prompt: cell.input_prompt_number, text: el ? el.textContent : null };
      }, progressCell);
      if (state.prompt === "*" && state.text) seenWhileRunning.add(state.text.replace(/\s+/g, " ").trim().slice(0, 40));
      if (typeof state.prompt === "number") break;
      await page.waitForTimeout(50);
    }
    check(seenWhileRunning.size >= 2, `live progress updates while the cell runs (${seenWhileRunning.size} states seen, e.g. ${JSON.stringify([...seenWhileRunning][0])})`);
    await page.locator(".cell").nth(progressCell).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, "progress.png") });

    // A long cell: a training-style loop with an interrupt check between steps.
    const longCell = await runNewCell(
      page,
      'import { interruptibleLoop } from "../dist";\nlet spins = 0;\nconsole.log("spinning");\n' +
        "await interruptibleLoop(1_000_000_000, () => { for (let i = 0; i < 200_000; i++) spins += i & 1; });",
    );
    await waitForText(page, longCell, /spinning/, 30_000, "the long cell starts");
    await page.waitForTimeout(1000);
    const tInt = Date.now();
    // The toolbar's interrupt button (the server sends SIGINT: kernel.json has interrupt_mode signal).
    await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
    const text = await waitForText(page, longCell, /KeyboardInterrupt/, 10_000, "the long cell stops on interrupt");
    const secs = (Date.now() - tInt) / 1000;
    check(/KeyboardInterrupt/.test(text), `interrupt stops the long cell in ${secs.toFixed(2)}s with KeyboardInterrupt`);
    await page.locator(".cell").nth(longCell).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, "interrupt.png") });

    // Same kernel, same state: variables the tour's cells defined. (Like ipykernel, the kernel aborts
    // requests that arrive right after an error, so give the front end a moment first.)
    await page.waitForTimeout(500);
    const after = await runNewCell(page, "`documents ${docs.length}, tokens ${tokenized.length}`");
    const survived = await waitForText(page, after, /documents \d+, tokens \d+/, 30_000, "the kernel survives the interrupt");
    check(true, `the kernel survives with its state (${survived.trim()})`);
    const restarts = await page.evaluate(() => (globalThis as any).document.querySelectorAll(".kernel_dead_icon, .kernel_disconnected_icon").length);
    check(restarts === 0, "the kernel indicator shows no dead or disconnected kernel");
    check(pageErrors.length === 0, `no JavaScript errors in the page${pageErrors.length ? `: ${pageErrors[0]}` : ""}`);
    await page.screenshot({ path: path.join(outDir, "after-interrupt.png"), fullPage: true });
    console.log(`browser test: screenshots in ${path.relative(process.cwd(), outDir) || outDir}/`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
