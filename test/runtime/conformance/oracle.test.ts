/**
 * Conformance against the official oracle: each handler of the table runs on durablec's runtime
 * and on `LocalDurableTestRunner` (@aws/durable-execution-sdk-js-testing), and the status, the
 * result or error, and the `(id, parentId, name, type, subType, status)` operation lists agree.
 *
 * This file has its own process (vitest forks per file): `setupTestEnvironment({skipTime:true})`
 * fakes timers process-wide. durablec's runs here use its VirtualClock and never sleep, so the
 * fake timers do not disturb them.
 *
 * Known differences of the oracle, and what is compared instead:
 * - It does not enforce service payload limits (256 KB per operation): such cases are not run
 *   there (`oracle.skip`), and are covered on durablec alone.
 * - An invoke of an unregistered function rejects `run()` instead of failing the operation:
 *   not run there.
 * - Its callback timeouts and heartbeats are real time, so oracle callback timeouts are 1-2 s.
 * - Its `getOperations()` leaves out the EXECUTION operation; durablec's list is filtered to match.
 * - It records a StackTrace in a plain invoke target's error; durablec stores none (nor does the SDK).
 * - History events are not compared: their interleaving across concurrent branches and callbacks
 *   depends on the oracle's fake-timer scheduling, not on the protocol.
 *   Operation lists are compared sorted by id: start order across concurrent branches is not part
 *   of the protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorObject, WireOperation } from "@aws/durable-execution-sdk-js";
import { LocalDurableTestRunner, WaitingOperationStatus } from "@aws/durable-execution-sdk-js-testing";
import { cases, resetState, type ConformanceCase } from "./handlers.js";
import { byId, clean, expectOutcome, runOnDurablec, type Outcome, type OpTuple } from "./drive.js";

beforeAll(async () => {
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
});
afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
});

async function runOnOracle(c: ConformanceCase): Promise<Outcome & { details: Record<string, unknown> }> {
  const runner = new LocalDurableTestRunner({ handlerFunction: c.handler });
  for (const [name, h] of Object.entries(c.setup?.durable ?? {})) runner.registerDurableFunction(name, h);
  for (const [name, fn] of Object.entries(c.setup?.functions ?? {})) runner.registerFunction(name, async (event: unknown) => fn(event));
  const scripts = (c.callbacks ?? []).map((s) => ({ s, handle: runner.getOperation(s.op) }));
  const pending = runner.run({ payload: c.input ?? {} });
  for (const { s, handle } of scripts) {
    if ("timeout" in s) continue;
    // A waitForCallback is answerable once its submitter ran; a plain callback once it started.
    await handle.waitForData(WaitingOperationStatus.STARTED);
    if (handle.isWaitForCallback()) await handle.waitForData(WaitingOperationStatus.SUBMITTED);
    if ("success" in s) await handle.sendCallbackSuccess(s.success);
    else if ("failure" in s) await handle.sendCallbackFailure(s.failure);
    else {
      await handle.sendCallbackHeartbeat();
      await handle.sendCallbackSuccess(s.heartbeatThen);
    }
  }
  const res = await pending;
  const status = res.getStatus() as string;
  const operations: OpTuple[] = res
    .getOperations()
    .map((o) =>
      clean({
        id: o.getId()!,
        parentId: o.getParentId(),
        name: o.getName(),
        type: o.getType() as string,
        subType: o.getSubType() as string | undefined,
        status: o.getStatus() as string,
      }),
    )
    .sort(byId);
  const details = Object.fromEntries(res.getOperations().map((o) => [o.getId()!, detailsOf(o.getOperationData()!)]));
  if (status === "SUCCEEDED") return { status, result: res.getResult(), operations, details };
  const err = res.getError();
  return { status, error: clean({ type: err.errorType, message: err.errorMessage }), operations, details };
}

/**
 * What an operation recorded, without timestamps and generated ids: step attempts, results and
 * errors, context results and ReplayChildren, callback and invoke outcomes. (The oracle adds a
 * StackTrace to a plain invoke target's error; durablec, like the SDK, stores none.)
 */
function detailsOf(o: WireOperation): unknown {
  const err = (e: ErrorObject | undefined) => e && clean({ ErrorType: e.ErrorType, ErrorMessage: e.ErrorMessage, ErrorData: e.ErrorData });
  return clean({
    step: o.StepDetails && clean({ attempt: o.StepDetails.Attempt, result: o.StepDetails.Result, error: err(o.StepDetails.Error) }),
    context: o.ContextDetails && clean({ result: o.ContextDetails.Result, error: err(o.ContextDetails.Error), replayChildren: o.ContextDetails.ReplayChildren }),
    callback: o.CallbackDetails && clean({ result: o.CallbackDetails.Result, error: err(o.CallbackDetails.Error) }),
    invoke: o.ChainedInvokeDetails && clean({ result: o.ChainedInvokeDetails.Result, error: err(o.ChainedInvokeDetails.Error) }),
  });
}

function ourDetails(ops: readonly WireOperation[]): Record<string, unknown> {
  return Object.fromEntries(ops.filter((o) => o.Type !== "EXECUTION").map((o) => [o.Id!, detailsOf(o)]));
}

const compared = cases.filter((c) => !(c.oracle && "skip" in c.oracle));

describe("conformance against LocalDurableTestRunner", () => {
  it("covers at least 25 handlers", () => {
    expect(compared.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of compared) {
    it(c.name, async () => {
      resetState();
      const { outcome: ours, rt, arn } = await runOnDurablec(c);
      const details = ourDetails(rt.operations(arn));
      await rt.close();
      resetState();
      const theirs = await runOnOracle(c);
      const what = c.oracle && "compare" in c.oracle ? c.oracle.compare : ["status", "result", "operations"];
      expect(ours.status).toBe(theirs.status);
      if (what.includes("result")) {
        expect(ours.result).toEqual(theirs.result);
        expect(ours.error).toEqual(theirs.error);
      }
      if (what.includes("operations")) {
        expect(ours.operations).toEqual(theirs.operations);
        expect(details).toEqual(theirs.details);
      }
      // And the oracle agrees with what the table says durablec must do.
      expectOutcome(theirs, c.expect);
    });
  }
});

/** Where the oracle is known to differ, what it does instead, pinned so a change on either side shows. */
describe("known divergences from LocalDurableTestRunner", () => {
  it("an invoke of an unregistered function: durablec fails the invoke, the oracle rejects run()", async () => {
    const c = cases.find((x) => x.name === "invoke-unregistered-function")!;
    const { outcome, rt } = await runOnDurablec(c);
    await rt.close();
    expectOutcome(outcome, c.expect);
    await expect(runOnOracle(c)).rejects.toThrow(/no-such-function/);
  });

  for (const name of ["step-payload-over-256k-fails-execution", "execution-result-over-6mib-fails-execution"]) {
    it(`${name}: durablec enforces the service's payload limit, the oracle does not`, async () => {
      const c = cases.find((x) => x.name === name)!;
      resetState();
      const { outcome, rt } = await runOnDurablec(c);
      await rt.close();
      expectOutcome(outcome, c.expect);
      resetState();
      const theirs = await runOnOracle(c);
      expect(theirs.status).toBe("SUCCEEDED");
      // Everything before the oversized payload agrees.
      const before = outcome.operations.filter((o) => o.status === "SUCCEEDED");
      expect(theirs.operations).toEqual(expect.arrayContaining(before));
    });
  }
});
