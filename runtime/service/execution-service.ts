import { randomBytes, randomUUID } from "node:crypto";
import {
  DurableExecutionClientError,
  type ErrorObject,
  type OperationUpdate,
  type WireOperation,
} from "@aws/durable-execution-sdk-js";
import { parseOperation, type ExecutionRow, type ExecutionStatus, type OperationRow, type Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import {
  byteLength,
  MAX_ERROR_BYTES,
  MAX_EXECUTION_RESULT_BYTES,
  MAX_INPUT_BYTES,
  MAX_OPERATION_PAYLOAD_BYTES,
  RuntimeError,
} from "./errors.js";

/**
 * The service side of the durable execution protocol, as a state machine over the store: what the
 * Lambda service does when a handler checkpoints, when a wait ends, when a callback arrives.
 * Every public method is one transaction. Replay, steps, map and retries stay in the SDK.
 */

type Json = Record<string, unknown>;

/** What one checkpoint has changed so far, written once at its end. */
interface Batch {
  ops: Map<string, { op: WireOperation; wakeAt: number | null; row: OperationRow | undefined }>;
  started: Map<string, string>;
}

/** History events only a handler's checkpoint produces (as opposed to timers and callbacks). */
const HANDLER_EVENTS = new Set([
  "StepStarted",
  "StepSucceeded",
  "StepFailed",
  "WaitStarted",
  "WaitCancelled",
  "CallbackStarted",
  "ContextStarted",
  "ContextSucceeded",
  "ContextFailed",
  "ChainedInvokeStarted",
]);
const TERMINAL_OPERATION = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"]);
const VALID_ACTIONS: Record<string, readonly string[]> = {
  STEP: ["START", "SUCCEED", "FAIL", "RETRY"],
  CONTEXT: ["START", "SUCCEED", "FAIL"],
  WAIT: ["START", "CANCEL"],
  CALLBACK: ["START", "CANCEL"],
  CHAINED_INVOKE: ["START", "CANCEL"],
  EXECUTION: ["SUCCEED", "FAIL"],
};

export interface StartRequest {
  functionName: string;
  input: string;
  name?: string;
  executionTimeoutSeconds?: number;
  parent?: { arn: string; operationId: string };
}

export interface InvocationStart {
  arn: string;
  seq: number;
  requestId: string;
  token: string;
  operations: WireOperation[];
  nextMarker?: string;
  updatedOperationIds: string[];
}

export interface StatePage {
  operations: WireOperation[];
  nextMarker?: string;
}

/** Rejects a checkpoint or state request the way the service does (the SDK reads the scope). */
function reject(scope: "INVOCATION" | "EXECUTION", message: string): never {
  throw new DurableExecutionClientError(message, { scope });
}

let lastIsoMs = Number.NaN;
let lastIso = "";
/** ISO-8601 of a service timestamp (memoised: one checkpoint stamps many fields with the same instant). */
export function iso(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/** `<invocation nonce>.<n>` → `<invocation nonce>.<n+1>`. */
function nextToken(token: string): string {
  const dot = token.lastIndexOf(".");
  return dot < 0 ? `${token}.1` : `${token.slice(0, dot)}.${Number(token.slice(dot + 1)) + 1}`;
}

export class ExecutionService {
  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly options: { initialPageSize: number } = { initialPageSize: 1000 },
  ) {}

  // ---- executions ----------------------------------------------------------------------------

  /**
   * Creates an execution (idempotent by name: the same name and input return the existing one).
   * Returns the stored row and whether it was created.
   */
  startExecution(req: StartRequest): { execution: ExecutionRow; created: boolean } {
    if (byteLength(req.input) > MAX_INPUT_BYTES) {
      throw new RuntimeError("PAYLOAD_TOO_LARGE", `The input is ${byteLength(req.input)} bytes; the limit is ${MAX_INPUT_BYTES}.`);
    }
    try {
      JSON.parse(req.input);
    } catch (e) {
      throw new RuntimeError("INVALID_INPUT", `The input is not valid JSON: ${(e as Error).message}`);
    }
    if (req.name !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(req.name)) {
      throw new RuntimeError(
        "INVALID_INPUT",
        `Execution name ${JSON.stringify(req.name)} is invalid: use 1-64 letters, digits, '-', '_', '.', ':'.`,
      );
    }
    const t = req.executionTimeoutSeconds;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 31_622_400)) {
      throw new RuntimeError("INVALID_INPUT", `executionTimeoutSeconds must be an integer from 1 to 31622400, got ${t}.`);
    }
    return this.store.transaction(() => {
      if (req.name !== undefined) {
        const existing = this.store.getExecutionByName(req.functionName, req.name);
        if (existing) {
          if (existing.input !== req.input) {
            throw new RuntimeError(
              "EXECUTION_NAME_CONFLICT",
              `An execution named ${JSON.stringify(req.name)} of ${req.functionName} already exists with a different input.`,
            );
          }
          return { execution: existing, created: false };
        }
      }
      const now = this.clock.now();
      const id = randomUUID();
      const name = req.name ?? id;
      const arn = `arn:aws:lambda:local:000000000000:function:${req.functionName}:$LATEST/durable-execution/${name}/${id}`;
      const executionOpId = randomUUID();
      this.store.insertExecution({
        arn,
        name,
        function_name: req.functionName,
        status: "RUNNING",
        input: req.input,
        result: null,
        error: null,
        start_ts: now,
        end_ts: null,
        timeout_at: t === undefined ? null : now + t * 1000,
        execution_op_id: executionOpId,
        checkpoint_token: null,
        runnable: 1,
        wake_at: now,
        lease_owner: null,
        lease_expires_at: null,
        parent_arn: req.parent?.arn ?? null,
        parent_op_id: req.parent?.operationId ?? null,
      });
      const exec = this.store.getExecution(arn)!;
      const op: WireOperation = {
        Id: executionOpId,
        Type: "EXECUTION" as WireOperation["Type"],
        Status: "STARTED" as WireOperation["Status"],
        StartTimestamp: iso(now),
        ExecutionDetails: { InputPayload: req.input },
      };
      this.#insertOp(exec, op, null);
      this.#event(exec, "ExecutionStarted", op, {
        Input: { Payload: req.input },
        ExecutionTimeout: t,
      });
      this.#saveCounters(exec);
      return { execution: this.store.getExecution(arn)!, created: true };
    });
  }

  getExecutionOrThrow(arn: string): ExecutionRow {
    const exec = this.store.getExecution(arn);
    if (!exec) throw new RuntimeError("EXECUTION_NOT_FOUND", `No execution ${arn}.`);
    return exec;
  }

  /** Stops a running execution: its live invocation loses its token, pending callbacks are cancelled. */
  stopExecution(arn: string, error?: ErrorObject): ExecutionRow {
    return this.store.transaction(() => {
      const exec = this.getExecutionOrThrow(arn);
      if (exec.status !== "RUNNING") {
        throw new RuntimeError("EXECUTION_NOT_RUNNING", `Execution ${arn} is already ${exec.status}.`);
      }
      this.#finishExecution(exec, "STOPPED", { error: error ?? { ErrorType: "ExecutionStopped", ErrorMessage: "Stopped by request" } });
      return this.store.getExecution(arn)!;
    });
  }

  // ---- invocations ---------------------------------------------------------------------------

  /**
   * Opens an invocation: applies due timers, issues a fresh checkpoint token (which invalidates any
   * earlier invocation's), collects the operations changed since the last one and the first page
   * of state. Returns undefined when there is nothing for the handler to do.
   */
  beginInvocation(arn: string, force = false): InvocationStart | undefined {
    return this.store.transaction(() => {
      const exec = this.getExecutionOrThrow(arn);
      const now = this.clock.now();
      this.#applyDue(exec, now, true);
      if (exec.status !== "RUNNING") return undefined;
      if (!exec.runnable && !force) {
        this.#saveCounters(exec);
        this.#reschedule(exec);
        return undefined;
      }
      exec.checkpoint_token = newToken();
      exec.runnable = 0;
      const seq = this.store.lastInvocationSeq(arn) + 1;
      const requestId = randomUUID();
      this.store.insertInvocation({ execution_arn: arn, seq, request_id: requestId, start_ts: now, end_ts: null, outcome: null, error: null });
      const updatedOperationIds = this.store.takeUpdatedOperationIds(arn);
      this.store.updateExecution(arn, { checkpoint_token: exec.checkpoint_token, runnable: 0 });
      this.#saveCounters(exec);
      const page = this.#statePage(arn, undefined, this.options.initialPageSize);
      return { arn, seq, requestId, token: exec.checkpoint_token, updatedOperationIds, ...page, operations: page.operations };
    });
  }

  /**
   * Closes an invocation with what the handler returned (or the error that killed it) and decides
   * what happens next. Returns the execution as it now stands.
   */
  endInvocation(
    start: InvocationStart,
    outcome:
      | { kind: "SUCCEEDED"; result?: string }
      | { kind: "FAILED"; error: ErrorObject }
      | { kind: "PENDING" }
      | { kind: "CRASHED"; error: ErrorObject; maxFailedInvocations: number },
  ): ExecutionRow {
    return this.store.transaction(() => {
      const exec = this.getExecutionOrThrow(start.arn);
      const now = this.clock.now();
      const invocationError = outcome.kind === "FAILED" || outcome.kind === "CRASHED" ? outcome.error : undefined;
      this.store.finishInvocation(start.arn, start.seq, now, outcome.kind, invocationError ? JSON.stringify(invocationError) : null);
      // Only the newest invocation, while it still holds a token, speaks for the execution.
      const live = exec.status === "RUNNING" && exec.checkpoint_token !== null && this.store.lastInvocationSeq(start.arn) === start.seq;
      // An invocation that checkpointed before it died made progress: it starts a new run of
      // failures instead of extending the last one (as recoverAbandonedInvocation does).
      const progressed = outcome.kind === "CRASHED" && live && this.#checkpointedSinceLastInvocation(start.arn);
      this.#event(exec, "InvocationCompleted", undefined, {
        StartTimestamp: iso(this.store.listInvocations(start.arn).find((i) => i.seq === start.seq)?.start_ts ?? now),
        EndTimestamp: iso(now),
        RequestId: start.requestId,
        ...(invocationError ? { Error: { Payload: invocationError } } : {}),
      });
      if (!live) {
        // Stopped, timed out or completed through a checkpoint meanwhile: the response is ignored.
        this.#saveCounters(exec);
        return this.store.getExecution(start.arn)!;
      }
      exec.checkpoint_token = null;
      switch (outcome.kind) {
        case "SUCCEEDED":
          this.#finishExecution(exec, "SUCCEEDED", { result: outcome.result ?? null });
          break;
        case "FAILED":
          this.#finishExecution(exec, "FAILED", { error: outcome.error });
          break;
        case "PENDING":
          exec.failed_invocations = 0;
          if (!exec.runnable && this.store.countPendingOperations(start.arn) === 0) {
            this.#finishExecution(exec, "FAILED", {
              error: {
                ErrorType: "InvalidParameterValueException",
                ErrorMessage: "Cannot return PENDING status with no pending operations.",
              },
            });
          } else {
            this.store.updateExecution(start.arn, { checkpoint_token: null, failed_invocations: 0 });
            this.#reschedule(exec);
          }
          break;
        case "CRASHED":
          exec.failed_invocations = (progressed ? 0 : exec.failed_invocations) + 1;
          if (exec.failed_invocations > outcome.maxFailedInvocations) {
            this.#finishExecution(exec, "FAILED", {
              error: {
                ErrorType: "InvocationFailed",
                ErrorMessage: `${exec.failed_invocations} invocations in a row failed; the last: ${outcome.error.ErrorMessage ?? outcome.error.ErrorType}`,
              },
            });
          } else {
            // As Lambda retries a failed invocation: run again, from the last checkpoint.
            exec.runnable = 1;
            this.store.updateExecution(start.arn, { checkpoint_token: null, failed_invocations: exec.failed_invocations, runnable: 1 });
            this.#reschedule(exec);
          }
          break;
      }
      this.#saveCounters(exec);
      return this.store.getExecution(start.arn)!;
    });
  }

  // ---- the checkpoint API ----------------------------------------------------------------------

  getExecutionState(arn: string, token: string | undefined, marker: string | undefined, maxItems: number | undefined): StatePage {
    const exec = this.store.getExecution(arn);
    if (!exec) reject("EXECUTION", `Execution ${arn} not found.`);
    if (!token || exec.checkpoint_token !== token || exec.status !== "RUNNING") reject("INVOCATION", "Invalid Checkpoint Token");
    const max = maxItems === undefined ? 1000 : maxItems;
    if (!Number.isInteger(max) || max < 1 || max > 1000) reject("EXECUTION", `MaxItems must be an integer from 1 to 1000, got ${maxItems}.`);
    return this.#statePage(arn, marker, max);
  }

  /**
   * Applies one checkpoint: validates the token and every update, applies them in one
   * transaction, and returns the new token with every operation that changed.
   */
  checkpoint(arn: string, token: string | undefined, updates: readonly OperationUpdate[]): { token: string; operations: WireOperation[] } {
    return this.store.transaction(() => {
      this.#eventBatch = { arn, events: [] };
      try {
        const result = this.#checkpointTx(arn, token, updates);
        this.#flushEvents();
        return result;
      } finally {
        this.#eventBatch = undefined;
      }
    }, needsDurableCommit(updates) ? "now" : "group", { savepoint: writesWhileApplying(updates) });
  }

  #checkpointTx(arn: string, token: string | undefined, updates: readonly OperationUpdate[]): { token: string; operations: WireOperation[] } {
    {
      const exec = this.store.getCheckpointHead(arn);
      if (!exec) reject("EXECUTION", `Execution ${arn} not found.`);
      if (!token || exec.checkpoint_token !== token || exec.status !== "RUNNING") reject("INVOCATION", "Invalid Checkpoint Token");
      const now = this.clock.now();
      const changed = new Map<string, WireOperation>();
      validateBatchShape(updates);
      const batch: Batch = { ops: new Map(), started: new Map() };
      for (const update of updates) {
        const op = this.#applyUpdate(exec, update, now, batch);
        if (op) changed.set(op.Id!, op);
        if (exec.status !== "RUNNING") break;
      }
      // The response carries what the handler cannot know: service-generated values (wait end,
      // callback id, next attempt) and changes from outside. A step or context the handler has
      // just ended holds nothing new for it, and echoing it costs the SDK a pass over all its
      // operations per checkpoint.
      for (const u of updates) {
        if ((u.Action === "SUCCEED" || u.Action === "FAIL") && (u.Type === "STEP" || u.Type === "CONTEXT")) changed.delete(u.Id!);
      }
      this.#writeBatch(exec, batch);
      // A wait or retry that fell due while the handler kept running is reported in the response,
      // as the service does; the SDK polls with empty checkpoints to learn of it.
      let due = this.#dueHint.get(arn);
      if (due === undefined) due = this.store.minOperationWake(arn) ?? null;
      if (due !== null && due <= now) {
        for (const op of this.#applyDue(exec, now, false)) changed.set(op.Id!, op);
        due = this.store.minOperationWake(arn) ?? null;
      }
      this.#dueHint.set(arn, due);
      exec.checkpoint_count += 1;
      if (exec.status === "RUNNING") {
        // Unguessable per invocation, then sequential: a stale token never matches again.
        exec.checkpoint_token = nextToken(exec.checkpoint_token!);
        this.store.saveCheckpointState(arn, exec.checkpoint_token, exec.checkpoint_count, exec.next_event_id, exec.next_op_seq);
        // Changes the service made on its own (a callback that arrived) are visible at once.
        if (exec.runnable) for (const row of this.store.updatedOperations(arn)) if (!changed.has(row.id)) changed.set(row.id, parseOperation(row));
      } else {
        this.#dueHint.delete(arn);
        this.store.updateExecution(arn, { checkpoint_count: exec.checkpoint_count });
      }
      return { token: exec.checkpoint_token ?? newToken(), operations: [...changed.values()] };
    }
  }

  /** Per execution, the earliest operation deadline known to this process (null: none). */
  readonly #dueHint = new Map<string, number | null>();

  /** Writes the operations a checkpoint changed, once each (a START and its SUCCEED in one batch are one insert). */
  #writeBatch(exec: ExecutionRow, batch: Batch): void {
    for (const [id, { op, wakeAt, row }] of batch.ops) {
      if (row) this.store.updateOperation(exec.arn, id, op.Status as string, JSON.stringify(op), wakeAt, row.updated);
      else this.#insertOp(exec, op, wakeAt);
    }
    batch.ops.clear();
  }

  #applyUpdate(exec: ExecutionRow, u: OperationUpdate, now: number, batch: Batch): WireOperation | undefined {
    const startedInBatch = batch.started;
    const type = u.Type as string | undefined;
    const action = u.Action as string | undefined;
    if (!u.Id) reject("EXECUTION", "Operation update must have an Id.");
    if (!type || !(type in VALID_ACTIONS)) reject("EXECUTION", `Unknown operation type ${JSON.stringify(type)}.`);
    if (!action || !VALID_ACTIONS[type]!.includes(action)) {
      reject("EXECUTION", `Invalid action ${JSON.stringify(action)} for a ${type} operation (allowed: ${VALID_ACTIONS[type]!.join(", ")}).`);
    }
    if (u.Error != null && byteLength(JSON.stringify(u)) > MAX_ERROR_BYTES) {
      reject("EXECUTION", `Error object of operation ${u.Id} must be less than ${MAX_ERROR_BYTES} bytes.`);
    }
    if (u.Payload != null) {
      const limit = type === "EXECUTION" ? MAX_EXECUTION_RESULT_BYTES : MAX_OPERATION_PAYLOAD_BYTES;
      const size = byteLength(u.Payload);
      if (size > limit) {
        // The SDK names its result update after the clock (execution-result-<ms>): say what it is.
        if (type === "EXECUTION") reject("EXECUTION", `The execution result is ${size} bytes; the limit is ${limit}.`);
        reject("EXECUTION", `Payload of ${type} operation ${u.Name ?? u.Id} is ${size} bytes; the limit is ${limit}.`);
      }
    }
    if (type === "EXECUTION") {
      this.#writeBatch(exec, batch);
      return this.#applyExecutionUpdate(exec, u, action as "SUCCEED" | "FAIL", now);
    }

    if (u.ParentId) {
      const parentType =
        startedInBatch.get(u.ParentId) ?? (batch.ops.get(u.ParentId)?.op.Type as string | undefined) ?? this.store.getOperation(exec.arn, u.ParentId)?.type;
      if (parentType !== "CONTEXT") reject("EXECUTION", `Invalid parent operation id ${u.ParentId} for operation ${u.Id}.`);
    }
    const pending = batch.ops.get(u.Id);
    const row = pending ? pending.row : this.store.getOperation(exec.arn, u.Id);
    const current = pending ? pending.op : row ? parseOperation(row) : undefined;
    const status = current?.Status as string | undefined;
    const fail = (what: string): never => reject("EXECUTION", `Invalid transition for ${type} operation ${u.Id}: ${what}.`);
    if (action === "FAIL" && u.Payload != null) fail("FAIL cannot carry a Payload");
    if (action === "SUCCEED" && u.Error != null) fail("SUCCEED cannot carry an Error");

    let op: WireOperation;
    let wakeAt: number | null = pending ? pending.wakeAt : (row?.wake_at ?? null);
    if (!current) {
      if (action === "CANCEL") fail(`cannot cancel an operation that does not exist`);
      op = {
        Id: u.Id,
        ...(u.ParentId ? { ParentId: u.ParentId } : {}),
        ...(u.Name !== undefined ? { Name: u.Name } : {}),
        Type: u.Type,
        ...(u.SubType !== undefined ? { SubType: u.SubType } : {}),
        StartTimestamp: iso(now),
        Status: "STARTED" as WireOperation["Status"],
      };
    } else {
      if (current.Type !== u.Type) fail(`it is a ${current.Type as string}, not a ${type}`);
      op = { ...current };
    }
    const setStatus = (s: string) => (op.Status = s as WireOperation["Status"]);
    const finish = (s: string) => {
      setStatus(s);
      op.EndTimestamp = iso(now);
      wakeAt = null;
    };

    switch (type) {
      case "STEP": {
        const attempt = current?.StepDetails?.Attempt ?? 0;
        if (action === "START") {
          if (current && status !== "READY") fail(`cannot START from ${status}`);
          setStatus("STARTED");
          wakeAt = null;
          this.#event(exec, "StepStarted", u, {});
        } else if (action === "SUCCEED" || action === "FAIL") {
          if (current && status !== "STARTED" && status !== "READY") fail(`cannot ${action} from ${status}`);
          finish(action === "SUCCEED" ? "SUCCEEDED" : "FAILED");
          // The final outcome replaces an earlier attempt's: a step that succeeded on a retry
          // carries no Error, one that failed after a RETRY with a payload carries no Result.
          op.StepDetails = {
            ...op.StepDetails,
            Attempt: attempt + 1,
            Result: action === "SUCCEED" ? u.Payload : undefined,
            Error: action === "FAIL" ? u.Error : undefined,
          };
          this.#event(exec, action === "SUCCEED" ? "StepSucceeded" : "StepFailed", u, {
            ...(action === "SUCCEED" ? { Result: { Payload: u.Payload } } : { Error: { Payload: u.Error } }),
            RetryDetails: { CurrentAttempt: attempt + 1 },
          });
        } else {
          if (current && status !== "STARTED" && status !== "READY") fail(`cannot RETRY from ${status}`);
          if (u.StepOptions == null) fail("RETRY needs StepOptions");
          if (u.Error != null && u.Payload != null) fail("RETRY cannot carry both an Error and a Payload");
          const delay = u.StepOptions!.NextAttemptDelaySeconds ?? 0;
          if (!(delay >= 0)) fail(`NextAttemptDelaySeconds must be >= 0, got ${delay}`);
          setStatus("PENDING");
          wakeAt = now + Math.round(delay * 1000);
          op.StepDetails = {
            ...op.StepDetails,
            Attempt: attempt + 1,
            NextAttemptTimestamp: iso(wakeAt),
            Result: u.Payload,
            Error: u.Error,
          };
          this.#event(exec, u.Error ? "StepFailed" : "StepSucceeded", u, {
            ...(u.Error ? { Error: { Payload: u.Error } } : { Result: { Payload: u.Payload } }),
            RetryDetails: { CurrentAttempt: attempt + 1, NextAttemptDelaySeconds: delay },
          });
        }
        break;
      }
      case "CONTEXT": {
        if (action === "START") {
          if (current) fail("it already exists");
          op.ContextDetails = { ReplayChildren: u.ContextOptions?.ReplayChildren };
          this.#event(exec, "ContextStarted", u, {});
        } else {
          if (current && status !== "STARTED") fail(`cannot ${action} from ${status}`);
          finish(action === "SUCCEED" ? "SUCCEEDED" : "FAILED");
          op.ContextDetails = {
            ...op.ContextDetails,
            ...(action === "SUCCEED" ? { Result: u.Payload } : { Error: u.Error }),
            ReplayChildren: u.ContextOptions?.ReplayChildren ?? current?.ContextDetails?.ReplayChildren,
          };
          this.#event(
            exec,
            action === "SUCCEED" ? "ContextSucceeded" : "ContextFailed",
            u,
            action === "SUCCEED" ? { Result: { Payload: u.Payload } } : { Error: { Payload: u.Error } },
          );
        }
        break;
      }
      case "WAIT": {
        if (action === "START") {
          if (current) fail("it already exists");
          const seconds = u.WaitOptions?.WaitSeconds;
          if (seconds === undefined || !(seconds >= 0) || seconds > 31_622_400) {
            fail(`WaitSeconds must be a number from 0 to 31622400, got ${seconds}`);
          }
          wakeAt = now + Math.round(seconds! * 1000);
          op.WaitDetails = { ScheduledEndTimestamp: iso(wakeAt) };
          this.#event(exec, "WaitStarted", u, { Duration: seconds, ScheduledEndTimestamp: iso(wakeAt) });
        } else {
          if (status !== "STARTED") fail(`cannot CANCEL from ${status}`);
          finish("CANCELLED");
          this.#event(exec, "WaitCancelled", op, {});
        }
        break;
      }
      case "CALLBACK": {
        if (action === "START") {
          if (current) fail("it already exists");
          const timeout = u.CallbackOptions?.TimeoutSeconds;
          const heartbeat = u.CallbackOptions?.HeartbeatTimeoutSeconds;
          for (const [k, v] of [["TimeoutSeconds", timeout], ["HeartbeatTimeoutSeconds", heartbeat]] as const) {
            if (v !== undefined && !(v > 0)) fail(`${k} must be positive, got ${v}`);
          }
          const callbackId = newToken(32);
          const timeoutAt = timeout ? now + timeout * 1000 : null;
          const heartbeatDeadline = heartbeat ? now + heartbeat * 1000 : null;
          this.store.insertCallback({
            callback_id: callbackId,
            execution_arn: exec.arn,
            operation_id: u.Id,
            status: "STARTED",
            timeout_at: timeoutAt,
            heartbeat_seconds: heartbeat ?? null,
            heartbeat_deadline: heartbeatDeadline,
          });
          wakeAt = minDefined(timeoutAt, heartbeatDeadline);
          op.CallbackDetails = { CallbackId: callbackId };
          this.#event(exec, "CallbackStarted", u, {
            CallbackId: callbackId,
            Timeout: timeout,
            HeartbeatTimeout: heartbeat,
            Input: { Payload: u.Payload },
          });
        } else {
          if (status !== "STARTED") fail(`cannot CANCEL from ${status}`);
          finish("CANCELLED");
          if (current?.CallbackDetails?.CallbackId) this.store.updateCallback(current.CallbackDetails.CallbackId, { status: "CANCELLED" });
        }
        break;
      }
      case "CHAINED_INVOKE": {
        if (action === "START") {
          if (current) fail("it already exists");
          const functionName = u.ChainedInvokeOptions?.FunctionName;
          if (!functionName) fail("START needs ChainedInvokeOptions.FunctionName");
          op.ChainedInvokeDetails = {};
          this.store.insertChainedInvoke({
            execution_arn: exec.arn,
            operation_id: u.Id,
            function_name: functionName!,
            payload: u.Payload ?? null,
            child_arn: null,
          });
          this.#event(exec, "ChainedInvokeStarted", u, {
            FunctionName: functionName,
            Input: { Payload: u.Payload },
            ...(u.ChainedInvokeOptions?.TenantId ? { TenantId: u.ChainedInvokeOptions.TenantId } : {}),
          });
          // The scheduler starts the target; make sure it looks soon.
          exec.wake_at = now;
          this.store.updateExecution(exec.arn, { wake_at: now });
        } else {
          if (status !== "STARTED") fail(`cannot CANCEL from ${status}`);
          finish("STOPPED");
          this.#event(exec, "ChainedInvokeStopped", op, {});
        }
        break;
      }
    }
    if (action === "START") startedInBatch.set(u.Id, type);
    if (wakeAt !== null) {
      const hint = this.#dueHint.get(exec.arn);
      if (hint !== undefined && (hint === null || wakeAt < hint)) this.#dueHint.set(exec.arn, wakeAt);
    }
    batch.ops.set(u.Id, { op, wakeAt, row });
    return op;
  }

  #applyExecutionUpdate(exec: ExecutionRow, u: OperationUpdate, action: "SUCCEED" | "FAIL", _now: number): WireOperation {
    // The SDK checkpoints an oversized result under an id of its own; it means the execution.
    if (action === "FAIL" && u.Payload != null) reject("EXECUTION", "Cannot provide a Payload for FAIL action.");
    if (action === "SUCCEED" && u.Error != null) reject("EXECUTION", "Cannot provide an Error for SUCCEED action.");
    if (action === "SUCCEED") this.#finishExecution(exec, "SUCCEEDED", { result: u.Payload ?? null });
    else this.#finishExecution(exec, "FAILED", { error: u.Error ?? {} });
    return parseOperation(this.store.getOperation(exec.arn, exec.execution_op_id)!);
  }

  // ---- time ----------------------------------------------------------------------------------

  /**
   * Applies everything due at `now` to one execution: waits end, step retries become READY,
   * callbacks time out, the execution times out. `external` marks the changes for the next
   * invocation (they happened while no handler was looking).
   */
  #applyDue(exec: ExecutionRow, now: number, external: boolean): WireOperation[] {
    if (exec.status !== "RUNNING") return [];
    if (exec.timeout_at !== null && exec.timeout_at <= now) {
      this.#finishExecution(exec, "TIMED_OUT", {
        error: { ErrorType: "ExecutionTimedOut", ErrorMessage: "The execution exceeded its execution timeout." },
      });
      return [];
    }
    const changed: WireOperation[] = [];
    for (const row of this.store.dueOperations(exec.arn, now)) {
      const op = parseOperation(row);
      if (row.type === "WAIT" && row.status === "STARTED") {
        op.Status = "SUCCEEDED" as WireOperation["Status"];
        op.EndTimestamp = iso(now);
        const duration = Math.round((row.wake_at! - Date.parse(op.StartTimestamp as string)) / 1000);
        this.#event(exec, "WaitSucceeded", op, { Duration: duration });
      } else if (row.type === "STEP" && row.status === "PENDING") {
        op.Status = "READY" as WireOperation["Status"];
      } else if (row.type === "CALLBACK" && row.status === "STARTED") {
        const cb = this.store.getCallbackByOperation(exec.arn, row.id);
        const byHeartbeat = cb?.heartbeat_deadline != null && cb.heartbeat_deadline <= now && !(cb.timeout_at != null && cb.timeout_at <= cb.heartbeat_deadline);
        const error: ErrorObject = { ErrorMessage: byHeartbeat ? "Callback timed out on heartbeat" : "Callback timed out" };
        op.Status = "TIMED_OUT" as WireOperation["Status"];
        op.EndTimestamp = iso(now);
        op.CallbackDetails = { ...op.CallbackDetails, Error: error };
        if (cb) this.store.updateCallback(cb.callback_id, { status: "TIMED_OUT" });
        this.#event(exec, "CallbackTimedOut", op, { Error: { Payload: error } });
      } else {
        this.store.updateOperation(exec.arn, row.id, row.status, row.data, null, row.updated);
        continue;
      }
      this.store.updateOperation(exec.arn, row.id, op.Status as string, JSON.stringify(op), null, external ? 1 : row.updated);
      changed.push(op);
    }
    if (changed.length && external) {
      exec.runnable = 1;
      this.store.updateExecution(exec.arn, { runnable: 1 });
    }
    return changed;
  }

  /**
   * Applies due timers to one execution outside any invocation and reports whether a handler must
   * run (something changed or was already waiting to be seen).
   */
  refresh(arn: string): ExecutionRow | undefined {
    return this.store.transaction(() => {
      const exec = this.store.getExecution(arn);
      if (!exec) return undefined;
      this.#applyDue(exec, this.clock.now(), true);
      this.#saveCounters(exec);
      if (exec.status === "RUNNING" && !exec.runnable) this.#reschedule(exec);
      return this.store.getExecution(arn)!;
    });
  }

  /** Sets wake_at from the earliest operation deadline and the execution timeout. */
  #reschedule(exec: ExecutionRow): void {
    const next = exec.runnable ? this.clock.now() : minDefined(this.store.minOperationWake(exec.arn) ?? null, exec.timeout_at);
    exec.wake_at = next;
    this.store.updateExecution(exec.arn, { wake_at: next });
  }

  // ---- callbacks -----------------------------------------------------------------------------

  completeCallback(callbackId: string, outcome: { result: string } | { error: ErrorObject }): ExecutionRow {
    if (typeof callbackId !== "string" || callbackId.length === 0) {
      throw new RuntimeError("INVALID_INPUT", "A callback id is required.");
    }
    const payloadSize = byteLength("result" in outcome ? outcome.result : JSON.stringify(outcome.error));
    const limit = "result" in outcome ? MAX_OPERATION_PAYLOAD_BYTES : MAX_ERROR_BYTES;
    if (payloadSize > limit) {
      throw new RuntimeError("PAYLOAD_TOO_LARGE", `The callback ${"result" in outcome ? "result" : "error"} is ${payloadSize} bytes; the limit is ${limit}.`);
    }
    return this.store.transaction(() => {
      const { cb, exec, op } = this.#liveCallback(callbackId);
      const now = this.clock.now();
      const ok = "result" in outcome;
      op.Status = (ok ? "SUCCEEDED" : "FAILED") as WireOperation["Status"];
      op.EndTimestamp = iso(now);
      op.CallbackDetails = { CallbackId: callbackId, ...(ok ? { Result: outcome.result } : { Error: outcome.error }) };
      this.store.updateCallback(callbackId, { status: op.Status as string });
      this.store.updateOperation(exec.arn, cb.operation_id, op.Status as string, JSON.stringify(op), null, 1);
      this.#event(exec, ok ? "CallbackSucceeded" : "CallbackFailed", op, ok ? { Result: { Payload: outcome.result } } : { Error: { Payload: outcome.error } });
      exec.runnable = 1;
      this.store.updateExecution(exec.arn, { runnable: 1, wake_at: now });
      this.#saveCounters(exec);
      return this.store.getExecution(exec.arn)!;
    });
  }

  heartbeatCallback(callbackId: string): ExecutionRow {
    if (typeof callbackId !== "string" || callbackId.length === 0) {
      throw new RuntimeError("INVALID_INPUT", "A callback id is required.");
    }
    return this.store.transaction(() => {
      const { cb, exec } = this.#liveCallback(callbackId);
      if (cb.heartbeat_seconds != null) {
        const deadline = this.clock.now() + cb.heartbeat_seconds * 1000;
        this.store.updateCallback(callbackId, { heartbeat_deadline: deadline });
        const row = this.store.getOperation(exec.arn, cb.operation_id)!;
        this.store.updateOperation(exec.arn, row.id, row.status, row.data, minDefined(cb.timeout_at, deadline), row.updated);
        this.#reschedule(exec);
      }
      return exec;
    });
  }

  #liveCallback(callbackId: string) {
    const cb = this.store.getCallback(callbackId);
    if (!cb) throw new RuntimeError("CALLBACK_NOT_FOUND", `No callback ${callbackId}.`);
    const exec = this.store.getExecution(cb.execution_arn)!;
    // A deadline that has passed wins over a late answer, as it would have on a running service.
    this.#applyDue(exec, this.clock.now(), true);
    const current = this.store.getCallback(callbackId)!;
    if (current.status !== "STARTED") {
      throw new RuntimeError("CALLBACK_ALREADY_COMPLETED", `Callback ${callbackId} is already ${current.status}.`);
    }
    if (exec.status !== "RUNNING") {
      throw new RuntimeError("CALLBACK_ALREADY_COMPLETED", `The execution of callback ${callbackId} is already ${exec.status}.`);
    }
    const op = parseOperation(this.store.getOperation(exec.arn, cb.operation_id)!);
    return { cb: current, exec, op };
  }

  // ---- chained invokes -------------------------------------------------------------------------

  /** Completes a chained invoke operation of `arn` from its target's outcome. */
  completeChainedInvoke(
    arn: string,
    operationId: string,
    outcome: { status: "SUCCEEDED"; result?: string | null } | { status: "FAILED" | "TIMED_OUT" | "STOPPED"; error: ErrorObject },
  ): void {
    this.store.transaction(() => this.#completeChainedInvokeTx(arn, operationId, outcome));
  }

  #completeChainedInvokeTx(
    arn: string,
    operationId: string,
    outcome: { status: "SUCCEEDED"; result?: string | null } | { status: "FAILED" | "TIMED_OUT" | "STOPPED"; error: ErrorObject },
  ): void {
    const exec = this.store.getExecution(arn);
    const row = exec && this.store.getOperation(arn, operationId);
    if (!exec || !row || exec.status !== "RUNNING" || TERMINAL_OPERATION.has(row.status)) return;
    const now = this.clock.now();
    const op = parseOperation(row);
    op.Status = outcome.status as WireOperation["Status"];
    op.EndTimestamp = iso(now);
    op.ChainedInvokeDetails =
      outcome.status === "SUCCEEDED" ? { Result: outcome.result ?? undefined } : { Error: outcome.error };
    this.store.updateOperation(arn, operationId, outcome.status, JSON.stringify(op), null, 1);
    const eventType = {
      SUCCEEDED: "ChainedInvokeSucceeded",
      FAILED: "ChainedInvokeFailed",
      TIMED_OUT: "ChainedInvokeTimedOut",
      STOPPED: "ChainedInvokeStopped",
    }[outcome.status];
    this.#event(
      exec,
      eventType,
      op,
      outcome.status === "SUCCEEDED" ? { Result: { Payload: outcome.result ?? undefined } } : { Error: { Payload: outcome.error } },
    );
    exec.runnable = 1;
    this.store.updateExecution(arn, { runnable: 1, wake_at: now });
    this.#saveCounters(exec);
  }

  // ---- state ---------------------------------------------------------------------------------

  /**
   * The operations a handler sees, in start order. Children of a finished CONTEXT are left out
   * unless it asked for ReplayChildren: the SDK rebuilds such a context from its result alone.
   */
  #visibleOperations(arn: string): WireOperation[] {
    const excluded = new Set<string>();
    const byId = new Map<string, { type: string; status: string; replayChildren: boolean }>();
    const out: WireOperation[] = [];
    for (const row of this.store.listOperations(arn)) {
      const op = parseOperation(row);
      byId.set(row.id, { type: row.type, status: row.status, replayChildren: !!op.ContextDetails?.ReplayChildren });
      if (row.parent_id) {
        const parent = byId.get(row.parent_id);
        if (
          excluded.has(row.parent_id) ||
          (parent && parent.type === "CONTEXT" && (parent.status === "SUCCEEDED" || parent.status === "FAILED") && !parent.replayChildren)
        ) {
          excluded.add(row.id);
          continue;
        }
      }
      out.push(op);
    }
    return out;
  }

  #statePage(arn: string, marker: string | undefined, maxItems: number): StatePage {
    const all = this.#visibleOperations(arn);
    let offset = 0;
    if (marker !== undefined) {
      offset = Number(marker);
      if (!/^\d+$/.test(marker) || offset > all.length) reject("EXECUTION", `Invalid marker ${JSON.stringify(marker)}.`);
    }
    const operations = all.slice(offset, offset + maxItems);
    const next = offset + operations.length;
    return next < all.length ? { operations, nextMarker: String(next) } : { operations };
  }

  /** All operations, including pruned children, for inspection (CLI, HTTP, UI). */
  listOperations(arn: string): WireOperation[] {
    return this.store.listOperations(arn).map(parseOperation);
  }

  // ---- internals -----------------------------------------------------------------------------

  #insertOp(exec: ExecutionRow, op: WireOperation, wakeAt: number | null): void {
    this.store.insertOperation({
      execution_arn: exec.arn,
      id: op.Id!,
      seq: exec.next_op_seq++,
      parent_id: op.ParentId ?? null,
      type: op.Type as string,
      status: op.Status as string,
      data: JSON.stringify(op),
      wake_at: wakeAt,
      updated: 0,
    });
  }

  #event(exec: ExecutionRow, type: string, op: Pick<WireOperation, "Id" | "Name" | "ParentId" | "SubType"> | undefined, details: Json): void {
    const event: Json = {
      EventType: type,
      ...(op?.SubType !== undefined ? { SubType: op.SubType } : {}),
      EventId: exec.next_event_id,
      ...(op?.Id !== undefined ? { Id: op.Id } : {}),
      ...(op?.Name !== undefined ? { Name: op.Name } : {}),
      EventTimestamp: iso(this.clock.now()),
      ...(op?.ParentId !== undefined ? { ParentId: op.ParentId } : {}),
      [`${type}Details`]: details,
    };
    const json = JSON.stringify(event);
    if (this.#eventBatch?.arn === exec.arn) this.#eventBatch.events.push({ id: exec.next_event_id++, json });
    else this.store.insertEvent(exec.arn, exec.next_event_id++, json);
  }

  /** While a checkpoint runs, its execution's events, written as one row when it is accepted. */
  #eventBatch: { arn: string; events: { id: number; json: string }[] } | undefined;

  #flushEvents(): void {
    const batch = this.#eventBatch;
    this.#eventBatch = undefined;
    if (!batch?.events.length) return;
    const [first] = batch.events;
    this.store.insertEvent(batch.arn, first!.id, batch.events.length === 1 ? first!.json : `[${batch.events.map((e) => e.json).join(",")}]`);
  }

  #saveCounters(exec: ExecutionRow): void {
    this.store.updateExecution(exec.arn, { next_event_id: exec.next_event_id, next_op_seq: exec.next_op_seq });
  }

  #finishExecution(
    exec: ExecutionRow,
    status: Exclude<ExecutionStatus, "RUNNING">,
    outcome: { result?: string | null; error?: ErrorObject },
  ): void {
    const now = this.clock.now();
    const opRow = this.store.getOperation(exec.arn, exec.execution_op_id)!;
    const op = parseOperation(opRow);
    op.Status = status as WireOperation["Status"];
    op.EndTimestamp = iso(now);
    this.store.updateOperation(exec.arn, op.Id!, status, JSON.stringify(op), null, 0);
    const eventType = { SUCCEEDED: "ExecutionSucceeded", FAILED: "ExecutionFailed", TIMED_OUT: "ExecutionTimedOut", STOPPED: "ExecutionStopped" }[status];
    this.#event(
      exec,
      eventType,
      op,
      status === "SUCCEEDED" ? { Result: { Payload: outcome.result ?? undefined } } : { Error: { Payload: outcome.error } },
    );
    // Nothing is pending any more: open callbacks can no longer be answered.
    for (const row of this.store.listOperations(exec.arn)) {
      if (row.wake_at !== null) this.store.updateOperation(exec.arn, row.id, row.status, row.data, null, row.updated);
      if (row.type === "CALLBACK" && row.status === "STARTED") {
        const cbId = parseOperation(row).CallbackDetails?.CallbackId;
        if (cbId) this.store.updateCallback(cbId, { status: "CANCELLED" });
      }
    }
    exec.status = status;
    exec.checkpoint_token = null;
    exec.runnable = 0;
    exec.wake_at = null;
    this.store.updateExecution(exec.arn, {
      status,
      result: status === "SUCCEEDED" ? (outcome.result ?? null) : null,
      error: outcome.error ? JSON.stringify(outcome.error) : null,
      end_ts: now,
      checkpoint_token: null,
      runnable: 0,
      wake_at: null,
      lease_owner: null,
      lease_expires_at: null,
    });
    this.#saveCounters(exec);
    // Stop targets of chained invokes still running, then tell a parent waiting on this one.
    for (const child of this.store.db
      .prepare(`SELECT arn FROM executions WHERE parent_arn = ? AND status = 'RUNNING'`)
      .all(exec.arn) as { arn: string }[]) {
      const c = this.store.getExecution(child.arn)!;
      this.#finishExecution(c, "STOPPED", { error: { ErrorType: "ExecutionStopped", ErrorMessage: "The calling execution ended." } });
    }
    // `exec` may be the lean checkpoint head: read the parent link from the row.
    const { parent_arn: parentArn, parent_op_id: parentOpId } = this.store.getExecution(exec.arn)!;
    if (parentArn && parentOpId) {
      this.#completeChainedInvokeTx(
        parentArn,
        parentOpId,
        status === "SUCCEEDED" ? { status, result: outcome.result } : { status, error: outcome.error ?? {} },
      );
    }
  }

  // ---- recovery ------------------------------------------------------------------------------

  /**
   * Closes the execution's last invocation if it never ended because its process died (killed,
   * crashed, or shut down past its grace period): it ends as CRASHED, its token is revoked, and
   * the execution runs again from its last checkpoint, as Lambda retries a failed invocation.
   * An invocation that checkpointed progress before dying first resets the run of consecutive
   * failures, so a worker killed again and again never fails an execution that keeps moving,
   * while a handler that takes its process down before any checkpoint still fails after
   * `maxFailedInvocations`. Call it only while holding the execution's lease and not running it.
   * Returns whether there was such an invocation.
   */
  recoverAbandonedInvocation(
    arn: string,
    maxFailedInvocations: number,
    error: ErrorObject = { ErrorType: "InvocationAbandoned", ErrorMessage: "The process running this invocation died before it ended." },
  ): boolean {
    return this.store.transaction(() => {
      const exec = this.store.getExecution(arn);
      if (!exec) return false;
      const seq = this.store.lastInvocationSeq(arn);
      const last = seq ? this.store.listInvocations(arn).find((i) => i.seq === seq) : undefined;
      if (!last || last.end_ts !== null) return false;
      if (exec.status === "RUNNING" && exec.failed_invocations > 0 && this.#checkpointedSinceLastInvocation(arn)) {
        this.store.updateExecution(arn, { failed_invocations: 0 });
      }
      const start: InvocationStart = { arn, seq, requestId: last.request_id, token: "", operations: [], updatedOperationIds: [] };
      this.endInvocation(start, { kind: "CRASHED", error, maxFailedInvocations });
      return true;
    });
  }

  /** Whether the handler checkpointed anything after the last invocation that ended. */
  #checkpointedSinceLastInvocation(arn: string): boolean {
    const events = this.store.listEvents(arn);
    for (let i = events.length - 1; i >= 0; i--) {
      const type = events[i]!.EventType as string;
      if (type === "InvocationCompleted") return false;
      if (HANDLER_EVENTS.has(type)) return true;
    }
    return false;
  }

  // ---- leases --------------------------------------------------------------------------------

  /** Takes (or renews) the lease on an execution; false when another live owner holds it. */
  acquireLease(arn: string, owner: string, ttlMs: number): boolean {
    return this.store.transaction(() => {
      const exec = this.store.getExecution(arn);
      if (!exec || exec.status !== "RUNNING") return false;
      const now = this.clock.now();
      if (exec.lease_owner && exec.lease_owner !== owner && exec.lease_expires_at !== null && exec.lease_expires_at > now) return false;
      this.store.updateExecution(arn, { lease_owner: owner, lease_expires_at: now + ttlMs });
      return true;
    });
  }

  releaseLease(arn: string, owner: string): void {
    this.store.transaction(() => {
      const exec = this.store.getExecution(arn);
      if (exec && exec.lease_owner === owner) this.store.updateExecution(arn, { lease_owner: null, lease_expires_at: null });
    });
  }
}

