import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { RuntimeError, type RuntimeErrorCode } from "../service/errors.js";
import { createRuntime, type DurableRuntime, type RuntimeOptions } from "../service/runtime.js";
import { HandlerLoadError } from "../worker/load-handlers.js";

/** What a runtime command gets from `durablec` (the same shape as the compiler's commands). */
export interface CommandIO {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
}

export interface RuntimeCommand {
  summary: string;
  help: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Exit codes every runtime command keeps to; scripts may rely on them. */
export const EXIT = {
  /** The command did what was asked (and the execution, if any, SUCCEEDED). */
  OK: 0,
  /** The execution FAILED, TIMED_OUT or was STOPPED, or what was named does not exist / cannot be changed. */
  FAILED: 1,
  /** The command line is wrong: unknown option, malformed JSON, bad value, module without a handler. */
  USAGE: 2,
  /** The execution is running and waiting on something outside the command (a callback, a long wait). */
  WAITING: 3,
} as const;

export const DEFAULT_DB = ".durable/state.db";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export type ParsedArgs<O extends Options> = {
  values: { [K in keyof O]?: O[K] extends { type: "boolean" } ? boolean : string } & { help?: boolean };
  positionals: string[];
};

/** `parseArgs` with strict checking; unknown options and missing values become usage errors. */
export function parse<O extends Options>(argv: string[], options: O): ParsedArgs<O> {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true }) as unknown as ParsedArgs<O>;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, "."));
  }
}

/** Reads `--input`-style values: inline JSON, `@file` (JSON in a file) or `@-` (stdin). */
export function readJsonArg(value: string, what: string, cwd: string): unknown {
  const text = readTextArg(value, what, cwd);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A raw text argument: inline, `@file`, or `@-` (stdin). */
export function readTextArg(value: string, what: string, cwd: string): string {
  if (!value.startsWith("@")) return value;
  const file = value.slice(1);
  try {
    return readFileSync(file === "-" ? 0 : resolve(cwd, file), "utf8");
  } catch (e) {
    throw new UsageError(`Cannot read ${what} from ${file === "-" ? "stdin" : file}: ${(e as Error).message}`);
  }
}

export function intOption(value: string | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}.`);
  return n;
}

/** `--log json|pretty`, with a default per command. */
export function logFormatOption(value: string | undefined, fallback: "json" | "pretty"): "json" | "pretty" {
  const format = value ?? fallback;
  if (format !== "json" && format !== "pretty") throw new UsageError(`--log must be json or pretty, got ${JSON.stringify(value)}.`);
  return format;
}

/** `--port n` (0 picks a free port). */
export function portOption(value: string | undefined, fallback = 7070): number {
  const port = intOption(value, "port", 0, fallback);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}.`);
  return port;
}

export function dbPath(value: string | undefined, cwd: string): string {
  return value === undefined ? resolve(cwd, DEFAULT_DB) : value === ":memory:" ? value : resolve(cwd, value);
}

export function openRuntime(db: string | undefined, cwd: string, options: Omit<RuntimeOptions, "db"> = {}): DurableRuntime {
  return createRuntime({ ...options, db: dbPath(db, cwd) });
}

const FAILED_CODES = new Set<RuntimeErrorCode>([
  "EXECUTION_NOT_FOUND",
  "EXECUTION_NOT_RUNNING",
  "CALLBACK_NOT_FOUND",
  "CALLBACK_ALREADY_COMPLETED",
  "STORE_CORRUPT",
  "STORE_LOCKED",
  "STORE_TOO_NEW",
]);

/** Maps what went wrong to an exit code and prints it: one `error CODE: message` line. */
export function reportError(error: unknown, command: string, io: CommandIO): number {
  if (error instanceof UsageError) {
    io.err(`durablec ${command}: ${error.message}\nRun 'durablec ${command} --help' for usage.`);
    return EXIT.USAGE;
  }
  if (error instanceof HandlerLoadError) {
    io.err(`durablec ${command}: ${error.message}`);
    return EXIT.USAGE;
  }
  if (error instanceof RuntimeError) {
    io.err(`durablec ${command}: error ${error.code}: ${error.message}`);
    return FAILED_CODES.has(error.code) ? EXIT.FAILED : EXIT.USAGE;
  }
  io.err(`durablec ${command}: internal error: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.FAILED;
}

/** Runs a command body, turning thrown errors into exit codes. */
export async function guard(command: string, io: CommandIO, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(e, command, io);
  }
}

/** Quotes a shell word when it needs it (for the "how to continue" hints). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-./:=@%+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/**
 * Sends what handler code prints with console.log/info/debug to stderr, so that stdout carries
 * only the command's own output (JSON log lines, `--json` results) for scripts to parse.
 * Returns a function that restores the console.
 */
export function routeConsoleToStderr(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  return () => Object.assign(console, saved);
}
