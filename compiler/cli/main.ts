/**
 * The `durablec` command line. Subcommands live in their own files and are listed in COMMANDS;
 * other components add theirs (run, worker, executions, callback, dev) with one line here.
 */
import { UsageError } from "./args.js";
import { build } from "./build.js";
import { check } from "./check.js";
import { transform } from "./transform.js";
import { RUNTIME_COMMANDS } from "../../runtime/cli/index.js";

export interface CommandIO {
  cwd: string;
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  /** One line for `durablec --help`. */
  summary: string;
  help: string;
  /** Returns the exit code: 0 ok, 1 diagnostics with errors, 2 usage or configuration error. */
  run(argv: string[], io: CommandIO): number | Promise<number>;
}

/** The dispatch table: `durablec <name> …` runs `COMMANDS[name]`. */
export const COMMANDS: Record<string, Command | (() => Promise<Command>)> = {
  build,
  check,
  transform,
  ...RUNTIME_COMMANDS,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${typeof c === "function" ? "" : c.summary}`);
  return `Usage: durablec <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'durablec <command> --help' for a command's options.`;
}

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.err(`error DUR5004: Unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  try {
    const command = typeof entry === "function" ? await entry() : entry;
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error DUR5004: ${error.message} Run 'durablec ${name} --help'.`);
      return 2;
    }
    io.err(`error DUR9001: Internal compiler error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

function defaultIO(): CommandIO {
  return { cwd: process.cwd(), out: (t) => process.stdout.write(t + "\n"), err: (t) => process.stderr.write(t + "\n") };
}
