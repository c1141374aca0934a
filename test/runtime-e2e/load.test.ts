import { join } from "node:path";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, VirtualClock } from "../../runtime/index.js";
import { Worker } from "../../runtime/worker/index.js";
import { eventually, tempDir } from "./helpers.js";

const waitThenFinish = withDurableExecution(async (event: { i: number; waitSeconds: number }, ctx) => {
  const doubled = await ctx.step("double", async () => event.i * 2);
  await ctx.wait("nap", { seconds: event.waitSeconds });
  return await ctx.step("finish", async () => doubled + 1);
});

// 1,000 executions that each wait and then finish, on one database file: none is lost.
describe("load", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("1,000 executions with a one-hour wait on a virtual clock all complete", async () => {
    const { dir, cleanup } = tempDir("durablec-load-");
    const rt = createRuntime({ db: join(dir, "state.db"), clock: new VirtualClock(Date.parse("2026-01-01T00:00:00Z")), concurrency: 16 });
    cleanups.push(cleanup, () => rt.close());
    rt.register("nap", waitThenFinish);
    const t0 = performance.now();
    const arns = Array.from({ length: 1000 }, (_, i) => rt.start("nap", { i, waitSeconds: 3600 }).arn);
    await rt.runUntilIdle();
    const ms = performance.now() - t0;
    expect(rt.store.countExecutions()).toMatchObject({ SUCCEEDED: 1000, RUNNING: 0, FAILED: 0 });
    arns.forEach((arn, i) => expect(rt.get(arn).result).toBe(i * 2 + 1));
    console.log(`load (virtual clock): 1000 executions, 2000 invocations in ${ms.toFixed(0)} ms (${((1000 * 1000) / ms).toFixed(0)} executions/s)`);
  }, 120_000);

  it("1,000 executions with a real one-second wait all complete under the worker loop", async () => {
    const { dir, cleanup } = tempDir("durablec-load-");
    const rt = createRuntime({ db: join(dir, "state.db"), leaseMs: 5000 });
    cleanups.push(cleanup, () => rt.close());
    rt.register("nap", waitThenFinish);
    const worker = new Worker({ runtime: rt, concurrency: 32, pollMs: 50 });
    const t0 = performance.now();
    const arns = Array.from({ length: 1000 }, (_, i) => rt.start("nap", { i, waitSeconds: 1 }).arn);
    worker.start();
    cleanups.push(() => worker.stop(1000));
    await eventually(() => rt.store.countExecutions().RUNNING === 0, 100_000, 100);
    const ms = performance.now() - t0;
    expect(rt.store.countExecutions()).toMatchObject({ SUCCEEDED: 1000, FAILED: 0 });
    arns.forEach((arn, i) => expect(rt.get(arn).result).toBe(i * 2 + 1));
    for (const arn of arns.slice(0, 50)) expect(rt.invocations(arn).map((x) => x.outcome)).toEqual(["PENDING", "SUCCEEDED"]);
    console.log(`load (real clock, worker): 1000 executions in ${ms.toFixed(0)} ms (${((1000 * 1000) / ms).toFixed(0)} executions/s)`);
  }, 120_000);
});
