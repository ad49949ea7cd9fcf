// Shared argument handling of the `hdlm` sub-commands: the usage-error type (exit status 2) and a small
// `--flag value` / `--flag=value` parser with typed, validated values.
/** A bad command line: printed with the usage text, exit status 2. */
export class UsageError extends Error {}

/** The value kind of a flag: a string, a non-negative integer, or a boolean switch. */
export type FlagKind = "string" | "int" | "bool";

/** Parsed flags: strings, integers and booleans by flag name (without the dashes). */
export type Flags = Record<string, string | number | boolean | undefined>;

/**
 * Parses `args` against `spec` (flag name -> kind). Unknown flags, missing values and non-integer ints are usage
 * errors naming the flag. `command` prefixes messages.
 */
export function parseFlags(command: string, args: string[], spec: Record<string, FlagKind>): Flags {
  const out: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new UsageError(`${command}: unexpected argument ${a}`);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`${command}: unknown argument --${name}`);
    if (kind === "bool") {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      out[name] = true;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === "") throw new UsageError(`${command}: --${name} needs a value`);
    if (kind === "int") {
      if (!/^\d+$/.test(value)) throw new UsageError(`${command}: --${name} must be a non-negative integer, got ${value}`);
      out[name] = Number(value);
    } else out[name] = value;
  }
  return out;
}

/** The integer flag `name`, or `fallback`; a usage error unless it is >= `min`. */
export function intFlag(command: string, flags: Flags, name: string, fallback: number, min = 1): number {
  const v = flags[name] === undefined ? fallback : (flags[name] as number);
  if (v < min) throw new UsageError(`${command}: --${name} must be >= ${min}, got ${v}`);
  return v;
}

/** Where a sub-command writes: results to `out` (stdout), progress and diagnostics to `err` (stderr). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Lines to the process's stdout / stderr. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(line + "\n"),
  err: (line) => void process.stderr.write(line + "\n"),
};
