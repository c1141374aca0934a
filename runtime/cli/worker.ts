import { createLogger, progressLogger, type LogFormat, type Logger } from "../worker/log.js";
import { loadHandlerModules, registerLoaded } from "../worker/load-handlers.js";
import { Worker } from "../worker/worker.js";
import type { DurableRuntime } from "../service/runtime.js";
import { DEFAULT_DB, EXIT, UsageError, dbPath, guard, intOption, logFormatOption, openRuntime, parse, routeConsoleToStderr, type CommandIO } from "./common.js";

export const WORKER_HELP = `Usage: durablec worker <module>[#export]... [options]

Runs executions of the handlers exported by the compiled modules for as long as it lives: wakes
them when a wait ends, a retry or a callback is due, a chained invoke finishes, and picks up
executions whose worker died once their lease expires. Several workers may share one database;
an execution never runs in two at once. SIGINT/SIGTERM finish in-flight invocations (up to
--grace-ms), hand back what is left, and exit 0.

Options:
  --db <file>            Database file (default ${DEFAULT_DB}).
  --concurrency <n>      Executions driven at once (default 8).
  --lease-ms <n>         Lease length; a dead worker's executions are resumed after it (default 30000).
  --worker-id <id>       A stable identity for this worker's leases: restarted with the same id,
                         it resumes the executions it held at once instead of waiting out their
                         leases. Never run two live workers with one id.
  --poll-ms <n>          Longest sleep between looks at the database (default 500).
  --grace-ms <n>         How long shutdown waits for in-flight work (default 10000).
  --max-failed-invocations <n>  Invocations that may crash in a row before the execution fails (default 3).
  --log <json|pretty>    Log line format on stdout (default json).
  -h, --help             Show this help.

Exit codes: 0 stopped by a signal, 2 usage error (no module, module without a handler).

Log lines (JSON): {"ts","level","event","arn","function","execution",...}; events:
worker-started, invocation-started, operation (operationId, operationName, type, status, attempt),
invocation-ended (outcome), execution-ended (status), worker-stopping, worker-stopped.`;

export async function runWorker(argv: string[], io: CommandIO): Promise<number> {
  return guard("worker", io, async () => {
    const { values, positionals } = parse(argv, {
      db: { type: "string" },
      concurrency: { type: "string" },
      "lease-ms": { type: "string" },
      "worker-id": { type: "string" },
      "poll-ms": { type: "string" },
      "grace-ms": { type: "string" },
      "max-failed-invocations": { type: "string" },
      log: { type: "string" },
    });
    if (values.help) return (io.out(WORKER_HELP), EXIT.OK);
    if (positionals.length === 0) throw new UsageError("Name at least one compiled module, e.g. durablec worker dist/flows.js.");
    const format: LogFormat = logFormatOption(values.log, "json");
    const options = {
      concurrency: intOption(values.concurrency, "concurrency", 1, 8),
      leaseMs: intOption(values["lease-ms"], "lease-ms", 100, 30_000),
      pollMs: intOption(values["poll-ms"], "poll-ms", 1, 500),
      graceMs: intOption(values["grace-ms"], "grace-ms", 0, 10_000),
      maxFailedInvocations: intOption(values["max-failed-invocations"], "max-failed-invocations", 0, 3),
    };
    const loaded = await loadHandlerModules(positionals, io.cwd);
    const logger = createLogger(format, (l) => io.out(l.replace(/\n$/, "")));
    const owner = workerId(values["worker-id"]);
    const rt = openRuntime(values.db, io.cwd, {
      ...(owner ? { owner } : {}),
      leaseMs: options.leaseMs,
      concurrency: options.concurrency,
      maxFailedInvocations: options.maxFailedInvocations,
      onProgress: (e) => onProgress(e),
    });
    const onProgress = progressLogger(logger, (arn) => rt.operations(arn), (arn) => previousInvocationEnd(rt, arn));
    registerLoaded(rt, loaded);
    logger.log("info", "worker-started", {
      db: dbPath(values.db, io.cwd),
      owner: rt.owner,
      pid: process.pid,
      functions: rt.functionNames,
      ...options,
    });
    return serveUntilSignal(rt, options, logger);
  });
}

/** Runs a worker on `rt` until SIGINT or SIGTERM, then shuts down gracefully. Shared with `serve`. */
/** Validates `--worker-id` (the lease owner name). */
export function workerId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9_.:@-]{1,64}$/.test(value)) throw new UsageError(`--worker-id must be 1-64 letters, digits or _ . : @ -, got ${JSON.stringify(value)}.`);
  return `worker:${value}`;
}

/** When the invocation before the newest one ended (ms), if there was one. */
export function previousInvocationEnd(rt: DurableRuntime, arn: string): number | undefined {
  const ended = rt.invocations(arn).filter((i) => i.endTime !== undefined);
  const last = ended[ended.length - 1];
  return last ? Date.parse(last.endTime!) : undefined;
}

export async function serveUntilSignal(
  rt: DurableRuntime,
  options: { concurrency: number; pollMs: number; graceMs: number },
  logger: Logger,
  beforeStop?: () => Promise<void>,
  onWorker?: (worker: Worker) => void,
): Promise<number> {
  // Listen before any work starts: a signal that arrives first must not take the default action.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  // stdout is for the log lines; what handlers print goes to stderr.
  routeConsoleToStderr();
  const worker = new Worker({ runtime: rt, concurrency: options.concurrency, pollMs: options.pollMs, logger });
  onWorker?.(worker);
  worker.start();
  const signal = await stopSignal;
  logger.log("info", "worker-stopping", { signal, inFlight: worker.active.length, graceMs: options.graceMs });
  // A second signal means: stop now.
  const hard = () => process.exit(130);
  process.once("SIGINT", hard);
  process.once("SIGTERM", hard);
  await beforeStop?.();
  const { finished, released } = await worker.stop(options.graceMs);
  await rt.close();
  logger.log("info", "worker-stopped", { finished, released: released.length });
  process.removeListener("SIGINT", hard);
  process.removeListener("SIGTERM", hard);
  // Handed-back invocations may still hold timers in this process; they must not keep it alive.
  setTimeout(() => process.exit(EXIT.OK), 200).unref();
  return EXIT.OK;
}
