import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { RuntimeError } from "../service/errors.js";
import { explainNonDeterminism, findManifest } from "../versioning/explain-nondeterminism.js";
import type { DurableRuntime, ExecutionDescription } from "../service/runtime.js";
import type { ExecutionStatus } from "../store/store.js";
import { displayName, formatOperationLine } from "../worker/log.js";
import { DEFAULT_DB, EXIT, UsageError, guard, intOption, openRuntime, parse, printJson, readJsonArg, type CommandIO } from "./common.js";

export const EXECUTIONS_HELP = `Usage: durablec executions <list|show|history|stop> [args] [options]

  durablec executions list [--status <status>] [--function <name>] [--limit <n>] [--json]
      Executions, newest first. Status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED.
  durablec executions show <arn|name> [--json] [--manifest <durable.manifest.json>]
      One execution: status, input, result or error, its operations, and where its errors were
      thrown (the stack of each failed operation's last attempt and of the handler, at their
      source lines). A non-determinism error is explained with the source lines of the manifest
      (default: ./durable.manifest.json or ./dist/durable.manifest.json, if present).
  durablec executions history <arn|name> [--json]
      Its history events (ExecutionStarted, StepSucceeded, WaitStarted, …).
  durablec executions stop <arn|name> [--error <json>] [--json]
      Stops a running execution (optional error object {ErrorType, ErrorMessage}).

Common options:
  --db <file>    Database file (default ${DEFAULT_DB}).
  --json         Machine-readable output on stdout.
  -h, --help     Show this help.

An execution is named by its ARN or by its name (when only one execution has it).
Exit codes: 0 ok, 1 no such execution / not running, 2 usage error.`;

const STATUSES: readonly ExecutionStatus[] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"];

