/**
 * Every conformance handler on durablec's runtime: the expected outcome, the side effects of a
 * crash-free run, and (for the fileDb subset) the same on a database file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { Store } from "../../../runtime/index.js";
import { createTestRuntime } from "../../../runtime/testing/index.js";
import { cases, effects, logs, resetState } from "./handlers.js";
import { expectOutcome, runOnDurablec } from "./drive.js";

const dir = mkdtempSync(join(tmpdir(), "durablec-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => resetState());

const stores: { label: string; db: () => string; subset: typeof cases }[] = [
  { label: ":memory:", db: () => ":memory:", subset: cases },
  { label: "database file", db: () => join(dir, `${Math.random().toString(36).slice(2)}.db`), subset: cases.filter((c) => c.fileDb) },
];

for (const store of stores) {
  describe(`conformance on durablec (${store.label})`, () => {
    for (const c of store.subset) {
      it(c.name, async () => {
        const { outcome, rt, arn } = await runOnDurablec(c, { db: store.db() });
        try {
          expectOutcome(outcome, c.expect);
          for (const [key, spec] of Object.entries(c.effects ?? {})) expect(effects[key] ?? 0, key).toBe(spec.max);
          // Nothing is left scheduled for a finished execution.
          expect(rt.get(arn).nextWakeTime).toBeUndefined();
          if (store.label !== ":memory:") {
            // The outcome is on disk, not only in this connection.
            const again = Store.open(rt.store.path);
            try {
              expect(again.getExecution(arn)?.status).toBe(outcome.status);
            } finally {
              again.close();
            }
          }
        } finally {
          await rt.close();
        }
      });
    }
  });
}

describe("conformance details on durablec", () => {
  it("the logger is mode-aware: nothing is logged twice across replays", async () => {
    const { rt, arn } = await runOnDurablec(cases.find((c) => c.name === "logger")!);
    expect(rt.invocations(arn).length).toBeGreaterThan(1);
    expect(logs.filter((l) => l.includes("starting"))).toHaveLength(1);
    expect(logs.filter((l) => l.includes("inside step"))).toHaveLength(1);
    expect(logs.filter((l) => l.includes("after wait"))).toHaveLength(1);
    await rt.close();
  });

  it("a child result over 256 KB is checkpointed with ReplayChildren and its children stay visible", async () => {
    const { rt, arn } = await runOnDurablec(cases.find((c) => c.name === "child-result-over-256k-replays-children")!);
    const ops = rt.operations(arn);
    const child = ops.find((o) => o.Name === "big-child")!;
    expect(child.Status).toBe("SUCCEEDED");
    expect(child.ContextDetails?.ReplayChildren).toBe(true);
    expect(ops.filter((o) => o.ParentId === child.Id).map((o) => o.Name)).toEqual(["half-a", "half-b"]);
    // The replaying invocation saw the children (the SDK rebuilt the result from them).
    expect(rt.invocations(arn).length).toBeGreaterThan(1);
    await rt.close();
  });

  it("a map result over 256 KB is checkpointed with ReplayChildren and rebuilt from its iterations", async () => {
    const { rt, arn } = await runOnDurablec(cases.find((c) => c.name === "map-result-over-256k-replays-children")!);
    const ops = rt.operations(arn);
    const map = ops.find((o) => o.Name === "big-map")!;
    expect(map.ContextDetails?.ReplayChildren).toBe(true);
    expect(ops.filter((o) => o.ParentId === map.Id).map((o) => o.SubType)).toEqual(["MapIteration", "MapIteration", "MapIteration"]);
    expect(rt.invocations(arn).length).toBeGreaterThan(1);
    await rt.close();
  });

  it("an execution result over the response limit is stored from the EXECUTION checkpoint", async () => {
    const { rt, arn } = await runOnDurablec(cases.find((c) => c.name === "execution-result-over-6mb-is-checkpointed")!);
    const e = rt.get(arn);
    expect((e.result as { data: string }).data.length).toBe(6 * 1024 * 1024 - 40);
    const events = rt.history(arn).map((h) => h.EventType);
    // The checkpoint ended the execution; the invocation's empty response then changed nothing.
    expect(events.slice(-2)).toEqual(["ExecutionSucceeded", "InvocationCompleted"]);
    expect(rt.invocations(arn).at(-1)!.outcome).toBe("SUCCEEDED");
    await rt.close();
  });

  it("a finished context's children are pruned from the state the SDK sees, but kept for inspection", async () => {
    const rt = createTestRuntime();
    rt.register(
      "pruned",
      withDurableExecution(async (_e, ctx) => {
        const v = await ctx.runInChildContext("small-child", async (c) => (await c.step("s1", async () => 1)) + (await c.step("s2", async () => 2)));
        await ctx.wait("w", { seconds: 5 });
        return v;
      }),
    );
    const { arn } = rt.start("pruned", {});
    await rt.runDue();
    const child = rt.operations(arn).find((o) => o.Name === "small-child")!;
    expect(child.Status).toBe("SUCCEEDED");
    expect(rt.operations(arn).filter((o) => o.ParentId === child.Id)).toHaveLength(2);
    // What the next invocation is handed: the context with its result, not its children.
    const seen = rt.service.beginInvocation(arn, true)!;
    expect(seen.operations.map((o) => o.Name)).toEqual([undefined, "small-child", "w"]);
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: 3 });
    await rt.close();
  });
});
