// Text outputs for notebooks: plain text, markdown and HTML, each as one display output.
import { displayBundle } from "./display";
import { escapeHtml } from "./html";

/** Shows plain text (preformatted in HTML exports). */
export function showText(text: string): void {
  displayBundle({ "text/plain": text, "text/html": `<pre>${escapeHtml(text)}</pre>` });
}

/** Shows markdown (rendered by Jupyter; the source is the text/plain fallback). */
export function showMarkdown(markdown: string): void {
  displayBundle({ "text/markdown": markdown, "text/plain": markdown });
}

/** Shows trusted HTML, with a text fallback for front ends that show only text/plain. */
export function showHtml(html: string, plain = "[HTML output]"): void {
  displayBundle({ "text/html": html, "text/plain": plain });
}