function validateBatchShape(updates: readonly OperationUpdate[]): void {
  if (!Array.isArray(updates)) reject("EXECUTION", "Updates must be a list.");
  const executionUpdates = updates.filter((u) => u?.Type === "EXECUTION");
  if (executionUpdates.length > 1) reject("EXECUTION", "Cannot checkpoint multiple EXECUTION updates.");
  if (executionUpdates.length === 1 && updates[updates.length - 1]!.Type !== "EXECUTION") {
    reject("EXECUTION", "EXECUTION checkpoint must be the last update.");
  }
  const last = new Map<string, OperationUpdate>();
  for (const u of updates) {
    if (!u || typeof u !== "object") reject("EXECUTION", "Every update must be an object.");
    if (!u.Id) continue;
    const prev = last.get(u.Id);
    if (prev) {
      const allowed = (prev.Type === "STEP" || prev.Type === "CONTEXT") && prev.Action === "START" && u.Action !== "START";
      if (!allowed) reject("EXECUTION", `Cannot update operation ${u.Id} twice in a single request.`);
    }
    last.set(u.Id, u);
  }
}

/**
 * Whether a checkpoint must be on disk before the handler hears back: when the handler will act on
 * it outside the process (an at-most-once step body starts, a callback id is handed out, another
 * function is invoked) or the execution ends. Everything else may share a group commit: losing it
 * in a crash is the same as crashing before it, which at-least-once steps already allow.
 */
function needsDurableCommit(updates: readonly OperationUpdate[]): boolean {
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    if (u.Type === "CALLBACK" || u.Type === "CHAINED_INVOKE" || u.Type === "EXECUTION") return true;
    if (u.Type === "STEP" && u.Action === "START") {
      let completed = false;
      for (let j = i + 1; j < updates.length && !completed; j++) completed = updates[j]!.Id === u.Id;
      if (!completed) return true;
    }
  }
  return false;
}

/**
 * Whether applying these updates writes before all of them are validated (callbacks, chained
 * invokes and the execution write as they go); steps, waits and contexts are written at the end,
 * so a refused checkpoint of only those leaves nothing behind even without a savepoint.
 */
function writesWhileApplying(updates: readonly OperationUpdate[]): boolean {
  for (const u of updates) if (u.Type !== "STEP" && u.Type !== "WAIT" && u.Type !== "CONTEXT") return true;
  return false;
}

function minDefined(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
