/** A tiny argument parser: `--flag`, `--opt value`, `--opt=value`, `-p value`, positionals. */
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

export class UsageError extends Error {
  readonly code = "DUR5004";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface OptionSpec {
  /** Long name without dashes → takes a value? */
  options: Record<string, { value: boolean; alias?: string }>;
}

export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const byAlias = new Map(Object.entries(spec.options).flatMap(([name, o]) => (o.alias ? [[o.alias, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let [key, inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2) as [string, string | undefined];
    if (!arg.startsWith("--")) key = byAlias.get(key) ?? key;
    const o = spec.options[key];
    if (!o) throw new UsageError(`Unknown option '${arg}'.`);
    if (!o.value) {
      flags.set(key, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Option '--${key}' needs a value.`);
    flags.set(key, value);
  }
  return { flags, positionals };
}
