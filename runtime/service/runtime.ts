import { randomUUID } from "node:crypto";
import {
  DurableExecutionClientError,
  DurableExecutionInvocationInputWithClient,
  type DurableExecutionClient,
  type DurableExecutionInvocationOutput,
  type ErrorObject,
  type WireOperation,
} from "@aws/durable-execution-sdk-js";
import { Store, type ExecutionFilter, type ExecutionRow, type ExecutionStatus } from "../store/store.js";
import { RealClock, VirtualClock, type Clock } from "./clock.js";
import { RuntimeError } from "./errors.js";
import { ExecutionService, iso, type InvocationStart } from "./execution-service.js";
import { errorCapture, type ErrorCaptureScope } from "./error-stacks.js";
import { inputChecker, type InputProblem } from "./input-validation.js";
import { captureError, type CapturedError } from "./stack-frames.js";

/** What `withDurableExecution(...)` returns: the only kind of handler the runtime invokes. */
export type DurableHandler = (event: any, context: any) => Promise<DurableExecutionInvocationOutput>;
/** A plain (non-durable) function that chained invokes may target. */
export type PlainFunction = (input: any) => unknown;

export interface RegisterOptions {
  /** Default execution timeout for executions of this function, in seconds. */
  executionTimeoutSeconds?: number;
  /**
   * The entry's `eventSchema` from durable.manifest.json: {@link DurableRuntime.start} refuses an
   * input that does not match it, listing every problem, before anything is stored. Without it
   * the compiled entry still checks its event, failing the execution it started.
   */
  eventSchema?: unknown;
}

export interface FaultPlan {
  /**
   * Called after every committed checkpoint. Returning true kills the invocation there, as a
   * crashed Lambda would: the response is lost, later calls of that invocation are refused, and
   * the runtime retries the execution in a new invocation from its last checkpoint.
   */
  crashAfterCheckpoint?(at: { arn: string; functionName: string; invocation: number; checkpoint: number }): boolean;
}

export type ProgressEvent =
  | { type: "invocation-started"; arn: string; invocation: number; replaying: boolean }
  | { type: "invocation-ended"; arn: string; invocation: number; outcome: string; error?: ErrorObject }
  | { type: "operation"; arn: string; operation: WireOperation }
  | { type: "execution-ended"; arn: string; status: ExecutionStatus };

export interface RuntimeOptions {
  /** A database file, `:memory:` (the default), or an open store. */
  db?: string | Store;
  clock?: Clock;
  /** Identifies this runtime's leases; unique per process by default. */
  owner?: string;
  /** How long a lease lasts without renewal (ms of the service clock). A dead worker's executions are picked up after it. */
  leaseMs?: number;
  /** Invocations that may die in a row before the execution fails (Lambda retries a failed invocation). */
  maxFailedInvocations?: number;
  /** How long one invocation may run (real ms) before it counts as timed out. */
  invocationTimeoutMs?: number;
  /** How many executions one runtime drives at once. */
  concurrency?: number;
  faults?: FaultPlan;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ExecutionDescription {
  arn: string;
  name: string;
  functionName: string;
  status: ExecutionStatus;
  input: unknown;
  /** The parsed result of a SUCCEEDED execution. */
  result?: unknown;
  error?: ErrorObject;
  startTime: string;
  endTime?: string;
  /** When the runtime will next look at this execution, if it is waiting on time. */
  nextWakeTime?: string;
  parentArn?: string;
  checkpoints: number;
}

export interface StartOptions {
  /** Execution name; starting the same name again with the same input returns the existing execution. */
  name?: string;
  executionTimeoutSeconds?: number;
}

/**
 * The local durable execution service: stores executions in SQLite, implements the checkpoint
 * API the SDK talks to, invokes registered handlers in-process, and wakes executions when their
 * waits, retries, callbacks and chained invokes are due.
 *
 * @example
 * const rt = createRuntime({ db: ".durable/state.db" });
 * rt.register("checkout", checkout);            // a withDurableExecution(...) handler
 * const { arn } = rt.start("checkout", { orderId: "o-1" });
 * await rt.runUntilIdle();
 * console.log(rt.get(arn).status, rt.get(arn).result);
 */
export class DurableRuntime {
  readonly store: Store;
  readonly clock: Clock;
  readonly service: ExecutionService;
  readonly owner: string;
  readonly #ownsStore: boolean;
  readonly #handlers = new Map<string, { handler: DurableHandler; options: RegisterOptions; check?: (input: unknown) => InputProblem[] }>();
  readonly #functions = new Map<string, PlainFunction>();
  readonly #options: Required<Pick<RuntimeOptions, "leaseMs" | "maxFailedInvocations" | "invocationTimeoutMs" | "concurrency">> &
    RuntimeOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #driving = new Set<string>();
  #closed = false;

