import type { WireOperation } from "@aws/durable-execution-sdk-js";
import { VirtualClock } from "../service/clock.js";
import type { DurableRuntime, ExecutionDescription, ProgressEvent } from "../service/runtime.js";
import { dirname, resolve } from "node:path";
import { displayName, formatOperationLine } from "../worker/log.js";
import { explainNonDeterminism, findManifest } from "../versioning/explain-nondeterminism.js";
import { loadHandlerModules, parseModuleSpec, registerLoaded } from "../worker/load-handlers.js";
import {
  DEFAULT_DB,
  EXIT,
  UsageError,
  guard,
  intOption,
  openRuntime,
  parse,
  printJson,
  readJsonArg,
  routeConsoleToStderr,
  shellQuote,
  type CommandIO,
} from "./common.js";

export const RUN_HELP = `Usage: durablec run <module>[#export] [--input <json|@file>] [--name <name>] [options]

Starts an execution of a compiled handler (or resumes the one with that --name) and drives it
in this process until it finishes or waits on something outside it, printing a line per operation
and, if it is waiting, how to continue.

Options:
  --input <json|@file|@->  The event, as JSON inline, in a file, or on stdin (default {}).
  --name <name>            Execution name. Running the same name again resumes that execution
                           (with the same input, or no --input).
  --db <file>              Database file (default ${DEFAULT_DB}).
  --wait-timeout <s>       Waits and retries due within this many seconds are waited for here;
                           later ones end the command with exit 3 (default 30).
  --timeout <s>            Execution timeout in seconds for a new execution.
  --lease-ms <n>           Lease on the execution while this command runs it (default 30000).
  --json                   Print the execution as JSON on stdout (progress still goes to stderr).
  --clock <real|virtual>   virtual: instead of waiting, time jumps to the next wait, retry or
                           timeout (a 24-hour sleep ends at once; a callback nobody answers
                           times out at once). For demos and tests; do not use it while a worker
                           serves the same database. Default: $DURABLEC_CLOCK, else real.
  -h, --help               Show this help.

Exit codes: 0 SUCCEEDED, 1 FAILED / TIMED_OUT / STOPPED, 2 usage error (bad JSON, no handler),
3 still running: waiting on a callback or a wait longer than --wait-timeout.

Example:
  durablec run dist/order.js#order --input '{"orderId":"o-1"}' --name o-1`;

