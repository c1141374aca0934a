/**
 * On the real clock the SDK takes paths the virtual clock never exercises: with time left in the
 * invocation it keeps a wait or retry timer in-process while other work runs, and learns that
 * the wait ended or the retry is READY from the responses to its (empty) polling checkpoints.
 * Durations are kept at 1-2 s.
 */
import { describe, expect, it } from "vitest";
import { createRetryStrategy, JitterStrategy, withDurableExecution } from "@aws/durable-execution-sdk-js";
import { createRuntime, RealClock } from "../../runtime/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("conformance on the real clock", () => {
  it("a lone wait suspends the invocation and the runtime resumes it when due", async () => {
    const rt = createRuntime({ clock: new RealClock() });
    rt.register(
      "seq",
      withDurableExecution(async (_e, ctx) => {
        const a = await ctx.step("a", async () => 1);
        await ctx.wait("w", { seconds: 1 });
        return a + (await ctx.step("b", async () => 2));
      }),
    );
    const t = Date.now();
    const e = await rt.execute("seq", {});
    expect(e).toMatchObject({ status: "SUCCEEDED", result: 3 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(900);
    expect(rt.operations(e.arn).find((o) => o.Name === "w")?.Status).toBe("SUCCEEDED");
    await rt.close();
  });

  it("a wait that ends while a sibling branch still runs completes in the same invocation", async () => {
    const rt = createRuntime({ clock: new RealClock() });
    let slowBodies = 0;
    rt.register(
      "overlap",
      withDurableExecution(async (_e, ctx) => {
        const res = await ctx.parallel("both", [
          async (c) => {
            await c.wait("short", { seconds: 1 });
            return c.step("after-wait", async () => "waited");
          },
          async (c) =>
            c.step("slow", async () => {
              slowBodies++;
              await sleep(3000);
              return "slow";
            }),
        ]);
        return res.getResults();
      }),
    );
    const e = await rt.execute("overlap", {});
    expect(e).toMatchObject({ status: "SUCCEEDED", result: ["waited", "slow"] });
    expect(slowBodies).toBe(1);
    const ops = rt.operations(e.arn);
    expect(ops.find((o) => o.Name === "short")?.Status).toBe("SUCCEEDED");
    expect(ops.find((o) => o.Name === "after-wait")?.Status).toBe("SUCCEEDED");
    expect(rt.invocations(e.arn).map((i) => i.outcome)).toEqual(["SUCCEEDED"]);
    await rt.close();
  });

  it("a step retried after 1 s while a sibling runs succeeds on attempt 2", async () => {
    const rt = createRuntime({ clock: new RealClock() });
    rt.register(
      "retry",
      withDurableExecution(async (_e, ctx) => {
        const res = await ctx.parallel([
          async (c) =>
            c.step(
              "flaky",
              async (s) => {
                if (s.attempt === 1) throw new Error("first attempt fails");
                return `ok on ${s.attempt}`;
              },
              { retryStrategy: createRetryStrategy({ maxAttempts: 2, initialDelay: { seconds: 1 }, jitter: JitterStrategy.NONE }) },
            ),
          async (c) => c.step("busy", async () => (await sleep(3000), "busy")),
        ]);
        return res.getResults();
      }),
    );
    const e = await rt.execute("retry", {});
    expect(e).toMatchObject({ status: "SUCCEEDED", result: ["ok on 2", "busy"] });
    const flaky = rt.operations(e.arn).find((o) => o.Name === "flaky")!;
    expect(flaky.Status).toBe("SUCCEEDED");
    expect(flaky.StepDetails?.Attempt).toBe(2);
    expect(rt.invocations(e.arn).map((i) => i.outcome)).toEqual(["SUCCEEDED"]);
    await rt.close();
  });

  it("a callback answered while the invocation is still running is seen by it or by the next one", async () => {
    const rt = createRuntime({ clock: new RealClock() });
    rt.register(
      "live-callback",
      withDurableExecution(async (_e, ctx) => {
        const res = await ctx.parallel([
          async (c) => c.waitForCallback("approve", async () => {}, { timeout: { minutes: 1 } }),
          async (c) => c.step("busy", async () => (await sleep(1500), "busy")),
        ]);
        return res.getResults();
      }),
    );
    const { arn } = rt.start("live-callback", {});
    const running = rt.runUntilIdle({ until: () => rt.get(arn).status !== "RUNNING", pollMs: 50 });
    // Answer as soon as the callback exists, while the busy step is still running.
    let answeredDuring = "";
    for (let i = 0; i < 100 && !answeredDuring; i++) {
      await sleep(20);
      const cb = rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
      if (cb) {
        answeredDuring = rt.invocations(arn).at(-1)!.outcome;
        rt.sendCallbackSuccess(cb.CallbackDetails!.CallbackId!, "approved");
      }
    }
    expect(answeredDuring).toBe("RUNNING");
    await running;
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: ["approved", "busy"] });
    expect(rt.operations(arn).find((o) => o.Type === "CALLBACK")?.Status).toBe("SUCCEEDED");
    await rt.close();
  });
});
