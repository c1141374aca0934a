/**
 * The `durablec` command line. Subcommands live in their own files and are listed in COMMANDS;
 * other components add theirs (run, worker, executions, callback, dev) with one line here.
 */
import { UsageError } from "./args.js";
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

/** A command whose implementation is imported on first use (so `durablec run` never loads ts-morph). */
export function lazyCommand(summary: string, load: () => Promise<Command>): Command {
  return { summary, help: summary, run: async (argv, io) => (await load()).run(argv, io) };
}

/**
 * The dispatch table: `durablec <name> …` runs `COMMANDS[name]`. Add a command with one line.
 */
export const COMMANDS: Record<string, Command> = {
  build: lazyCommand("compile durable functions and emit the project", async () => (await import("./build.js")).build),
  check: lazyCommand("report diagnostics without emitting", async () => (await import("./check.js")).check),
  transform: lazyCommand("print the rewritten TypeScript of one file", async () => (await import("./transform.js")).transform),
  ...RUNTIME_COMMANDS,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`);
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
    return await entry.run(rest, io);
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
