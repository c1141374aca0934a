/**
 * Regression test for reference §6.4: the SDK takes operation ids from a per-context counter at
 * call time, so two flows that each run two unnamed steps on one context get their second ids in
 * completion order. When the live run and the replay complete the steps in different orders, the
 * replay hands each flow the other's result, silently. The compiled form of the same plain
 * TypeScript runs each flow in its own child context and is correct, with a crash after every
 * checkpoint as well.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { withDurableExecution, type DurableContext } from "@aws/durable-execution-sdk-js";
import { beforeAll, describe, expect, it } from "vitest";
import { emitProject, writeOutputs } from "../../compiler/emit/emit-project.js";
import { createTestRuntime, runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import { compileFixture, fixturesProject, FIXTURES, listFixtures } from "./fixture-runner.js";
import { after } from "./fixtures/_shared/loop-effects.js";

const OUT = path.resolve(FIXTURES, "../../../.tmp/concurrency-swap");
const ID = "rewrite-concurrency/interleaved-flows";

/** What a user would write by hand: both flows on the handler's context, unnamed steps. */
const handwritten = withDurableExecution(async (_event: unknown, ctx: DurableContext) => {
  const [a, b] = await Promise.all([
    (async () => {
      const first = await ctx.step(async () => after(30, "a1"));
      return ctx.step(async () => after(0, `${first}+a2`));
    })(),
    (async () => {
      const first = await ctx.step(async () => after(0, "b1"));
      return ctx.step(async () => after(0, `${first}+b2`));
    })(),
  ]);
  await ctx.wait({ seconds: 1 }); // suspends: the next invocation replays the steps above
  return [a, b];
});

describe("concurrent flows on one context (reference §6.4)", () => {
  let compiled: Parameters<typeof runWithCrashAtEveryCheckpoint>[0];

  beforeAll(async () => {
    const fixture = listFixtures().find((f) => f.id === ID)!;
    const project = fixturesProject();
    const result = compileFixture(project, fixture);
    expect(result.diagnostics.filter((d) => d.category === "error")).toEqual([]);
    const emitted = emitProject(project, result.files, { rootDir: FIXTURES, outDir: OUT, manifest: { version: 1, entries: {} } });
    expect(emitted.diagnostics).toEqual([]);
    writeOutputs(emitted.outputs);
    const mod = (await import(pathToFileURL(path.join(OUT, ID, "input.js")).href)) as Record<string, unknown>;
    compiled = mod.interleaved as typeof compiled;
  });

  it("hand-written: the replay silently swaps the flows' second results", async () => {
    const rt = createTestRuntime();
    rt.register("handwritten", handwritten);
    const { arn } = rt.start("handwritten", {});
    await rt.runUntilIdle();
    const execution = rt.get(arn);
    await rt.close();
    expect(execution.status).toBe("SUCCEEDED");
    // The plain program computes ["a1+a2", "b1+b2"]; nothing fails, the values are just wrong.
    expect(execution.result).toEqual(["b1+b2", "a1+a2"]);
  });

  it("compiled from plain TypeScript: each flow runs in its own child context and the result is right", async () => {
    const runs = await runWithCrashAtEveryCheckpoint(compiled, { input: {} });
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs) {
      expect({ crashAfter: run.crashAfter, status: run.execution.status, result: run.execution.result }).toEqual({
        crashAfter: run.crashAfter,
        status: "SUCCEEDED",
        result: ["a1+a2", "b1+b2"],
      });
    }
  });
});
