import { join } from "node:path";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { describe, expect, it } from "vitest";
import { createRuntime, Store, VirtualClock } from "../../runtime/index.js";
import { isDurableHandler, loadHandlerModules, parseModuleSpec } from "../../runtime/worker/index.js";
import { FIXTURES, FLOWS } from "./helpers.js";

const twoSteps = withDurableExecution(async (event: { n: number }, ctx) => {
  const a = await ctx.step("a", async () => event.n + 1);
  return await ctx.step("b", async () => a * 10);
});

/** Two runtimes ("processes") on one store and one virtual clock. */
function pair(maxFailedInvocations = 3) {
  const store = Store.open(":memory:");
  const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00Z"));
  const make = (owner: string) => createRuntime({ db: store, clock, owner, leaseMs: 1000, maxFailedInvocations }).register("two", twoSteps);
  return { store, clock, dead: make("dead-worker"), live: make("live-worker") };
}

describe("recovery of invocations whose process died", () => {
  it("waits out the dead owner's lease, closes its invocation as CRASHED and runs the execution again", async () => {
    const { clock, dead, live } = pair();
    const { arn } = dead.start("two", { n: 1 });
    // The dead worker took the lease and opened an invocation, then vanished.
    expect(dead.service.acquireLease(arn, dead.owner, 1000)).toBe(true);
    expect(dead.service.beginInvocation(arn)).toBeDefined();

    await live.drive(arn);
    expect(live.invocations(arn)).toHaveLength(1); // the lease still holds
    clock.advanceBy(1001);
    await live.drive(arn);
    expect(live.get(arn)).toMatchObject({ status: "SUCCEEDED", result: 20 });
    expect(live.invocations(arn).map((i) => [i.outcome, i.error?.ErrorType])).toEqual([
      ["CRASHED", "InvocationAbandoned"],
      ["SUCCEEDED", undefined],
    ]);
  });

  it("fails an execution whose invocations keep dying before any checkpoint", async () => {
    const { clock, dead, live } = pair(2);
    const { arn } = dead.start("two", { n: 1 });
    for (let i = 0; i < 3; i++) {
      expect(dead.service.acquireLease(arn, dead.owner, 1000)).toBe(true);
      expect(dead.service.beginInvocation(arn)).toBeDefined();
      clock.advanceBy(1001);
      expect(live.service.acquireLease(arn, live.owner, 1000)).toBe(true);
      expect(live.service.recoverAbandonedInvocation(arn, 2)).toBe(true);
      live.service.releaseLease(arn, live.owner);
    }
    expect(live.get(arn)).toMatchObject({ status: "FAILED", error: { ErrorType: "InvocationFailed" } });
  });

  it("does not count a dead invocation that checkpointed progress toward the failure limit", async () => {
    const { clock, dead, live } = pair(1);
    const { arn } = dead.start("two", { n: 1 });
    for (let i = 0; i < 4; i++) {
      expect(dead.service.acquireLease(arn, dead.owner, 1000)).toBe(true);
      const inv = dead.service.beginInvocation(arn)!;
      dead.service.checkpoint(arn, inv.token, [{ Id: `op-${i}`, Type: "STEP", Action: "START", Name: `s${i}`, SubType: "Step" } as never]);
      clock.advanceBy(1001);
      expect(live.service.acquireLease(arn, live.owner, 1000)).toBe(true);
      expect(live.service.recoverAbandonedInvocation(arn, 1)).toBe(true);
      live.service.releaseLease(arn, live.owner);
    }
    expect(live.get(arn).status).toBe("RUNNING");
    expect(live.service.recoverAbandonedInvocation(arn, 1)).toBe(false); // nothing open any more
  });

  it("never lets a second runtime drive an execution whose lease is held", async () => {
    const { dead, live } = pair();
    const { arn } = dead.start("two", { n: 2 });
    expect(dead.service.acquireLease(arn, dead.owner, 1000)).toBe(true);
    await live.drive(arn);
    expect(live.invocations(arn)).toEqual([]);
    dead.service.releaseLease(arn, dead.owner);
    await live.drive(arn);
    expect(live.get(arn)).toMatchObject({ status: "SUCCEEDED", result: 30 });
  });
});

describe("loading handlers from compiled modules", () => {
  it("recognises what withDurableExecution returns and nothing else", () => {
    expect(isDurableHandler(twoSteps)).toBe(true);
    expect(isDurableHandler(async (_event: unknown, _context: unknown) => ({}))).toBe(false);
    expect(isDurableHandler(async (event: unknown) => event)).toBe(false);
    expect(isDurableHandler({ handler: twoSteps })).toBe(false);
  });

  it("finds every handler export, names it after the export, and keeps other functions for chained invokes", async () => {
    const loaded = await loadHandlerModules([FLOWS]);
    expect(loaded.handlers.map((h) => h.functionName).sort()).toEqual(["approval", "doomed", "flaky", "greet", "slow"]);
    expect(loaded.functions.map((f) => f.functionName)).toEqual(["record"]);
    const one = await loadHandlerModules([`${FLOWS}#greet`]);
    expect(one.handlers.map((h) => h.functionName)).toEqual(["greet"]);
    await expect(loadHandlerModules([join(FIXTURES, "no-handler.mjs")])).rejects.toThrow(/does not export a durable handler[\s\S]*exports: .*answer.*notDurable/);
    expect(parseModuleSpec("dist/a.js#b")).toEqual({ path: "dist/a.js", exportName: "b" });
    expect(parseModuleSpec("dist/a.js")).toEqual({ path: "dist/a.js" });
  });
});