  constructor(options: RuntimeOptions = {}) {
    this.#ownsStore = !(options.db instanceof Store);
    this.store = options.db instanceof Store ? options.db : Store.open(options.db ?? ":memory:");
    this.clock = options.clock ?? new RealClock();
    this.service = new ExecutionService(this.store, this.clock);
    this.owner = options.owner ?? `runtime-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.#options = {
      leaseMs: 30_000,
      maxFailedInvocations: 3,
      invocationTimeoutMs: 15 * 60_000,
      concurrency: 8,
      ...options,
    };
  }

  // ---- registry ------------------------------------------------------------------------------

  /** Registers a `withDurableExecution` handler under a function name. */
  register(functionName: string, handler: DurableHandler, options: RegisterOptions = {}): this {
    if (typeof handler !== "function") {
      throw new RuntimeError("INVALID_INPUT", `The handler for ${functionName} is not a function (got ${typeof handler}).`);
    }
    const check = options.eventSchema === undefined ? undefined : inputChecker(options.eventSchema);
    this.#handlers.set(functionName, { handler, options, ...(check ? { check } : {}) });
    return this;
  }

  /** Registers a plain function as a target for chained invokes (`context.invoke`). */
  registerFunction(functionName: string, fn: PlainFunction): this {
    this.#functions.set(functionName, fn);
    return this;
  }

  get functionNames(): string[] {
    return [...this.#handlers.keys()];
  }

  /** The event schema a function was registered with, if {@link start} checks inputs against it. */
  eventSchema(functionName: string): unknown {
    const registered = this.#handlers.get(functionName);
    return registered?.check ? registered.options.eventSchema : undefined;
  }

  // ---- executions ----------------------------------------------------------------------------

  /**
   * Starts an execution of a registered handler. It runs when the runtime is driven
   * (`runDue`, `runUntilIdle`, `drive`, or a worker).
   */
  start(functionName: string, input: unknown = {}, options: StartOptions = {}): ExecutionDescription {
    const registered = this.#handlers.get(functionName);
    if (!registered) {
      const known = this.functionNames;
      throw new RuntimeError(
        "HANDLER_NOT_REGISTERED",
        `No handler is registered as ${JSON.stringify(functionName)}${known.length ? ` (registered: ${known.join(", ")})` : ""}.`,
      );
    }
    let payload: string | undefined;
    try {
      payload = JSON.stringify(input);
    } catch (e) {
      throw new RuntimeError("INVALID_INPUT", `The input cannot be serialized as JSON: ${(e as Error).message}`);
    }
    if (payload === undefined) throw new RuntimeError("INVALID_INPUT", "The input cannot be serialized as JSON.");
    // Checked as the execution will see it: JSON, not the caller's object (a Date becomes a string).
    const problems = registered.check?.(JSON.parse(payload)) ?? [];
    if (problems.length) {
      const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
      throw new RuntimeError("INVALID_INPUT", `Invalid input for ${functionName} (${count}):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`, problems);
    }
    const { execution } = this.service.startExecution({
      functionName,
      input: payload,
      name: options.name,
      executionTimeoutSeconds: options.executionTimeoutSeconds ?? registered.options.executionTimeoutSeconds,
    });
    return describe(execution);
  }

  /** Starts an execution and drives the runtime until that execution ends or nothing more can happen without outside input. */
  async execute(functionName: string, input: unknown = {}, options: StartOptions = {}): Promise<ExecutionDescription> {
    const { arn } = this.start(functionName, input, options);
    await this.runUntilIdle({ until: () => this.store.getExecution(arn)?.status !== "RUNNING" });
    return this.get(arn);
  }

  get(arn: string): ExecutionDescription {
    return describe(this.service.getExecutionOrThrow(arn));
  }

  list(filter: ExecutionFilter = {}): ExecutionDescription[] {
    return this.store.listExecutions(filter).map(describe);
  }

  /** Every operation of an execution in start order (children of finished contexts included). */
  operations(arn: string): WireOperation[] {
    this.service.getExecutionOrThrow(arn);
    return this.service.listOperations(arn);
  }

  /** The execution's history events, shaped as the AWS API and the SDK's test runner report them. */
  history(arn: string): Record<string, unknown>[] {
    this.service.getExecutionOrThrow(arn);
    return this.store.listEvents(arn);
  }

  /**
   * The errors thrown in this process by the execution's steps (per attempt), child contexts and
   * handler (under the EXECUTION operation's id), with their stacks mapped to the source. Only
   * handlers loaded after `enableErrorStackCapture()` report them (the CLI commands do).
   */
  errorStacks(arn: string): (CapturedError & { operationId: string; attempt: number })[] {
    this.service.getExecutionOrThrow(arn);
    return this.store.listErrorStacks(arn).map((r) => ({ operationId: r.operation_id, attempt: r.attempt, ...(JSON.parse(r.data) as CapturedError) }));
  }

  invocations(arn: string) {
    this.service.getExecutionOrThrow(arn);
    return this.store.listInvocations(arn).map((i) => ({
      invocation: i.seq,
      requestId: i.request_id,
      startTime: iso(i.start_ts),
      endTime: i.end_ts === null ? undefined : iso(i.end_ts),
      outcome: i.outcome ?? "RUNNING",
      error: i.error ? (JSON.parse(i.error) as ErrorObject) : undefined,
    }));
  }

  stop(arn: string, error?: ErrorObject): ExecutionDescription {
    const exec = describe(this.service.stopExecution(arn, error));
    this.#options.onProgress?.({ type: "execution-ended", arn, status: exec.status });
    return exec;
  }

  // ---- callbacks -----------------------------------------------------------------------------

  /** Completes a callback with a result string (what the SDK hands to the waiting code). */
  sendCallbackSuccess(callbackId: string, result = ""): ExecutionDescription {
    if (typeof result !== "string") throw new RuntimeError("INVALID_INPUT", "A callback result must be a string.");
    return describe(this.service.completeCallback(callbackId, { result }));
  }

  sendCallbackFailure(callbackId: string, error: ErrorObject = {}): ExecutionDescription {
    if (typeof error !== "object" || error === null || Array.isArray(error)) {
      throw new RuntimeError("INVALID_INPUT", "A callback error must be an object such as {ErrorType, ErrorMessage}.");
    }
    for (const k of ["ErrorType", "ErrorMessage", "ErrorData"] as const) {
      if (error[k] !== undefined && typeof error[k] !== "string") throw new RuntimeError("INVALID_INPUT", `${k} must be a string.`);
    }
    return describe(this.service.completeCallback(callbackId, { error }));
  }

  sendCallbackHeartbeat(callbackId: string): ExecutionDescription {
    return describe(this.service.heartbeatCallback(callbackId));
  }

  // ---- driving -------------------------------------------------------------------------------

  /**
   * Invokes the execution's handler as long as it has something to do now (a new start, a wait
   * that ended, a callback that arrived, a crashed invocation to retry), under a lease so that no
   * other runtime on the same database runs it at the same time.
   */
  async drive(arn: string): Promise<void> {
    if (this.#driving.has(arn)) return;
    if (!this.service.acquireLease(arn, this.owner, this.#options.leaseMs)) return;
    this.#driving.add(arn);
    // Holding the lease and not running it here: an invocation still open died with its process.
    this.service.recoverAbandonedInvocation(arn, this.#options.maxFailedInvocations);
    // Renew while invoking; a lease lost (the store was unreachable past its expiry, another
    // worker took over) stops this driver after the invocation in flight, whose token the new
    // owner's first invocation revokes anyway.
    let leaseLost = false;
    const renew = setInterval(() => {
      try {
        if (!this.service.acquireLease(arn, this.owner, this.#options.leaseMs)) leaseLost = true;
      } catch {
        leaseLost = true; // the store is closing or locked: let the lease expire
      }
    }, Math.max(50, Math.floor(this.#options.leaseMs / 3)));
    renew.unref();
    try {
      for (let i = 0; i < 10_000 && !this.#closed && !leaseLost; i++) {
        const start = this.service.beginInvocation(arn);
        if (!start) break;
        await this.#invoke(start);
        this.#startChainedInvokes();
      }
    } finally {
      clearInterval(renew);
      this.#driving.delete(arn);
      if (!this.#closed) this.service.releaseLease(arn, this.owner);
    }
  }

  /** Drives every execution that is due now (without moving the clock). Returns how many were looked at. */
  async runDue(): Promise<number> {
    let total = 0;
    for (let round = 0; round < 1000 && !this.#closed; round++) {
      this.#startChainedInvokes();
      const due = this.store.dueExecutions(this.clock.now(), this.#options.concurrency * 4).filter((e) => !this.#driving.has(e.arn));
      if (due.length === 0) break;
      total += due.length;
      await mapConcurrent(due, this.#options.concurrency, (e) => this.drive(e.arn));
      if (this.#inFlight.size) await Promise.all([...this.#inFlight]);
    }
    return total;
  }

  /**
   * Runs until nothing more can happen without outside input (a callback, a stop), or until
   * `until()` holds. With a virtual clock, time jumps to the next due wait, retry or timeout;
   * with the real clock, it sleeps until then.
   */
  async runUntilIdle(options: { until?: () => boolean; pollMs?: number } = {}): Promise<void> {
    const pollMs = options.pollMs ?? 1000;
    while (!this.#closed) {
      await this.runDue();
      if (this.#inFlight.size) {
        await Promise.all([...this.#inFlight]);
        continue;
      }
      if (options.until?.()) return;
      const next = this.store.nextWake();
      if (next === undefined) return;
      const now = this.clock.now();
      if (next <= now) continue;
      if (this.clock instanceof VirtualClock) this.clock.advanceTo(next);
      else await sleep(Math.min(next - now, pollMs));
    }
  }

  /** Waits for in-flight work, then closes the store (if the runtime opened it). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
    if (this.#ownsStore) this.store.close();
  }

  // ---- invoking ------------------------------------------------------------------------------

  async #invoke(start: InvocationStart): Promise<void> {
    const exec = this.store.getExecution(start.arn)!;
    const registered = this.#handlers.get(exec.function_name);
    const onProgress = this.#options.onProgress;
    onProgress?.({ type: "invocation-started", arn: start.arn, invocation: start.seq, replaying: start.operations.length > 1 });
    if (!registered) {
      // Registered handlers live in the process; a worker without this module cannot run it.
      const error = { ErrorType: "HandlerNotRegistered", ErrorMessage: `No handler is registered as ${exec.function_name} in this runtime.` };
      this.#finish(start, { kind: "CRASHED", error, maxFailedInvocations: this.#options.maxFailedInvocations });
      return;
    }
    let dead = false;
    let crashed = false;
    // A crashed Lambda is gone: its handler's promise is not awaited (the SDK may never settle
    // after a failed checkpoint, e.g. the one carrying an oversized execution result).
    let kill!: (output?: DurableExecutionInvocationOutput) => void;
    const killed = new Promise<DurableExecutionInvocationOutput | undefined>((resolve) => (kill = resolve));
    const service = this.service;
    const faults = this.#options.faults;
    const functionName = exec.function_name;
    const client: DurableExecutionClient = {
      async getExecutionState(req) {
        if (dead) throw new DurableExecutionClientError("Invalid Checkpoint Token", { scope: "INVOCATION" });
        const page = service.getExecutionState(req.DurableExecutionArn!, req.CheckpointToken, req.Marker, req.MaxItems);
        return { Operations: page.operations, NextMarker: page.nextMarker };
      },
      async checkpoint(req) {
        if (dead) throw new DurableExecutionClientError("Invalid Checkpoint Token", { scope: "INVOCATION" });
        let res: ReturnType<ExecutionService["checkpoint"]>;
        try {
          res = service.checkpoint(req.DurableExecutionArn!, req.CheckpointToken, req.Updates ?? []);
        } catch (e) {
          // The SDK sends an oversized result as an EXECUTION update after the handler returned,
          // and never settles when that checkpoint is refused: fail the execution as the SDK
          // fails it for any other refused checkpoint, instead of waiting for the invocation timeout.
          if (e instanceof DurableExecutionClientError && e.scope === "EXECUTION" && (req.Updates ?? []).some((u) => u.Type === "EXECUTION")) {
            dead = true;
            kill({
              Status: "FAILED" as DurableExecutionInvocationOutput["Status"],
              Error: { ErrorType: "CheckpointUnrecoverableExecutionError", ErrorMessage: `[Unrecoverable Execution] Checkpoint failed: ${e.message}` },
            } as DurableExecutionInvocationOutput);
          }
          throw e;
        }
        if (onProgress) for (const operation of res.operations) onProgress({ type: "operation", arn: start.arn, operation });
        if (faults?.crashAfterCheckpoint) {
          const checkpoint = service.store.getExecution(start.arn)!.checkpoint_count;
          if (faults.crashAfterCheckpoint({ arn: start.arn, functionName, invocation: start.seq, checkpoint })) {
            dead = crashed = true;
            service.store.flush(); // the k-th checkpoint is on disk; the response is what gets lost
            kill();
            throw new DurableExecutionClientError("Injected crash after checkpoint " + checkpoint, { scope: "INVOCATION" });
          }
        }
        return { CheckpointToken: res.token, NewExecutionState: { Operations: res.operations } };
      },
    };
    const event = new DurableExecutionInvocationInputWithClient(
      {
        DurableExecutionArn: start.arn,
        CheckpointToken: start.token,
        InitialExecutionState: { Operations: start.operations, NextMarker: start.nextMarker },
      },
      client,
    );
    (event as unknown as { UpdatedOperationIds: string[] }).UpdatedOperationIds = start.updatedOperationIds;
    const deadline = Date.now() + this.#options.invocationTimeoutMs;
    const virtual = this.clock.virtual;
    const lambdaContext = {
      functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
      memoryLimitInMB: "1024",
      awsRequestId: start.requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: "durablec-local",
      callbackWaitsForEmptyEventLoop: false,
      // Under a virtual clock the SDK must not wait in-process for timers: report no time left,
      // so every wait and retry suspends and the runtime resumes it after moving the clock.
      getRemainingTimeInMillis: () => (virtual ? 0 : Math.max(0, deadline - Date.now())),
      done() {},
      fail() {},
      succeed() {},
    };
    const keep = (operationId: string, attempt: number, error: unknown) => {
      const captured = dead ? undefined : captureError(error);
      if (!captured) return;
      try {
        this.store.transaction(() => this.store.putErrorStack(start.arn, operationId, attempt, JSON.stringify(captured)), "group");
      } catch {
        /* a store closing under a dying invocation: the stack is only a diagnostic */
      }
    };
    const capture: ErrorCaptureScope = {
      operationFailed: keep,
      executionFailed: (error) => keep(exec.execution_op_id, 0, error),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const output = await Promise.race([
        errorCapture.run(capture, () => registered.handler(event, lambdaContext)),
        killed,
        new Promise<never>((_, rejectTimeout) => {
          timer = setTimeout(
            () => rejectTimeout(Object.assign(new Error(`Task timed out after ${this.#options.invocationTimeoutMs} ms`), { name: "TaskTimedOut" })),
            this.#options.invocationTimeoutMs,
          );
          timer.unref();
        }),
      ]);
      dead = true;
      if (crashed) {
        this.#finish(start, { kind: "CRASHED", error: { ErrorType: "InjectedCrash", ErrorMessage: "Invocation killed by fault injection" }, maxFailedInvocations: this.#options.maxFailedInvocations });
      } else if (output?.Status === "SUCCEEDED") this.#finish(start, { kind: "SUCCEEDED", result: output.Result });
      else if (output?.Status === "FAILED") this.#finish(start, { kind: "FAILED", error: output.Error ?? {} });
      else if (output?.Status === "PENDING") this.#finish(start, { kind: "PENDING" });
      else {
        this.#finish(start, {
          kind: "CRASHED",
          error: { ErrorType: "InvalidHandlerOutput", ErrorMessage: `The handler returned ${JSON.stringify(output)?.slice(0, 200)}; expected a withDurableExecution handler.` },
          maxFailedInvocations: this.#options.maxFailedInvocations,
        });
      }
    } catch (e) {
      dead = true;
      const err = e instanceof Error ? e : new Error(String(e));
      this.#finish(start, {
        kind: "CRASHED",
        error: { ErrorType: err.name, ErrorMessage: err.message },
        maxFailedInvocations: this.#options.maxFailedInvocations,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #finish(start: InvocationStart, outcome: Parameters<ExecutionService["endInvocation"]>[1]): void {
    const after = this.service.endInvocation(start, outcome);
    const onProgress = this.#options.onProgress;
    onProgress?.({
      type: "invocation-ended",
      arn: start.arn,
      invocation: start.seq,
      outcome: outcome.kind,
      ...("error" in outcome ? { error: outcome.error } : {}),
    });
    if (after.status !== "RUNNING") onProgress?.({ type: "execution-ended", arn: start.arn, status: after.status });
  }

  /**
   * Starts the targets of chained invokes not started yet (a worker calls it on every poll, so
   * that none is lost when a process dies between the checkpoint and the start).
   */
  startChainedInvokes(): void {
    this.#startChainedInvokes();
  }

  /** Starts the targets of chained invokes: durable handlers as child executions, plain functions in-process. */
  #startChainedInvokes(): void {
    for (const row of this.store.unstartedChainedInvokes()) {
      const name = resolveFunctionName(row.function_name, (n) => this.#handlers.has(n) || this.#functions.has(n));
      const input = row.payload ?? "{}";
      if (name && this.#handlers.has(name)) {
        const childName = `${row.operation_id}-${row.execution_arn.split("/").pop()!.slice(0, 8)}`;
        this.store.transaction(() => {
          const { execution } = this.service.startExecution({
            functionName: name,
            input,
            name: childName,
            parent: { arn: row.execution_arn, operationId: row.operation_id },
            executionTimeoutSeconds: this.#handlers.get(name)!.options.executionTimeoutSeconds,
          });
          this.store.setChainedInvokeChild(row.execution_arn, row.operation_id, execution.arn);
        });
      } else if (name && this.#functions.has(name)) {
        this.store.setChainedInvokeChild(row.execution_arn, row.operation_id, `function:${name}`);
        const fn = this.#functions.get(name)!;
        const p = (async () => {
          try {
            const value = await fn(JSON.parse(input));
            this.service.completeChainedInvoke(row.execution_arn, row.operation_id, {
              status: "SUCCEEDED",
              result: value === undefined ? undefined : JSON.stringify(value),
            });
          } catch (e) {
            const err = e instanceof Error ? e : new Error(String(e));
            this.service.completeChainedInvoke(row.execution_arn, row.operation_id, {
              status: "FAILED",
              error: { ErrorType: err.name, ErrorMessage: err.message },
            });
          }
        })();
        this.#inFlight.add(p);
        void p.finally(() => this.#inFlight.delete(p));
      } else {
        this.store.setChainedInvokeChild(row.execution_arn, row.operation_id, "unresolved");
        this.service.completeChainedInvoke(row.execution_arn, row.operation_id, {
          status: "FAILED",
          error: { ErrorType: "ResourceNotFoundException", ErrorMessage: `Function not found: ${row.function_name}` },
        });
      }
    }
  }
}

