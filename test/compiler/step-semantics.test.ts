/**
 * Semantics and retries at run time: the default strategy of compiled effects retries a 503 and a
 * network failure, not a 400 or a TypeError; an @atMostOnce effect interrupted mid-flight is not
 * run again, the step fails as the SDK specifies.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixtures } from "./compile-fixtures.js";

let callFlaky: DurableHandler;
let attemptsOf: (id: string) => number;
let launchOnce: DurableHandler;
let launches: string[];

beforeAll(async () => {
  const compiled = compileFixtures(["step-semantics/default-retry-by-status", "step-semantics/at-most-once-interrupted"], "step-semantics-run");
  callFlaky = await compiled.handler("step-semantics/default-retry-by-status", "callFlaky");
  attemptsOf = (await compiled.module<{ attemptsOf: (id: string) => number }>("step-semantics/default-retry-by-status/input.ts")).attemptsOf;
  launchOnce = await compiled.handler("step-semantics/at-most-once-interrupted", "launchOnce");
  launches = (await compiled.module<{ launches: string[] }>("step-semantics/at-most-once-interrupted/input.ts")).launches;
});

async function run(id: string, failure: object) {
  const rt = createTestRuntime();
  try {
    rt.register("callFlaky", callFlaky);
    const { arn } = rt.start("callFlaky", { id, failure });
    await rt.runUntilIdle();
    return rt.get(arn);
  } finally {
    await rt.close();
  }
}

describe("the default retry strategy of compiled effects", () => {
  it("retries a 503", async () => {
    const e = await run("s503", { kind: "status", status: 503 });
    expect({ status: e.status, result: e.result }).toEqual({ status: "SUCCEEDED", result: "ok after 2" });
    expect(attemptsOf("s503")).toBe(2);
  });

  it("retries fetch's network failure (TypeError: fetch failed with ECONNRESET)", async () => {
    const e = await run("net", { kind: "network" });
    expect(e.status).toBe("SUCCEEDED");
    expect(attemptsOf("net")).toBe(2);
  });

  it("does not retry a 400", async () => {
    const e = await run("s400", { kind: "status", status: 400 });
    expect(e.status).toBe("FAILED");
    expect(e.error?.ErrorMessage).toContain("HTTP 400");
    expect(attemptsOf("s400")).toBe(1);
  });

  it("does not retry a TypeError", async () => {
    const e = await run("type", { kind: "type-error" });
    expect(e.status).toBe("FAILED");
    expect(e.error?.ErrorMessage).toContain("Cannot read properties of undefined");
    expect(attemptsOf("type")).toBe(1);
  });
});

describe("@atMostOnce", () => {
  it("never runs the effect twice; an attempt interrupted by a crash fails the step", async () => {
    const outcomes: string[] = [];
    const runs = await runWithCrashAtEveryCheckpoint(launchOnce, {
      input: "moon",
      beforeRun: () => launches.splice(0),
      afterRun: (r) => {
        expect(launches.length, `crash after ${r.crashAfter}: launches`).toBeLessThanOrEqual(1);
        const e = r.execution;
        if (e.status === "SUCCEEDED") {
          expect(e.result).toBe("launched:MOON");
          expect(launches).toEqual(["MOON"]);
          outcomes.push("succeeded");
        } else {
          expect(e.status).toBe("FAILED");
          expect(e.error?.ErrorType).toBe("StepError");
          expect(e.error?.ErrorMessage).toMatch(/interruption/);
          // The START checkpoint of the at-most-once step is the one the crash followed.
          const step = r.runtime.operations(e.arn).find((o) => o.Name === "launchOnce/launchRocket");
          expect(step?.Status).toBe("FAILED");
          outcomes.push("interrupted");
        }
      },
    });
    expect(runs[0]!.execution.status).toBe("SUCCEEDED");
    expect(outcomes).toContain("interrupted");
  });
});
