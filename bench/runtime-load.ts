/**
 * Load benchmark of the local runtime: N executions that each run a step, wait, and run a step,
 * on one database file (WAL), measured two ways:
 *   virtual  the runtime with a virtual clock and runUntilIdle (no real waiting at all);
 *   worker   the worker loop with the real clock and a one-second wait (what `durablec worker` runs).
 * Reports executions/s and invocations/s; every execution must end SUCCEEDED with its result.
 *
 *   npm run bench:load [-- --executions 1000 --concurrency 32]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

const { values } = parseArgs({
  options: { executions: { type: "string", default: "1000" }, concurrency: { type: "string", default: "32" }, mode: { type: "string", default: "both" } },
});
const N = Number(values.executions);
const CONCURRENCY = Number(values.concurrency);

const handler = withDurableExecution(async (event: { i: number; waitSeconds: number }, ctx) => {
  const doubled = await ctx.step("double", async () => event.i * 2);
  await ctx.wait("nap", { seconds: event.waitSeconds });
  return await ctx.step("finish", async () => doubled + 1);
});

async function run(mode: "virtual" | "worker"): Promise<void> {
  // The shipped build (npm run build), not the TypeScript sources through a loader.
  const { createRuntime, VirtualClock } = await import("../dist/runtime/index.js");
  const { Worker } = await import("../dist/runtime/worker/index.js");
  const dir = mkdtempSync(join(tmpdir(), "durablec-bench-load-"));
  try {
    const rt = createRuntime({
      db: join(dir, "state.db"),
      concurrency: CONCURRENCY,
      leaseMs: 10_000,
      ...(mode === "virtual" ? { clock: new VirtualClock(Date.parse("2026-01-01T00:00:00Z")) } : {}),
    });
    rt.register("nap", handler);
    const t0 = performance.now();
    const arns = Array.from({ length: N }, (_, i) => rt.start("nap", { i, waitSeconds: mode === "virtual" ? 3600 : 1 }).arn);
    const tStarted = performance.now();
    if (mode === "virtual") await rt.runUntilIdle();
    else {
      const worker = new Worker({ runtime: rt, concurrency: CONCURRENCY, pollMs: 20 });
      worker.start();
      while (rt.store.countExecutions().RUNNING > 0) await new Promise((r) => setTimeout(r, 20));
      await worker.stop();
    }
    const ms = performance.now() - t0;
    const counts = rt.store.countExecutions();
    const wrong = arns.filter((arn, i) => rt.get(arn).result !== i * 2 + 1).length;
    await rt.close();
    if (counts.SUCCEEDED !== N || wrong) throw new Error(`lost work: ${JSON.stringify(counts)}, ${wrong} wrong results`);
    console.log(
      `${mode.padEnd(8)} ${N} executions (${2 * N} invocations, ${mode === "virtual" ? "1 h virtual" : "1 s real"} wait) in ${(ms / 1000).toFixed(2)} s: ` +
        `${((N * 1000) / ms).toFixed(0)} executions/s, ${((2 * N * 1000) / ms).toFixed(0)} invocations/s (starting them: ${(tStarted - t0).toFixed(0)} ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.mode === "both" || values.mode === "virtual") await run("virtual");
if (values.mode === "both" || values.mode === "worker") await run("worker");