export async function runRun(argv: string[], io: CommandIO): Promise<number> {
  return guard("run", io, async () => {
    const { values, positionals } = parse(argv, {
      input: { type: "string" },
      name: { type: "string" },
      db: { type: "string" },
      "wait-timeout": { type: "string" },
      timeout: { type: "string" },
      "lease-ms": { type: "string" },
      json: { type: "boolean" },
      clock: { type: "string" },
    });
    if (values.help) return (io.out(RUN_HELP), EXIT.OK);
    if (positionals.length !== 1) throw new UsageError(`Expected one module, got ${positionals.length}.`);
    const spec = positionals[0]!;
    const waitTimeoutMs = intOption(values["wait-timeout"], "wait-timeout", 0, 30) * 1000;
    const timeout = values.timeout === undefined ? undefined : intOption(values.timeout, "timeout", 1, 0);
    const leaseMs = intOption(values["lease-ms"], "lease-ms", 100, 30_000);
    const input = values.input === undefined ? undefined : readJsonArg(values.input, "--input", io.cwd);
    const clockKind = values.clock ?? (process.env.DURABLEC_CLOCK || "real");
    if (clockKind !== "real" && clockKind !== "virtual") throw new UsageError(`--clock must be real or virtual, got ${JSON.stringify(clockKind)}.`);

    const loaded = await loadHandlerModules([spec], io.cwd);
    if (loaded.handlers.length > 1) {
      const path = parseModuleSpec(spec).path;
      throw new UsageError(
        `${path} exports ${loaded.handlers.length} handlers (${loaded.handlers.map((h) => h.exportName).join(", ")}); pick one: ${path}#${loaded.handlers[0]!.exportName}.`,
      );
    }
    const functionName = loaded.handlers[0]!.functionName;

    const t0 = Date.now();
    const tracked = new Set<string>();
    const seen = new Map<string, string>();
    let rt!: DurableRuntime;
    const show = (arn: string, op: WireOperation, all: readonly WireOperation[]) => {
      const key = `${arn} ${op.Id}`;
      if (op.Type === "EXECUTION" || !op.Id || seen.get(key) === op.Status) return;
      seen.set(key, op.Status as string);
      io.err(`[${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s]${formatOperationLine(op, displayName(op, all)).slice(1)}`);
    };
    // Compared in start order at every event: checkpoint responses only carry what the service changed.
    const onProgress = (e: ProgressEvent) => {
      if (!tracked.has(e.arn)) return;
      const all = rt.operations(e.arn);
      for (const op of all) show(e.arn, op, all);
      if (e.type === "invocation-ended" && e.outcome === "CRASHED") {
        io.err(`  invocation ${e.invocation} crashed: ${e.error?.ErrorType ?? ""} ${e.error?.ErrorMessage ?? ""} (retrying from the last checkpoint)`);
      }
    };
    // The module's other handlers and functions are targets for chained invokes.
    const siblings = await loadHandlerModules([parseModuleSpec(spec).path], io.cwd).catch(() => undefined);
    rt = openRuntime(values.db, io.cwd, { leaseMs, onProgress, ...(clockKind === "virtual" ? { clock: new VirtualClock() } : {}) });
    try {
      if (siblings) registerLoaded(rt, siblings);
      registerLoaded(rt, loaded);
      const existing = values.name === undefined ? undefined : rt.store.getExecutionByName(functionName, values.name);
      let exec: ExecutionDescription;
      if (existing && input === undefined) exec = rt.get(existing.arn);
      else exec = rt.start(functionName, input ?? {}, { name: values.name, executionTimeoutSeconds: timeout });
      tracked.add(exec.arn);
      io.err(`${existing ? "resuming" : "started"} execution ${exec.name} of ${functionName} (${exec.status.toLowerCase()})`);
      for (const op of rt.operations(exec.arn)) seen.set(`${exec.arn} ${op.Id}`, op.Status as string);

      let interrupted = false;
      const onSignal = () => {
        if (interrupted) return;
        interrupted = true;
        io.err("interrupted: finishing the current invocation (Ctrl-C again to abandon it)");
        process.once("SIGINT", () => {
          rt.service.recoverAbandonedInvocation(exec.arn, Number.MAX_SAFE_INTEGER, { ErrorType: "Interrupted", ErrorMessage: "durablec run was interrupted." });
          rt.service.releaseLease(exec.arn, rt.owner);
          process.exit(130);
        });
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const restoreConsole = values.json ? routeConsoleToStderr() : () => {};
      try {
        exec = await drive(rt, exec.arn, tracked, waitTimeoutMs, () => interrupted, io);
      } finally {
        restoreConsole();
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
      return report(rt, exec, spec, values.db, values.json ?? false, io, Date.now() - t0, interrupted);
    } finally {
      await rt.close();
    }
  });
}

/** Drives the execution (and the executions its chained invokes started) while there is something to do within the wait budget. */
async function drive(
  rt: DurableRuntime,
  arn: string,
  tracked: Set<string>,
  waitTimeoutMs: number,
  interrupted: () => boolean,
  io: CommandIO,
): Promise<ExecutionDescription> {
  const children = rt.store.db.prepare(`SELECT arn FROM executions WHERE parent_arn = ? AND status = 'RUNNING'`);
  for (;;) {
    const family = [arn];
    for (let i = 0; i < family.length; i++) for (const c of children.all(family[i]) as { arn: string }[]) family.push(c.arn);
    for (const a of family) tracked.add(a);
    const now = rt.clock.now();
    for (const a of family.reverse()) {
      const row = rt.store.getExecution(a);
      if (row?.status === "RUNNING" && row.wake_at !== null && row.wake_at <= now) await rt.drive(a);
    }
    rt.startChainedInvokes();
    const e = rt.get(arn);
    if (e.status !== "RUNNING" || interrupted()) return e;
    // Driving may have started children (chained invokes): they count as work of this command.
    for (let i = 0; i < family.length; i++) for (const c of children.all(family[i]) as { arn: string }[]) if (!family.includes(c.arn)) family.push(c.arn);
    for (const a of family) tracked.add(a);
    // The earliest moment anything in the family must be looked at again (or its lease frees).
    let next: number | undefined;
    for (const a of family) {
      const row = rt.store.getExecution(a);
      if (row?.status !== "RUNNING" || row.wake_at === null) continue;
      const t = Math.max(row.wake_at, row.lease_owner && row.lease_owner !== rt.owner ? (row.lease_expires_at ?? 0) : 0);
      next = next === undefined ? t : Math.min(next, t);
    }
    const leasedElsewhere = family.some((a) => {
      const row = rt.store.getExecution(a);
      return row?.status === "RUNNING" && row.lease_owner !== null && row.lease_owner !== rt.owner && (row.lease_expires_at ?? 0) > rt.clock.now();
    });
    if (rt.clock instanceof VirtualClock && next !== undefined) {
      // Virtual time: nothing can happen before `next`, so go there at once.
      if (next > rt.clock.now()) io.err(`  (virtual clock) skipping ${formatSpan(next - rt.clock.now())} to ${new Date(next).toISOString()}`);
      rt.clock.advanceTo(next);
      continue;
    }
    if (!leasedElsewhere && (next === undefined || next - rt.clock.now() > waitTimeoutMs)) return e;
    // Short sleeps, so that a callback sent from another shell is seen at once.
    await new Promise((r) => setTimeout(r, Math.max(5, Math.min(250, (next ?? now + 250) - rt.clock.now()))));
  }
}

function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor((s % 86400) / 3600), "h"], [Math.floor((s % 3600) / 60), "m"], [s % 60, "s"]] as const;
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join(" ");
}