export async function runExecutions(argv: string[], io: CommandIO): Promise<number> {
  return guard("executions", io, async () => {
    const { values, positionals } = parse(argv, {
      db: { type: "string" },
      json: { type: "boolean" },
      status: { type: "string" },
      function: { type: "string" },
      limit: { type: "string" },
      error: { type: "string" },
      manifest: { type: "string" },
    });
    if (values.help) return (io.out(EXECUTIONS_HELP), EXIT.OK);
    const [sub, ...args] = positionals;
    if (!sub) throw new UsageError("Name a subcommand: list, show, history or stop.");
    const want = (n: number) => {
      if (args.length !== n) throw new UsageError(`executions ${sub} takes ${n === 0 ? "no arguments" : "an execution ARN or name"}, got ${args.length}.`);
    };
    if (!["list", "show", "history", "stop"].includes(sub)) throw new UsageError(`Unknown subcommand ${JSON.stringify(sub)}: use list, show, history or stop.`);
    if (sub === "list") {
      want(0);
      const status = values.status?.toUpperCase() as ExecutionStatus | undefined;
      if (status !== undefined && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(values.status)}.`);
      const limit = intOption(values.limit, "limit", 1, 100);
      const rt = openRuntime(values.db, io.cwd);
      try {
        const list = rt.list({ status, functionName: values.function, limit });
        if (values.json) printJson(io, list);
        else if (list.length === 0) io.out("no executions");
        else {
          io.out(`${"STATUS".padEnd(10)} ${"FUNCTION".padEnd(16)} ${"NAME".padEnd(38)} STARTED`);
          for (const e of list) io.out(`${e.status.padEnd(10)} ${e.functionName.padEnd(16)} ${e.name.padEnd(38)} ${e.startTime}`);
        }
        return EXIT.OK;
      } finally {
        await rt.close();
      }
    }
    want(1);
    const error = values.error === undefined ? undefined : readJsonArg(values.error, "--error", io.cwd);
    if (error !== undefined && (typeof error !== "object" || error === null || Array.isArray(error))) {
      throw new UsageError("--error must be a JSON object such as {\"ErrorType\":\"Cancelled\",\"ErrorMessage\":\"…\"}.");
    }
    const rt = openRuntime(values.db, io.cwd);
    try {
      const arn = resolveExecution(rt, args[0]!);
      if (sub === "show") {
        const exec = rt.get(arn);
        const operations = rt.operations(arn);
        const errorStacks = rt.errorStacks(arn);
        if (values.json) printJson(io, { ...exec, operations, errorStacks });
        else {
          io.out(describeText(exec));
          io.out("operations:");
          for (const op of operations) if (op.Type !== "EXECUTION") io.out(formatOperationLine(op, displayName(op, operations)));
          const thrown = thrownText(errorStacks, operations, io.cwd);
          if (thrown) io.out(thrown);
          const why = exec.error?.ErrorType === "NonDeterministicExecutionError" ? explainWithManifest(exec, values.manifest, io.cwd) : undefined;
          if (why) io.out(why);
        }
        return EXIT.OK;
      }
      if (sub === "history") {
        const events = rt.history(arn);
        if (values.json) printJson(io, events);
        else
          for (const ev of events) {
            io.out(`${String(ev.EventId).padStart(4)} ${String(ev.EventTimestamp)} ${String(ev.EventType).padEnd(22)} ${ev.Name ?? ""}`.trimEnd());
          }
        return EXIT.OK;
      }
      const stopped = rt.stop(arn, error as Record<string, string> | undefined);
      if (values.json) printJson(io, stopped);
      else io.out(`stopped ${stopped.name} (${stopped.arn})`);
      return EXIT.OK;
    } finally {
      await rt.close();
    }
  });
}

/** An ARN, or a name that exactly one execution has. */
export function resolveExecution(rt: DurableRuntime, id: string): string {
  if (id.startsWith("arn:")) {
    rt.get(id);
    return id;
  }
  const rows = rt.store.db.prepare(`SELECT arn FROM executions WHERE name = ? LIMIT 2`).all(id) as { arn: string }[];
  if (rows.length === 0) throw new RuntimeError("EXECUTION_NOT_FOUND", `No execution named or with ARN ${JSON.stringify(id)}.`);
  if (rows.length > 1) throw new UsageError(`More than one execution is named ${JSON.stringify(id)}; give its ARN.`);
  return rows[0]!.arn;
}

/** The source lines behind a NonDeterministicExecutionError, from the build's manifest. */
function explainWithManifest(e: ExecutionDescription, manifestFile: string | undefined, cwd: string): string | undefined {
  const candidates = manifestFile ? [resolve(cwd, manifestFile)] : [join(cwd, "durable.manifest.json"), join(cwd, "dist", "durable.manifest.json")];
  for (const file of candidates) {
    if (!existsSync(file)) {
      if (manifestFile) throw new UsageError(`--manifest: no such file ${JSON.stringify(manifestFile)}.`);
      continue;
    }
    const found = findManifest(dirname(file));
    return found ? explainNonDeterminism(e.error, found.manifest, { entry: e.functionName })?.text : undefined;
  }
  return undefined;
}

/**
 * Where the execution's errors were thrown: for each failed operation its last attempt's stack,
 * and the handler's, as the frames of the application's code at their source lines (relative to
 * `cwd` when inside it). Empty when nothing was captured.
 */
function thrownText(stacks: ReturnType<DurableRuntime["errorStacks"]>, operations: ReturnType<DurableRuntime["operations"]>, cwd: string): string {
  const last = new Map<string, (typeof stacks)[number]>();
  for (const s of stacks) if ((last.get(s.operationId)?.attempt ?? -1) < s.attempt) last.set(s.operationId, s);
  if (last.size === 0) return "";
  const shown = (file: string) => {
    const rel = relative(cwd, file);
    return rel.startsWith("..") || isAbsolute(rel) ? file : rel.split("\\").join("/");
  };
  const lines = ["thrown at:"];
  // In start order, the handler's last (its EXECUTION operation comes first).
  const position = (id: string) => {
    const i = operations.findIndex((o) => o.Id === id && o.Type !== "EXECUTION");
    return i < 0 ? operations.length : i;
  };
  for (const s of [...last.values()].sort((a, b) => position(a.operationId) - position(b.operationId))) {
    const op = operations.find((o) => o.Id === s.operationId);
    const what = !op || op.Type === "EXECUTION" ? "handler" : `${displayName(op, operations)}${s.attempt > 0 ? `, attempt ${s.attempt}` : ""}`;
    lines.push(`  ${what}: ${s.errorType}: ${s.errorMessage.split("\n")[0]}`);
    const frames = s.frames.filter((f) => !f.library);
    if (frames.length === 0) lines.push("    (no frame of the application's code)");
    for (const f of frames) {
      const at = f.source ? `${shown(f.source.file)}:${f.source.line}:${f.source.column}` : f.file ? `${shown(f.file)}:${f.line}:${f.column}` : f.text;
      lines.push(`    at ${f.fn ? `${f.fn} (${at})` : at}`);
    }
  }
  return lines.join("\n");
}

function describeText(e: ExecutionDescription): string {
  const lines = [
    `${e.name}  ${e.status}`,
    `  arn:       ${e.arn}`,
    `  function:  ${e.functionName}`,
    `  started:   ${e.startTime}`,
    ...(e.endTime ? [`  ended:     ${e.endTime}`] : []),
    ...(e.nextWakeTime ? [`  next wake: ${e.nextWakeTime}`] : []),
    `  input:     ${JSON.stringify(e.input)}`,
    ...("result" in e ? [`  result:    ${JSON.stringify(e.result)}`] : []),
    ...(e.error ? [`  error:     ${[e.error.ErrorType, e.error.ErrorMessage].filter(Boolean).join(": ")}`] : []),
  ];
  return lines.join("\n");
}
