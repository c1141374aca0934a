/**
 * Type-directed serdes at run time: a workflow reads a Date, a bigint, a Map, a Set and an array
 * with holes from a step, waits an hour, and reports what it holds. The report is the same live
 * (the uncompiled source), after replay on durablec's runtime (the wait ends the invocation, the
 * next one replays the step from its checkpoint), with a crash after every checkpoint, and on the
 * official LocalDurableTestRunner.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, runWithCrashAtEveryCheckpoint, VirtualClock } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixtures } from "./compile-fixtures.js";
import { FIXTURES } from "./fixture-runner.js";

const ID = "serdes/round-trip-after-wait";
const spec = JSON.parse(fs.readFileSync(path.join(FIXTURES, ID, "run.json"), "utf8")) as { event: string; result: unknown };
const MAP_ID = "serdes/map-item-dates";
const mapSpec = JSON.parse(fs.readFileSync(path.join(FIXTURES, MAP_ID, "run.json"), "utf8")) as { event: string[]; result: unknown };
const ALL_ID = "serdes/promise-all-map-dates";
const allSpec = JSON.parse(fs.readFileSync(path.join(FIXTURES, ALL_ID, "run.json"), "utf8")) as { event: string[]; result: unknown };
let handler: DurableHandler;
let mapHandler: DurableHandler;
let allHandler: DurableHandler;

beforeAll(async () => {
  const compiled = compileFixtures([ID, MAP_ID, ALL_ID], "serdes-round-trip");
  allHandler = await compiled.handler(ALL_ID, "sinceConcurrently");
  handler = await compiled.handler(ID, "accountSummary");
  mapHandler = await compiled.handler(MAP_ID, "sinceAll");
});

describe("Date, bigint, Map, Set and undefined in arrays survive the checkpoint", () => {
  it("live: the uncompiled source computes the expected report", async () => {
    const source = (await import(path.join(FIXTURES, ID, "input.ts"))) as { accountSummary: (id: string) => Promise<unknown> };
    const original = setTimeout;
    // The source sleeps for real; make its hour pass at once.
    globalThis.setTimeout = ((fn: () => void) => original(fn, 0)) as typeof setTimeout;
    try {
      expect(await source.accountSummary(spec.event)).toEqual(spec.result);
    } finally {
      globalThis.setTimeout = original;
    }
  });

  it("after replay on durablec's runtime (virtual clock)", async () => {
    const clock = new VirtualClock();
    const rt = createTestRuntime({ clock });
    try {
      rt.register("accountSummary", handler);
      const { arn } = rt.start("accountSummary", spec.event);
      await rt.runUntilIdle();
      const e = rt.get(arn);
      expect({ status: e.status, error: e.error }).toEqual({ status: "SUCCEEDED", error: undefined });
      expect(e.result).toEqual(spec.result);
      // The wait ended the first invocation: the result was computed by a replay.
      expect(rt.invocations(arn).length).toBeGreaterThanOrEqual(2);
      const step = rt.operations(arn).find((o) => o.Type === "STEP");
      const stored = JSON.parse(step!.StepDetails!.Result!) as Record<string, unknown>;
      expect(stored.opened).toBe("2020-02-29T12:00:00.000Z");
      expect(stored.balance).toBe("123456789012345678901234567892");
    } finally {
      await rt.close();
    }
  });

  it("with a crash after every checkpoint", async () => {
    const runs = await runWithCrashAtEveryCheckpoint(handler, { input: spec.event });
    for (const r of runs) {
      expect(r.execution.status, `crash after ${r.crashAfter}`).toBe("SUCCEEDED");
      expect(r.execution.result, `crash after ${r.crashAfter}`).toEqual(spec.result);
    }
  });
});

describe("loops and Promise.all over .map compiled to context.map keep their Dates", () => {
  it.each([
    ["a loop pushing Dates", () => mapHandler, () => mapSpec],
    ["Promise.all(xs.map(async …)) returning Dates", () => allHandler, () => allSpec],
  ] as const)("%s, with a crash after every checkpoint", async (_name, h, sp) => {
    const runs = await runWithCrashAtEveryCheckpoint(h(), { input: sp().event });
    for (const r of runs) {
      expect(r.execution.status, `crash after ${r.crashAfter}`).toBe("SUCCEEDED");
      expect(r.execution.result, `crash after ${r.crashAfter}`).toEqual(sp().result);
    }
  });
});

describe("on LocalDurableTestRunner", () => {
  beforeAll(async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
  });
  afterAll(async () => {
    await LocalDurableTestRunner.teardownTestEnvironment();
  });
  it("a mapped loop's Dates survive", async () => {
    const runner = new LocalDurableTestRunner({ handlerFunction: mapHandler as never });
    const result = await runner.run({ payload: mapSpec.event as never });
    expect(result.getStatus()).toBe("SUCCEEDED");
    expect(result.getResult()).toEqual(mapSpec.result);
  });

  it("Promise.all over .map keeps its Dates", async () => {
    const runner = new LocalDurableTestRunner({ handlerFunction: allHandler as never });
    const result = await runner.run({ payload: allSpec.event as never });
    expect(result.getStatus()).toBe("SUCCEEDED");
    expect(result.getResult()).toEqual(allSpec.result);
  });

  it("gives the same report", async () => {
    const runner = new LocalDurableTestRunner({ handlerFunction: handler as never });
    const result = await runner.run({ payload: spec.event as never });
    expect(result.getStatus()).toBe("SUCCEEDED");
    expect(result.getResult()).toEqual(spec.result);
  });
});
