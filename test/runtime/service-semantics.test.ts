/**
 * Service behaviour the official runner cannot act as an oracle for: paged state, execution
 * timeouts, stops, heartbeats on a virtual clock, chained invokes that fail or are stopped.
 */
import { describe, expect, it } from "vitest";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { createTestRuntime, VirtualClock } from "../../runtime/testing/index.js";

describe("paged state", () => {
  it("a replay whose state spans many pages is rebuilt through getExecutionState with markers", async () => {
    const rt = createTestRuntime();
    // Hand the SDK 3 operations at a time: it must page through the rest.
    (rt.service.options as { initialPageSize: number }).initialPageSize = 3;
    const pages: (string | undefined)[] = [];
    const original = rt.service.getExecutionState.bind(rt.service);
    rt.service.getExecutionState = (arn, token, marker, maxItems) => {
      pages.push(marker);
      return original(arn, token, marker, maxItems);
    };
    rt.register(
      "many",
      withDurableExecution(async (_e, ctx) => {
        let sum = 0;
        for (let i = 0; i < 12; i++) sum += await ctx.step(`s${i}`, async () => i);
        await ctx.wait("w", { minutes: 1 });
        return sum + (await ctx.step("last", async () => 100));
      }),
    );
    const { arn } = rt.start("many", {});
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: 166 });
    // The replay (15 operations) fetched the rest after the first 3 (in one page of up to 1000).
    expect(pages).toEqual(["3"]);
    await rt.close();
  });

  it("MaxItems pages walk every visible operation once, in start order", async () => {
    const rt = createTestRuntime();
    rt.register(
      "many",
      withDurableExecution(async (_e, ctx) => {
        for (let i = 0; i < 7; i++) await ctx.step(`s${i}`, async () => i);
        await ctx.wait("w", { minutes: 1 });
      }),
    );
    const { arn } = rt.start("many", {});
    await rt.runDue();
    const { token, operations: first } = rt.service.beginInvocation(arn, true)!;
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = rt.service.getExecutionState(arn, token, marker, 2);
      expect(page.operations.length).toBeLessThanOrEqual(2);
      seen.push(...page.operations.map((o) => o.Name ?? o.Type!));
      marker = page.nextMarker;
    } while (marker !== undefined);
    expect(seen).toEqual(["EXECUTION", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "w"]);
    expect(first.map((o) => o.Name ?? o.Type)).toEqual(seen);
    await rt.close();
  });
});

describe("execution timeout", () => {
  it("an execution past its timeout ends TIMED_OUT, and its open callback can no longer be answered", async () => {
    const rt = createTestRuntime();
    rt.register(
      "slow",
      withDurableExecution(async (_e, ctx) => {
        const [p] = await ctx.createCallback("approval", { timeout: { days: 7 } });
        return p;
      }),
    );
    const { arn } = rt.start("slow", {}, { executionTimeoutSeconds: 3600 });
    await rt.runUntilIdle();
    const e = rt.get(arn);
    expect(e.status).toBe("TIMED_OUT");
    expect(e.error?.ErrorType).toBe("ExecutionTimedOut");
    expect(Date.parse(e.endTime!) - Date.parse(e.startTime)).toBe(3600_000);
    const cb = rt.operations(arn).find((o) => o.Type === "CALLBACK")!;
    expect(() => rt.sendCallbackSuccess(cb.CallbackDetails!.CallbackId!, "late")).toThrow(/already/);
    expect(rt.history(arn).map((h) => h.EventType)).toContain("ExecutionTimedOut");
    await rt.close();
  });
});

