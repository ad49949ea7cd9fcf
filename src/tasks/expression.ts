// A small recursive-descent evaluator for the arithmetic expressions of the Countdown checker (temporal.md §6):
// numbers, + - * /, unary signs and parentheses, real division. Never `eval`; a bad expression gives null.

/** The reference's allowed characters: digits, `+ - * / ( ) .` and whitespace (get_acc.py, temporal.md §6 checker step 2). */
export const EXPRESSION_CHARS = /^[\d+\-*/().\s]+$/;

type Tok = { kind: "num"; value: number } | { kind: "op"; op: "+" | "-" | "*" | "/" | "(" | ")" };

/** Splits an expression into numbers and operators; null on any other character or a malformed number. */
function tokenize(text: string): Tok[] | null {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if ((c >= "0" && c <= "9") || c === ".") {
      let j = i;
      while (j < text.length && ((text[j] >= "0" && text[j] <= "9") || text[j] === ".")) j++;
      const lit = text.slice(i, j);
      // One optional decimal point with at least one digit, as Python's float literals ("3.", ".5", "3.5").
      if (!/^(\d+\.?\d*|\.\d+)$/.test(lit)) return null;
      out.push({ kind: "num", value: Number(lit) });
      i = j;
    } else if (c === "+" || c === "-" || c === "*" || c === "/" || c === "(" || c === ")") {
      out.push({ kind: "op", op: c });
      i++;
    } else {
      return null;
    }
  }
  return out;
}

/**
 * Value of an arithmetic expression with real division, or null if it is not one: characters outside
 * `EXPRESSION_CHARS`, unbalanced parentheses, a missing operand, division by zero, a non-finite result.
 * Grammar (usual precedence, left-associative): expr = term (('+'|'-') term)*; term = unary (('*'|'/') unary)*;
 * unary = ('+'|'-') unary | number | '(' expr ')'. Python's `**` and `//` are rejected: the tasks use + - * / only.
 */
export function evaluateExpression(text: string): number | null {
  if (typeof text !== "string" || !EXPRESSION_CHARS.test(text)) return null;
  const toks = tokenize(text);
  if (toks === null || toks.length === 0) return null;
  let pos = 0;
  let failed = false;
  const isOp = (op: string): boolean => {
    const t = toks[pos];
    return t !== undefined && t.kind === "op" && t.op === op;
  };
  const expr = (): number => {
    let v = term();
    while (!failed && (isOp("+") || isOp("-"))) {
      const plus = isOp("+");
      pos++;
      const r = term();
      v = plus ? v + r : v - r;
    }
    return v;
  };
  const term = (): number => {
    let v = unary();
    while (!failed && (isOp("*") || isOp("/"))) {
      const times = isOp("*");
      pos++;
      // `**` (power) and `//` (floor division) are Python operators outside this grammar.
      if (isOp("*") || isOp("/")) {
        failed = true;
        return NaN;
      }
      const r = unary();
      if (!times && r === 0) {
        failed = true;
        return NaN;
      }
      v = times ? v * r : v / r;
    }
    return v;
  };
  const unary = (): number => {
    if (failed) return NaN;
    const t = toks[pos];
    if (t === undefined) {
      failed = true;
      return NaN;
    }
    if (t.kind === "num") {
      pos++;
      return t.value;
    }
    if (t.op === "+" || t.op === "-") {
      pos++;
      const v = unary();
      return t.op === "-" ? -v : v;
    }
    if (t.op === "(") {
      pos++;
      const v = expr();
      if (!isOp(")")) {
        failed = true;
        return NaN;
      }
      pos++;
      return v;
    }
    failed = true;
    return NaN;
  };
  const value = expr();
  if (failed || pos !== toks.length || !Number.isFinite(value)) return null;
  return value;
}

/** The integers of an expression in order of appearance, as the reference reads them (`re.findall(r"\d+")`). */
export function expressionIntegers(text: string): number[] {
  const m = text.match(/\d+/g);
  return m === null ? [] : m.map((s) => Number(s));
}
