// Tables in notebooks: rows (or an arquero table) shown as one HTML + text output, and saved as CSV
// under out/tables/<name>.csv so a run's numbers are kept beside its figures.
import * as fs from "fs";
import * as path from "path";
import { displayBundle } from "./display";
import { escapeHtml, formatCell } from "./html";
import { checkArtifactName, outDir } from "./paths";

/** One table row: column name -> value. */
export type TableRow = Record<string, unknown>;

/** What showTable accepts from arquero (ColumnTable): rows as objects and the column order. */
export interface TableLike {
  objects(): object[];
  columnNames(): string[];
}

export interface TableOptions {
  /** Saves the full table to out/tables/<name>.csv. */
  name?: string;
  caption?: string;
  /** Columns to show, in order (default: the table's columns, or the keys of the rows in first-seen order). */
  columns?: string[];
  /** Rows shown inline (the CSV keeps all); default 50. */
  limit?: number;
  /** Significant digits for non-integer numbers; default 4. */
  digits?: number;
}

function isTableLike(t: unknown): t is TableLike {
  return typeof t === "object" && t !== null && typeof (t as TableLike).objects === "function" &&
    typeof (t as TableLike).columnNames === "function";
}

/** Rows and column order of an array of rows or an arquero table. */
export function tableRows(table: readonly TableRow[] | TableLike, columns?: string[]): { rows: TableRow[]; columns: string[] } {
  let rows: TableRow[];
  let cols: string[];
  if (isTableLike(table)) {
    rows = table.objects() as TableRow[];
    cols = table.columnNames();
  } else if (Array.isArray(table)) {
    rows = table as TableRow[];
    const seen = new Set<string>();
    for (const r of rows) {
      if (typeof r !== "object" || r === null) throw new Error(`table rows must be objects (column -> value), got ${JSON.stringify(r)}`);
      for (const k of Object.keys(r)) seen.add(k);
    }
    cols = [...seen];
  } else {
    throw new Error("table must be an array of row objects or an arquero table");
  }
  if (columns) {
    const missing = columns.filter((c) => !cols.includes(c));
    if (missing.length > 0) throw new Error(`columns ${missing.join(", ")} not in the table (it has ${cols.join(", ")})`);
    cols = columns;
  }
  return { rows, columns: cols };
}

/** An HTML <table> of the rows (values escaped; numbers right-aligned). */
export function htmlTable(table: readonly TableRow[] | TableLike, options: TableOptions = {}): string {
  const { rows, columns } = tableRows(table, options.columns);
  const limit = options.limit ?? 50;
  const digits = options.digits ?? 4;
  const shown = rows.slice(0, limit);
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === "number"));
  const align = (i: number) => (numeric[i] ? ' style="text-align: right;"' : ' style="text-align: left;"');
  const head = columns.map((c, i) => `<th${align(i)}>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map((r) => "<tr>" + columns.map((c, i) => `<td${align(i)}>${escapeHtml(formatCell(r[c], digits))}</td>`).join("") + "</tr>")
    .join("\n");
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  const more = rows.length > shown.length ? `<p>${rows.length - shown.length} more rows (${rows.length} in all)</p>` : "";
  return `<table class="hdlm-table">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>${more}`;
}

/** The rows as aligned plain text (for text/plain front ends and logs). */
export function textTable(table: readonly TableRow[] | TableLike, options: TableOptions = {}): string {
  const { rows, columns } = tableRows(table, options.columns);
  const limit = options.limit ?? 50;
  const digits = options.digits ?? 4;
  const cells = rows.slice(0, limit).map((r) => columns.map((c) => formatCell(r[c], digits)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  const out = [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
  if (options.caption) out.unshift(options.caption);
  if (rows.length > cells.length) out.push(`... ${rows.length - cells.length} more rows (${rows.length} in all)`);
  return out.join("\n");
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "number" ? String(v) : formatCell(v, 17);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV (RFC 4180 quoting; numbers at full precision). */
export function toCsv(table: readonly TableRow[] | TableLike, columns?: string[]): string {
  const t = tableRows(table, columns);
  const lines = [t.columns.map(csvField).join(","), ...t.rows.map((r) => t.columns.map((c) => csvField(r[c])).join(","))];
  return lines.join("\n") + "\n";
}

/**
 * Shows a table inline (one output: text/html + text/plain) and, given a name, writes all its rows
 * to out/tables/<name>.csv. Returns the CSV path when one was written.
 */
export function showTable(table: readonly TableRow[] | TableLike, options: TableOptions = {}): { csv?: string } {
  const html = htmlTable(table, options);
  const text = textTable(table, options);
  let csv: string | undefined;
  if (options.name !== undefined) {
    csv = path.join(outDir("tables"), `${checkArtifactName(options.name, "table")}.csv`);
    fs.writeFileSync(csv, toCsv(table, options.columns));
  }
  displayBundle({ "text/html": html, "text/plain": text });
  return csv === undefined ? {} : { csv };
}