/** Opens a local durable execution runtime. See {@link DurableRuntime}. */
export function createRuntime(options: RuntimeOptions = {}): DurableRuntime {
  return new DurableRuntime(options);
}

export function describe(e: ExecutionRow): ExecutionDescription {
  return {
    arn: e.arn,
    name: e.name,
    functionName: e.function_name,
    status: e.status,
    input: JSON.parse(e.input) as unknown,
    ...(e.result !== null && e.result !== "" ? { result: JSON.parse(e.result) as unknown } : {}),
    ...(e.error !== null ? { error: JSON.parse(e.error) as ErrorObject } : {}),
    startTime: iso(e.start_ts),
    ...(e.end_ts !== null ? { endTime: iso(e.end_ts) } : {}),
    ...(e.status === "RUNNING" && e.wake_at !== null ? { nextWakeTime: iso(e.wake_at) } : {}),
    ...(e.parent_arn ? { parentArn: e.parent_arn } : {}),
    checkpoints: e.checkpoint_count,
  };
}

/** `my-fn`, `my-fn:prod`, `arn:aws:lambda:…:function:my-fn:3` all name `my-fn` when that is registered. */
function resolveFunctionName(id: string, known: (name: string) => boolean): string | undefined {
  if (known(id)) return id;
  const fromArn = /:function:([^:]+)(?::[^:]+)?$/.exec(id)?.[1];
  if (fromArn && known(fromArn)) return fromArn;
  const unqualified = id.split(":")[0]!;
  return known(unqualified) ? unqualified : undefined;
}

async function mapConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
