import type { WireOperation } from "@aws/durable-execution-sdk-js";
import type { ProgressEvent } from "../service/runtime.js";

export type LogFormat = "json" | "pretty";
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One structured log line: `event` says what happened, the rest are flat fields. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/**
 * Writes one line per call: a JSON object (`{"ts","level","event",…}`, for log shippers and
 * `jq`) or a short human line.
 *
 * @example
 * const log = createLogger("json");
 * log.log("info", "worker-started", { db: ".durable/state.db", functions: ["checkout"] });
 */
export function createLogger(format: LogFormat, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return {
    log(level, event, fields = {}) {
      const ts = new Date().toISOString();
      if (format === "json") {
        write(JSON.stringify({ ts, level, event, ...dropUndefined(fields) }) + "\n");
        return;
      }
      const { arn: _arn, ...rest } = fields;
      const parts = Object.entries(dropUndefined(rest)).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
      write(`${ts.slice(11, 23)} ${level === "info" ? "" : level.toUpperCase() + " "}${event}${parts.length ? " " + parts.join(" ") : ""}\n`);
    },
  };
}

/** `…:function:checkout:$LATEST/durable-execution/order-1/uuid` → `{ functionName: "checkout", name: "order-1" }`. */
export function parseExecutionArn(arn: string): { functionName?: string; name?: string } {
  const m = /:function:([^:/]+)(?::[^/]*)?\/durable-execution\/([^/]+)\//.exec(arn);
  return m ? { functionName: m[1], name: m[2] } : {};
}

/** The fields of an operation worth a log line or a progress line. */
export function operationFields(op: WireOperation): LogFields {
  const attempt = op.StepDetails?.Attempt;
  const error = op.StepDetails?.Error ?? op.CallbackDetails?.Error ?? op.ContextDetails?.Error ?? op.ChainedInvokeDetails?.Error;
  return {
    operationId: op.Id,
    operationName: op.Name,
    type: op.Type,
    subType: op.SubType,
    status: op.Status,
    attempt: op.Type === "STEP" ? (op.Status === "STARTED" ? (attempt ?? 0) + 1 : attempt) : undefined,
    nextAttemptAt: op.Status === "PENDING" ? wireTime(op.StepDetails?.NextAttemptTimestamp) : undefined,
    waitUntil: op.Type === "WAIT" && op.Status === "STARTED" ? wireTime(op.WaitDetails?.ScheduledEndTimestamp) : undefined,
    callbackId: op.Type === "CALLBACK" && op.Status === "STARTED" ? op.CallbackDetails?.CallbackId : undefined,
    error: error ? [error.ErrorType, error.ErrorMessage].filter(Boolean).join(": ") : undefined,
  };
}

/** Turns a runtime progress event into a log line's event name and fields. */
export function progressLog(e: ProgressEvent): { level: LogLevel; event: string; fields: LogFields } {
  const { functionName, name } = parseExecutionArn(e.arn);
  const base = { arn: e.arn, function: functionName, execution: name };
  switch (e.type) {
    case "invocation-started":
      return { level: "info", event: "invocation-started", fields: { ...base, invocation: e.invocation, replaying: e.replaying } };
    case "invocation-ended":
      return {
        level: e.outcome === "CRASHED" ? "warn" : "info",
        event: "invocation-ended",
        fields: {
          ...base,
          invocation: e.invocation,
          outcome: e.outcome,
          error: e.error ? [e.error.ErrorType, e.error.ErrorMessage].filter(Boolean).join(": ") : undefined,
        },
      };
    case "operation":
      return { level: "info", event: "operation", fields: { ...base, ...operationFields(e.operation) } };
    case "execution-ended":
      return { level: e.status === "SUCCEEDED" ? "info" : "warn", event: "execution-ended", fields: { ...base, status: e.status } };
  }
}

/** A name for display: unnamed children of a named operation read `parent.kind` (e.g. `approve.callback`). */
export function displayName(op: WireOperation, all: readonly WireOperation[]): string {
  if (op.Name) return op.Name;
  const parent = op.ParentId ? all.find((p) => p.Id === op.ParentId) : undefined;
  const kind = String(op.SubType ?? op.Type ?? "").toLowerCase();
  return parent?.Name ? `${parent.Name}.${kind}` : String(op.Id);
}

