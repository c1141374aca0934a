/**
 * Runs a conformance case on durablec's runtime and reduces the outcome to what the oracle
 * comparison looks at.
 */
import { expect } from "vitest";
import type { WireOperation } from "@aws/durable-execution-sdk-js";
import type { DurableRuntime, ExecutionDescription, RuntimeOptions } from "../../../runtime/index.js";
import { createTestRuntime } from "../../../runtime/testing/index.js";
import type { ConformanceCase, ExpectedOutcome } from "./handlers.js";

export interface OpTuple {
  id: string;
  parentId?: string;
  name?: string;
  type: string;
  subType?: string;
  status: string;
}

export interface Outcome {
  status: string;
  result?: unknown;
  error?: { type?: string; message?: string };
  operations: OpTuple[];
}

/** Registers the case's handler as "handler" and its invoke targets. */
export function setupCase(rt: DurableRuntime, c: ConformanceCase, register = true): void {
  if (register) rt.register("handler", c.handler);
  for (const [name, h] of Object.entries(c.setup?.durable ?? {})) rt.register(name, h);
  for (const [name, fn] of Object.entries(c.setup?.functions ?? {})) rt.registerFunction(name, fn);
}

/** The callback id of the STARTED callback named `op`, or of the one inside the waitForCallback named `op`. */
export function findCallbackId(rt: DurableRuntime, arn: string, op: string): string | undefined {
  const ops = rt.operations(arn);
  const owners = new Set(ops.filter((o) => o.Name === op && o.Type === "CONTEXT").map((o) => o.Id));
  const cb = ops.find(
    (o) => o.Type === "CALLBACK" && o.Status === "STARTED" && (o.Name === op || (o.ParentId !== undefined && owners.has(o.ParentId))),
  );
  return cb?.CallbackDetails?.CallbackId;
}

/** Drives an execution to its end, answering the case's callbacks in order as they appear. */
export async function driveCase(rt: DurableRuntime, arn: string, c: ConformanceCase): Promise<void> {
  const running = () => rt.get(arn).status === "RUNNING";
  for (const script of c.callbacks ?? []) {
    if ("timeout" in script) continue;
    await rt.runUntilIdle({ until: () => !running() || findCallbackId(rt, arn, script.op) !== undefined });
    const id = findCallbackId(rt, arn, script.op);
    // An execution that ended (e.g. non-determinism detected) leaves its callback unanswerable.
    if (!id || !running()) break;
    if ("success" in script) rt.sendCallbackSuccess(id, script.success);
    else if ("failure" in script) rt.sendCallbackFailure(id, script.failure);
    else {
      rt.sendCallbackHeartbeat(id);
      rt.sendCallbackSuccess(id, script.heartbeatThen);
    }
  }
  await rt.runUntilIdle();
}

export function tuples(ops: readonly WireOperation[]): OpTuple[] {
  return ops
    .filter((o) => o.Type !== "EXECUTION")
    .map((o) => clean({ id: o.Id!, parentId: o.ParentId, name: o.Name, type: o.Type as string, subType: o.SubType, status: o.Status as string }))
    .sort(byId);
}

export function byId(a: OpTuple, b: OpTuple): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function outcomeOf(rt: DurableRuntime, e: ExecutionDescription): Outcome {
  return {
    status: e.status,
    ...(e.status === "SUCCEEDED" ? { result: e.result } : {}),
    ...(e.error ? { error: clean({ type: e.error.ErrorType, message: e.error.ErrorMessage }) } : {}),
    operations: tuples(rt.operations(e.arn)),
  };
}

/** Runs a case on a fresh test runtime (virtual clock) and returns its outcome. */
export async function runOnDurablec(c: ConformanceCase, options: RuntimeOptions = {}): Promise<{ outcome: Outcome; rt: DurableRuntime; arn: string }> {
  const rt = createTestRuntime(options);
  setupCase(rt, c);
  const { arn } = rt.start("handler", c.input ?? {});
  await driveCase(rt, arn, c);
  return { outcome: outcomeOf(rt, rt.get(arn)), rt, arn };
}

export function expectOutcome(actual: Pick<Outcome, "status" | "result" | "error">, expected: ExpectedOutcome): void {
  expect(actual.status).toBe(expected.status);
  if ("result" in expected) expect(actual.result).toEqual(expected.result);
  if (expected.errorType !== undefined) expect(actual.error?.type).toBe(expected.errorType);
  if (expected.errorMessage !== undefined) {
    if (typeof expected.errorMessage === "string") expect(actual.error?.message).toBe(expected.errorMessage);
    else expect(actual.error?.message).toMatch(expected.errorMessage);
  }
}