describe("heartbeats on the service clock", () => {
  it("each heartbeat pushes the heartbeat deadline out; silence then times the callback out", async () => {
    const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00Z"));
    const rt = createTestRuntime({ clock });
    rt.register(
      "job",
      withDurableExecution(async (_e, ctx) => {
        const [p] = await ctx.createCallback("job", { timeout: { hours: 1 }, heartbeatTimeout: { seconds: 60 } });
        try {
          return await p;
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      }),
    );
    const { arn } = rt.start("job", {});
    await rt.runDue();
    const id = rt.operations(arn).find((o) => o.Type === "CALLBACK")!.CallbackDetails!.CallbackId!;
    for (let i = 0; i < 3; i++) {
      clock.advanceBy(50_000);
      rt.sendCallbackHeartbeat(id);
      await rt.runDue();
      expect(rt.get(arn).status).toBe("RUNNING");
    }
    // 150 s in: three heartbeats kept it alive past the first 60 s deadline.
    expect(rt.get(arn).nextWakeTime).toBe(new Date(clock.now() + 60_000).toISOString());
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: "CallbackTimeoutError: Callback timed out on heartbeat" });
    expect(clock.now()).toBe(Date.parse("2026-01-01T00:00:00Z") + 150_000 + 60_000);
    await rt.close();
  });
});

describe("stop", () => {
  it("stopping a parent stops the durable function it is waiting on", async () => {
    const rt = createTestRuntime();
    rt.register(
      "child",
      withDurableExecution(async (_e, ctx) => {
        await ctx.wait("long", { days: 30 });
        return "child done";
      }),
    );
    rt.register(
      "parent",
      withDurableExecution(async (_e, ctx) => ctx.invoke("call", "child", {})),
    );
    const { arn } = rt.start("parent", {});
    await rt.runDue();
    const child = rt.list({ functionName: "child" })[0]!;
    expect(child.status).toBe("RUNNING");
    expect(child.parentArn).toBe(arn);
    const stopped = rt.stop(arn, { ErrorType: "Cancelled", ErrorMessage: "operator stop" });
    expect(stopped).toMatchObject({ status: "STOPPED", error: { ErrorType: "Cancelled", ErrorMessage: "operator stop" } });
    expect(rt.get(child.arn).status).toBe("STOPPED");
    await rt.runUntilIdle();
    expect(rt.get(arn).status).toBe("STOPPED");
    expect(rt.invocations(arn)).toHaveLength(1);
    await rt.close();
  });

  it("a durable function that fails fails the invoke in its caller", async () => {
    const rt = createTestRuntime();
    rt.register(
      "child",
      withDurableExecution(async (_e, ctx) => {
        await ctx.step("s", async () => {
          throw new Error("child broke");
        }, { retryStrategy: () => ({ shouldRetry: false }) });
      }),
    );
    rt.register(
      "parent",
      withDurableExecution(async (_e, ctx) => {
        try {
          await ctx.invoke("call", "child", {});
          return "unreachable";
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      }),
    );
    const e = await rt.execute("parent", {});
    expect(e).toMatchObject({ status: "SUCCEEDED", result: "InvokeError: child broke" });
    const op = rt.operations(e.arn).find((o) => o.Type === "CHAINED_INVOKE")!;
    expect(op.Status).toBe("FAILED");
    expect(op.ChainedInvokeDetails?.Error).toMatchObject({ ErrorType: "StepError", ErrorMessage: "child broke" });
    await rt.close();
  });
});

describe("invocations that die", () => {
  it("a handler that dies the same way on every replay still fails after maxFailedInvocations retries", async () => {
    const rt = createTestRuntime({ maxFailedInvocations: 3 });
    rt.register(
      "doomed",
      withDurableExecution(async (_e, ctx) => {
        await ctx.step("ok", async () => 1);
        // A BigInt cannot be serialized: the SDK fails the invocation (not the execution).
        await ctx.step("bad", async () => 10n as unknown as number);
        return "unreachable";
      }),
    );
    const { arn } = rt.start("doomed", {});
    await rt.runUntilIdle();
    const e = rt.get(arn);
    expect(e.status).toBe("FAILED");
    expect(e.error?.ErrorType).toBe("InvocationFailed");
    expect(e.error?.ErrorMessage).toMatch(/^4 invocations in a row failed; the last: .*Serialization failed for step "bad".*BigInt/);
    expect(rt.invocations(arn).map((i) => i.outcome)).toEqual(["CRASHED", "CRASHED", "CRASHED", "CRASHED"]);
    await rt.close();
  });
});