/**
 * One progress line for an operation, as `durablec run` prints it:
 * `  step      charge-card        SUCCEEDED  attempt 1`.
 */
export function formatOperationLine(op: WireOperation, displayName: string = String(op.Name ?? op.Id)): string {
  const f = operationFields(op);
  const kind = String(f.subType ?? f.type ?? "").toLowerCase().replace(/_/g, "-");
  const extra: string[] = [];
  if (f.attempt !== undefined && (f.attempt as number) > 1) extra.push(`attempt ${f.attempt}`);
  if (f.waitUntil) extra.push(`until ${f.waitUntil}`);
  if (f.nextAttemptAt) extra.push(`retry at ${f.nextAttemptAt}`);
  if (f.callbackId) extra.push(`callback id ${f.callbackId}`);
  if (f.error) extra.push(String(f.error));
  return `  ${kind.padEnd(18)} ${displayName.padEnd(24)} ${String(op.Status).padEnd(10)} ${extra.join("  ")}`.trimEnd();
}

function wireTime(t: unknown): string | undefined {
  if (t === undefined || t === null) return undefined;
  const d = t instanceof Date ? t : new Date(t as string | number);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

function dropUndefined(o: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Remembers the last status seen of every operation of the executions in flight, so that each
 * change is reported once, whether it came from a checkpoint, a timer or a callback.
 */
export class OperationTracker {
  readonly #seen = new Map<string, Map<string, string>>();
  constructor(readonly maxExecutions = 10_000) {}

  /** The operations of `arn` whose status differs from the last time (EXECUTION operations left out). */
  changes(arn: string, operations: readonly WireOperation[]): WireOperation[] {
    let seen = this.#seen.get(arn);
    if (!seen) {
      if (this.#seen.size >= this.maxExecutions) this.#seen.delete(this.#seen.keys().next().value!);
      this.#seen.set(arn, (seen = new Map()));
    }
    const out: WireOperation[] = [];
    for (const op of operations) {
      if (op.Type === "EXECUTION" || !op.Id || seen.get(op.Id) === op.Status) continue;
      seen.set(op.Id, op.Status as string);
      out.push(op);
    }
    return out;
  }

  /** Marks the operations as seen without reporting them (an execution picked up mid-way). */
  seed(arn: string, operations: readonly WireOperation[]): void {
    this.changes(arn, operations);
  }

  has(arn: string): boolean {
    return this.#seen.has(arn);
  }

  forget(arn: string): void {
    this.#seen.delete(arn);
  }
}

/**
 * Turns runtime progress events into log lines, with one `operation` line per operation status
 * change (the checkpoint response only carries what the service changed, so the operations are
 * compared at each invocation boundary).
 */
export function progressLogger(
  logger: Logger,
  operations: (arn: string) => readonly WireOperation[],
  previousInvocationEnd?: (arn: string) => number | undefined,
): (e: ProgressEvent) => void {
  const tracker = new OperationTracker();
  const logOps = (arn: string, ops: readonly WireOperation[], all?: readonly WireOperation[]) => {
    for (const op of tracker.changes(arn, ops)) {
      const { level, event, fields } = progressLog({ type: "operation", arn, operation: op });
      if (!op.Name && all) fields.operationName = displayName(op, all);
      logger.log(level, event, fields);
    }
  };
  return (e) => {
    try {
      if (e.type === "operation") return logOps(e.arn, [e.operation]);
      if (e.type === "invocation-started" && !tracker.has(e.arn)) {
        // First sight of this execution in this process: report only what changed since its
        // previous invocation ended (a callback that arrived, a wait that ended), not its past.
        const all = operations(e.arn);
        const since = previousInvocationEnd?.(e.arn);
        tracker.seed(
          e.arn,
          all.filter((op) => since === undefined || !(op.EndTimestamp && Date.parse(String(op.EndTimestamp)) >= since)),
        );
      }
      if (e.type === "invocation-started" || e.type === "invocation-ended" || e.type === "execution-ended") {
        const all = operations(e.arn);
        logOps(e.arn, all, all);
      }
    } catch {
      /* the store is closing: progress lines are best effort */
    }
    const { level, event, fields } = progressLog(e);
    logger.log(level, event, fields);
    if (e.type === "execution-ended") tracker.forget(e.arn);
  };
}
