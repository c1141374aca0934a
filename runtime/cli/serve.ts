import { startServer } from "../server/index.js";
import { createLogger, progressLogger, type LogFormat } from "../worker/log.js";
import { loadHandlerModules, registerLoaded } from "../worker/load-handlers.js";
import { previousInvocationEnd, serveUntilSignal, workerId } from "./worker.js";
import { DEFAULT_DB, EXIT, dbPath, guard, intOption, logFormatOption, portOption, openRuntime, parse, type CommandIO } from "./common.js";

export const SERVE_HELP = `Usage: durablec serve [<module>[#export]...] [--port <n>] [--db <file>] [options]

Serves the HTTP API on 127.0.0.1 (see docs/http-api.md) and runs a worker for the handlers of the
given modules in the same process. Without modules it only serves inspection and callbacks.

Options:
  --port <n>             Port (default 7070; 0 picks a free one, printed in the first log line).
  --host <addr>          Interface (default 127.0.0.1; the API has no authentication).
  --db <file>            Database file (default ${DEFAULT_DB}).
  --concurrency <n>      Executions driven at once (default 8).
  --lease-ms <n>         Lease length (default 30000).
  --worker-id <id>       Stable lease identity (see durablec worker --help).
  --poll-ms <n>          Longest sleep between looks at the database (default 500).
  --grace-ms <n>         How long shutdown waits for in-flight work (default 10000).
  --log <json|pretty>    Log line format on stdout (default json).
  -h, --help             Show this help.

Exit codes: 0 stopped by a signal, 1 the port is taken, 2 usage error.`;

export async function runServe(argv: string[], io: CommandIO): Promise<number> {
  return guard("serve", io, async () => {
    const { values, positionals } = parse(argv, {
      port: { type: "string" },
      host: { type: "string" },
      db: { type: "string" },
      concurrency: { type: "string" },
      "lease-ms": { type: "string" },
      "worker-id": { type: "string" },
      "poll-ms": { type: "string" },
      "grace-ms": { type: "string" },
      log: { type: "string" },
    });
    if (values.help) return (io.out(SERVE_HELP), EXIT.OK);
    const format: LogFormat = logFormatOption(values.log, "json");
    const port = portOption(values.port);
    const options = {
      concurrency: intOption(values.concurrency, "concurrency", 1, 8),
      leaseMs: intOption(values["lease-ms"], "lease-ms", 100, 30_000),
      pollMs: intOption(values["poll-ms"], "poll-ms", 1, 500),
      graceMs: intOption(values["grace-ms"], "grace-ms", 0, 10_000),
    };
    const loaded = positionals.length ? await loadHandlerModules(positionals, io.cwd) : { handlers: [], functions: [] };
    const logger = createLogger(format, (l) => io.out(l.replace(/\n$/, "")));
    const owner = workerId(values["worker-id"]);
    const rt = openRuntime(values.db, io.cwd, {
      ...(owner ? { owner } : {}),
      leaseMs: options.leaseMs,
      concurrency: options.concurrency,
      onProgress: (e) => onProgress(e),
    });
    const onProgress = progressLogger(logger, (arn) => rt.operations(arn), (arn) => previousInvocationEnd(rt, arn));
    registerLoaded(rt, loaded);
    let poke = () => {};
    let server;
    try {
      server = await startServer({
        runtime: rt,
        port,
        host: values.host,
        onChange: () => poke(),
        onRequest: (r) => logger.log(r.status >= 500 ? "error" : "info", "http-request", r),
      });
    } catch (e) {
      await rt.close();
      io.err(`durablec serve: cannot listen on ${values.host ?? "127.0.0.1"}:${port}: ${(e as Error).message}`);
      return EXIT.FAILED;
    }
    return serveUntilSignal(
      rt,
      options,
      logger,
      () => server.close(),
      (worker) => {
        poke = () => worker.poke();
        // Logged once Ctrl-C is handled: whoever reads this line may stop the process at once.
        logger.log("info", "server-listening", { url: server.url, port: server.port, db: dbPath(values.db, io.cwd), functions: rt.functionNames, pid: process.pid });
      },
    );
  });
}
