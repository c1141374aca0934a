/**
 * The runtime's `durablec` subcommands. Each entry loads its implementation on first use, and this
 * module imports only types, so `durablec build` and `durablec --help` never load the runtime
 * (SQLite and the service take about 100 ms to load). The compiler's CLI lists these in its
 * dispatch table.
 */
import type { CommandIO, RuntimeCommand } from "./common.js";

export type { CommandIO, RuntimeCommand } from "./common.js";

type Run = (argv: string[], io: CommandIO) => Promise<number>;

function lazy(name: string, summary: string, load: () => Promise<Run>): RuntimeCommand {
  return {
    summary,
    help: `${summary}. Run 'durablec ${name} --help' for its options.`,
    run: async (argv, io) => (await load())(argv, io),
  };
}

/** `durablec run | worker | executions | callback | serve | dev`; each prints its options with `--help`. */
export const RUNTIME_COMMANDS: Record<string, RuntimeCommand> = {
  run: lazy("run", "start (or resume by name) an execution and drive it until it finishes or waits", async () => (await import("./run.js")).runRun),
  worker: lazy("worker", "run executions of compiled handlers from a database until stopped", async () => (await import("./worker.js")).runWorker),
  executions: lazy("executions", "list, show, inspect the history of, or stop executions", async () => (await import("./executions.js")).runExecutions),
  callback: lazy("callback", "complete a callback: succeed, fail or heartbeat", async () => (await import("./callback.js")).runCallback),
  serve: lazy("serve", "serve the HTTP API and run a worker in one process", async () => (await import("./serve.js")).runServe),
  dev: lazy("dev", "run a worker, the HTTP API and the web UI, rebuilding on changes", async () => (await import("./dev.js")).runDev),
};
