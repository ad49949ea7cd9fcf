// WikiText-2 raw (`wiki.{valid,test}.raw[.gz]`): split into articles at top-level ` = Title = ` headings,
// with the detokenizer MDLM/Megatron apply before zero-shot evaluation (optional).
import { readTextLines } from "./read-jsonl";
import { DataFileError, TextDocument } from "./document";

/** A top-level heading line of the raw files, e.g. ` = Homarus gammarus = ` (sub-headings are ` = = ... = = `). */
export function isWikiTextTitle(line: string): boolean {
  return /^ = [^=].* = $/.test(line);
}

/**
 * MDLM's `wt_detokenizer` (kuleshov-group/mdlm `dataloader.py`, from Megatron-LM): undoes WikiText's tokenised
 * spacing (` @-@ ` to `-`, ` , ` to `, `, bracket spacing, heading `= =` to `==`) before GPT-2 tokenization.
 */
export function detokenizeWikiText(s: string): string {
  s = s.split("s '").join("s'");
  s = s.replace(/\/' [0-9]\//g, "/'[0-9]/"); // kept as in the reference (a literal pattern, almost never matches)
  s = s.split(" @-@ ").join("-");
  s = s.split(" @,@ ").join(",");
  s = s.split(" @.@ ").join(".");
  for (const p of [":", ";", ".", "!", "?", ","]) s = s.split(` ${p} `).join(`${p} `);
  s = s.replace(/\(\s*([^)]*?)\s*\)/g, "($1)");
  s = s.replace(/\[\s*([^\]]*?)\s*\]/g, "[$1]");
  s = s.replace(/{\s*([^}]*?)\s*}/g, "{$1}");
  s = s.replace(/"\s*([^"]*?)\s*"/g, '"$1"');
  s = s.replace(/'\s*([^']*?)\s*'/g, "'$1'");
  s = s.split("= = = =").join("====");
  s = s.split("= = =").join("===");
  s = s.split("= =").join("==");
  s = s.split(" \u00b0 ").join("\u00b0");
  s = s.split(" \n").join("\n");
  s = s.split("\n ").join("\n");
  s = s.split(" N ").join(" 1 ");
  s = s.split(" 's").join("'s");
  return s;
}

export interface WikiTextOptions {
  /** `article` (default): one document per top-level article, the unit zero-shot evaluation crops or packs;
   * `line`: one document per non-blank line (the Hugging Face row view). */
  unit?: "article" | "line";
  /** Apply {@link detokenizeWikiText} to each document (default false: raw text). */
  detokenize?: boolean;
}

/**
 * Documents of a WikiText raw file. Articles are the lines from one top-level heading to the next, joined
 * with `\n` exactly as in the file (blank lines before the first heading join the first article), so the raw
 * articles concatenated give back the file byte for byte.
 */
export async function* readWikiText(file: string, options: WikiTextOptions = {}): AsyncGenerator<TextDocument> {
  const unit = options.unit ?? "article";
  if (unit !== "article" && unit !== "line") throw new Error(`unit must be "article" or "line", got ${String(unit)}`);
  const finish = (text: string): string => (options.detokenize ? detokenizeWikiText(text) : text);
  let lineNo = 0;
  let article: string[] = [];
  let articleLine = 1;
  let sawTitle = false;
  for await (const line of readTextLines(file)) {
    lineNo++;
    if (unit === "line") {
      if (line.trim() !== "") yield { text: finish(line), source: `${file}:${lineNo}` };
      continue;
    }
    // Blank lines before the first heading stay with the first article, so no byte of the file is lost.
    if (isWikiTextTitle(line) && article.some((l) => l.trim() !== "")) {
      yield { text: finish(article.join("\n") + "\n"), source: `${file}:${articleLine}` };
      article = [];
      articleLine = lineNo;
    }
    if (isWikiTextTitle(line)) sawTitle = true;
    article.push(line);
  }
  if (unit === "article") {
    if (!sawTitle && lineNo > 0) {
      throw new DataFileError(`${file}: no top-level " = Title = " heading; not a WikiText raw file (use unit: "line" for plain text)`);
    }
    if (article.some((l) => l.trim() !== "")) yield { text: finish(article.join("\n") + "\n"), source: `${file}:${articleLine}` };
  }
}
