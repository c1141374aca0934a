/**
 * The store outlives the process: an execution suspended on a database file resumes in a new
 * runtime opened on the same file, and crash injection behaves the same on a file as in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { createRuntime, VirtualClock } from "../../runtime/index.js";
import { runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import { caseByName, effects, resetState } from "./conformance/handlers.js";
import { driveCase, setupCase } from "./conformance/drive.js";

const dir = mkdtempSync(join(tmpdir(), "durablec-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const DAY = 86_400_000;
let bodies = 0;

const sleeper = withDurableExecution(async (event: { who: string }, ctx) => {
  const greeting = await ctx.step("before", async () => {
    bodies++;
    return `hello ${event.who}`;
  });
  await ctx.wait("a-day", { days: 1 });
  const after = await ctx.step("after", async () => {
    bodies++;
    return "woke up";
  });
  return { greeting, after };
});

describe("restart on a database file", () => {
  for (const [label, later] of [
    ["past the wait's end", 2 * DAY],
    ["before the wait's end (the new runtime jumps to it)", 60 * 60_000],
  ] as const) {
    it(`an execution waiting 1 day completes in a new runtime whose clock is ${label}`, async () => {
      bodies = 0;
      const path = join(dir, `restart-${later}.db`);
      const first = createRuntime({ db: path, clock: new VirtualClock(T0) }).register("sleeper", sleeper);
      const { arn } = first.start("sleeper", { who: "disk" });
      await first.runDue();
      const waiting = first.get(arn);
      expect(waiting.status).toBe("RUNNING");
      expect(waiting.nextWakeTime).toBe(new Date(T0 + DAY).toISOString());
      await first.close();

      const clock = new VirtualClock(T0 + later);
      const second = createRuntime({ db: path, clock }).register("sleeper", sleeper);
      expect(second.get(arn).status).toBe("RUNNING");
      await second.runUntilIdle();
      const done = second.get(arn);
      expect(done.status).toBe("SUCCEEDED");
      expect(done.result).toEqual({ greeting: "hello disk", after: "woke up" });
      // The first step was replayed from the file, not run again.
      expect(bodies).toBe(2);
      expect(clock.now()).toBeGreaterThanOrEqual(T0 + DAY);
      expect(second.invocations(arn).map((i) => i.outcome)).toEqual(["PENDING", "SUCCEEDED"]);
      expect(second.operations(arn).find((o) => o.Name === "a-day")?.Status).toBe("SUCCEEDED");
      await second.close();
    });
  }

  it("a callback issued before the restart is answered after it", async () => {
    const c = caseByName("wait-for-callback-success");
    const path = join(dir, "callback.db");
    const first = createRuntime({ db: path, clock: new VirtualClock(T0) });
    setupCase(first, c);
    const { arn } = first.start("handler", {});
    await first.runDue();
    await first.close();

    const second = createRuntime({ db: path, clock: new VirtualClock(T0 + 60_000) });
    setupCase(second, c);
    await driveCase(second, arn, c);
    expect(second.get(arn)).toMatchObject({ status: "SUCCEEDED", result: c.expect.result });
    await second.close();
  });
});

describe("crash injection on a database file", () => {
  for (const name of ["at-most-once-no-retry", "map-max-concurrency", "wait-for-callback-success", "nested-child-contexts"]) {
    it(name, async () => {
      const c = caseByName(name);
      const path = join(dir, `crash-${name}.db`);
      const runs = await runWithCrashAtEveryCheckpoint(c.handler, {
        input: c.input,
        setup: (rt) => setupCase(rt, c, false),
        beforeRun: () => resetState(),
        drive: (rt, arn) => driveCase(rt, arn, c),
        afterRun: () => {
          for (const [key, spec] of Object.entries(c.effects ?? {})) {
            expect(effects[key] ?? 0, key).toBeLessThanOrEqual(spec.semantics === "at-most-once" ? spec.max : spec.max + 1);
          }
        },
        runtimeOptions: { db: path },
      });
      expect(runs.length).toBeGreaterThan(1);
      expect(runs[0]!.execution).toMatchObject({ status: c.expect.status, result: c.expect.result });
      for (const run of runs.slice(1)) {
        const alt = c.crashOutcomes?.some((o) => o.status === run.execution.status && o.errorMessage === run.execution.error?.ErrorMessage);
        if (!alt) expect(run.execution, `crash after ${run.crashAfter}`).toMatchObject({ status: runs[0]!.execution.status, result: runs[0]!.execution.result });
      }
      // Every run's execution is in the one file.
      const rt = createRuntime({ db: path });
      expect(rt.list({ limit: 1000 })).toHaveLength(runs.length);
      await rt.close();
    });
  }
});