function report(
  rt: DurableRuntime,
  exec: ExecutionDescription,
  spec: string,
  db: string | undefined,
  json: boolean,
  io: CommandIO,
  elapsedMs: number,
  interrupted: boolean,
): number {
  const dbArg = db === undefined ? "" : ` --db ${shellQuote(db)}`;
  const ops = rt.operations(exec.arn);
  const callbacks = ops
    .filter((o) => o.Type === "CALLBACK" && o.Status === "STARTED")
    .map((o) => ({ callbackId: o.CallbackDetails!.CallbackId!, name: o.Name ?? ops.find((p) => p.Id === o.ParentId)?.Name }));
  const hints: string[] = [];
  if (exec.status === "RUNNING") {
    for (const cb of callbacks) {
      hints.push(`waiting for callback${cb.name ? ` ${cb.name}` : ""}; answer it with:`);
      hints.push(`  durablec callback succeed ${shellQuote(cb.callbackId)} '<result json>'${dbArg}`);
      hints.push(`  durablec callback fail ${shellQuote(cb.callbackId)} '{"ErrorType":"Rejected","ErrorMessage":"…"}'${dbArg}`);
    }
    if (exec.nextWakeTime) hints.push(`next wake-up at ${exec.nextWakeTime}.`);
    hints.push(`then continue with:`);
    hints.push(`  durablec worker ${shellQuote(parseModuleSpec(spec).path)}${dbArg}`);
    hints.push(`  or: durablec run ${shellQuote(spec)} --name ${shellQuote(exec.name)}${dbArg}`);
  }
  if (json) {
    printJson(io, { ...exec, ...(exec.status === "RUNNING" ? { waitingOn: { callbacks, nextWakeTime: exec.nextWakeTime } } : {}) });
    if (hints.length) io.err(hints.join("\n"));
  } else {
    const took = `${(elapsedMs / 1000).toFixed(2)}s`;
    if (exec.status === "SUCCEEDED") io.out(`SUCCEEDED in ${took}\nresult: ${JSON.stringify(exec.result ?? null)}`);
    else if (exec.status === "RUNNING") io.out(`RUNNING${interrupted ? " (interrupted)" : ""}: execution ${exec.name}\n${hints.join("\n")}`);
    else io.out(`${exec.status} in ${took}\nerror: ${[exec.error?.ErrorType, exec.error?.ErrorMessage].filter(Boolean).join(": ")}`);
  }
  if (exec.error?.ErrorType === "NonDeterministicExecutionError") {
    // Name the source lines of the recorded and the current operation, from the build's manifest.
    const found = findManifest(dirname(resolve(io.cwd, parseModuleSpec(spec).path)));
    const why = found && explainNonDeterminism(exec.error, found.manifest, { entry: exec.functionName });
    if (why) io.err(why.text);
  }
  return exec.status === "SUCCEEDED" ? EXIT.OK : exec.status === "RUNNING" ? EXIT.WAITING : EXIT.FAILED;
}
