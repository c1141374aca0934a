/**
 * Fault injection: every conformance handler, crashed right after checkpoint k for every k
 * (as a Lambda that dies after the service committed its checkpoint), ends as the crash-free
 * run does, and no step body runs more often than its semantics allow.
 */
import { describe, expect, it } from "vitest";
import { createTestRuntime, runWithCrashAtEveryCheckpoint, type CrashRun } from "../../../runtime/testing/index.js";
import { cases, effects, resetState } from "./handlers.js";
import { driveCase, expectOutcome, setupCase } from "./drive.js";

function summary(run: CrashRun): { status: string; result?: unknown; error?: { type?: string; message?: string } } {
  const e = run.execution;
  return {
    status: e.status,
    ...(e.status === "SUCCEEDED" ? { result: e.result } : { error: { type: e.error?.ErrorType, message: e.error?.ErrorMessage } }),
  };
}

describe("conformance handlers crashed after every checkpoint", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const perRun: { crashAfter: number; effects: Record<string, number>; crashed: boolean }[] = [];
      const runs = await runWithCrashAtEveryCheckpoint(c.handler, {
        input: c.input,
        setup: (rt) => setupCase(rt, c, false),
        beforeRun: () => resetState(),
        drive: (rt, arn) => driveCase(rt, arn, c),
        afterRun: (run) => {
          const crashed = run.runtime.invocations(run.execution.arn).some((i) => i.outcome === "CRASHED");
          perRun.push({ crashAfter: run.crashAfter, effects: { ...effects }, crashed });
        },
      });
      const [clean, ...crashedRuns] = runs;
      expectOutcome({ status: clean!.execution.status, result: clean!.execution.result, error: summary(clean!).error }, c.expect);
      // A run per checkpoint of the crash-free run. (A case whose only checkpoint is refused,
      // such as an oversized payload, has none.)
      expect(crashedRuns.length).toBe(clean!.execution.checkpoints);
      if (crashedRuns.length > 0) expect(perRun.filter((r) => r.crashAfter > 0 && r.crashed).length).toBeGreaterThan(0);
      let alternatives = 0;
      for (const run of crashedRuns) {
        const s = summary(run);
        const alt = c.crashOutcomes?.find((o) => o.status === s.status && o.errorType === s.error?.type && o.errorMessage === s.error?.message);
        if (alt) {
          alternatives++;
          continue;
        }
        expect(s, `crash after checkpoint ${run.crashAfter}`).toEqual(summary(clean!));
      }
      // Where an alternative outcome is allowed, it is because the crash hit an interrupted
      // at-most-once step: then that body did not run twice (checked below) and ran at most once.
      if (c.crashOutcomes) expect(alternatives).toBeGreaterThan(0);
      for (const r of perRun) {
        for (const [key, spec] of Object.entries(c.effects ?? {})) {
          const n = r.effects[key] ?? 0;
          const allowed = spec.semantics === "at-most-once" || !r.crashed ? spec.max : spec.max + 1;
          expect(n, `${key} ran ${n} times with a crash after checkpoint ${r.crashAfter}`).toBeLessThanOrEqual(allowed);
          if (r.crashAfter === 0) expect(n, key).toBe(spec.max);
        }
      }
    });
  }
});

describe("conformance handlers whose every invocation crashes after its first checkpoint", () => {
  // Each invocation makes one checkpoint of progress and dies: the execution must still end as
  // the crash-free run does (progress resets the count of invocations failed in a row).
  const names = ["steps-with-results", "retry-succeeds-on-attempt-3", "map-max-concurrency", "nested-child-contexts", "wait-for-callback-success", "invoke-durable-function"];
  for (const c of cases.filter((x) => names.includes(x.name))) {
    it(c.name, async () => {
      resetState();
      const rt = createTestRuntime({ faults: { crashAfterCheckpoint: ({ functionName }) => functionName === "handler" } });
      setupCase(rt, c);
      const { arn } = rt.start("handler", c.input ?? {});
      await driveCase(rt, arn, c);
      const e = rt.get(arn);
      expectOutcome({ status: e.status, result: e.result, error: e.error && { type: e.error.ErrorType, message: e.error.ErrorMessage } }, c.expect);
      const outcomes = rt.invocations(arn).map((i) => i.outcome);
      // The map crashes more often in a row than maxFailedInvocations (3) allows for invocations
      // that make no progress; the invoke makes one checkpoint and then only replays.
      const minCrashes = c.name === "map-max-concurrency" ? 4 : c.name === "invoke-durable-function" ? 1 : 2;
      expect(outcomes.filter((o) => o === "CRASHED").length).toBeGreaterThanOrEqual(minCrashes);
      for (const [key, spec] of Object.entries(c.effects ?? {})) {
        // Every checkpoint was followed by a crash: an at-least-once body may re-run once per crash.
        if (spec.semantics === "at-most-once") expect(effects[key] ?? 0, key).toBeLessThanOrEqual(spec.max);
        else expect(effects[key] ?? 0, key).toBeLessThanOrEqual(spec.max + outcomes.length);
      }
      await rt.close();
    });
  }
});

describe("a crash inside an invoked durable function", () => {
  it("invoke-durable-function ends the same with the target crashed after each of its checkpoints", async () => {
    const c = cases.find((x) => x.name === "invoke-durable-function")!;
    const outcomes: unknown[] = [];
    // The target (a step, then a wait) checkpoints twice.
    for (let k = 1; k <= 2; k++) {
      resetState();
      let crashed = false;
      const rt = createTestRuntime({
        faults: {
          crashAfterCheckpoint: ({ functionName, checkpoint }) => {
            if (crashed || functionName !== "doubler" || checkpoint !== k) return false;
            return (crashed = true);
          },
        },
      });
      setupCase(rt, c);
      const { arn } = rt.start("handler", c.input ?? {});
      await driveCase(rt, arn, c);
      const child = rt.list({ functionName: "doubler" })[0]!;
      expect(crashed, `checkpoint ${k} of the target`).toBe(true);
      expect(rt.invocations(child.arn).some((i) => i.outcome === "CRASHED")).toBe(true);
      outcomes.push({ status: rt.get(arn).status, result: rt.get(arn).result, child: rt.get(child.arn).status });
      await rt.close();
    }
    expect(outcomes).toHaveLength(2);
    for (const o of outcomes) expect(o).toEqual({ status: "SUCCEEDED", result: c.expect.result, child: "SUCCEEDED" });
  });
});
