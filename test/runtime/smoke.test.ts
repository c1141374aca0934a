import { describe, expect, it } from "vitest";
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { createRuntime, VirtualClock } from "../../runtime/index.js";

describe("smoke", () => {
  it("runs steps, a wait and a callback", async () => {
    const rt = createRuntime({ clock: new VirtualClock() });
    rt.register(
      "flow",
      withDurableExecution(async (event: { n: number }, ctx) => {
        const a = await ctx.step("a", async () => event.n + 1);
        await ctx.wait("w", { hours: 24 });
        const b = await ctx.step("b", async () => a * 2);
        const cb = await ctx.waitForCallback("cb", async () => {}, { timeout: { minutes: 5 } });
        return { a, b, cb };
      }),
    );
    const { arn } = rt.start("flow", { n: 20 });
    await rt.runDue();
    expect(rt.get(arn).status).toBe("RUNNING");
    await rt.runUntilIdle({ until: () => rt.operations(arn).some((o) => o.Type === "CALLBACK") });
    const cbOp = rt.operations(arn).find((o) => o.Type === "CALLBACK")!;
    rt.sendCallbackSuccess(cbOp.CallbackDetails!.CallbackId!, "yes");
    await rt.runUntilIdle();
    const e = rt.get(arn);
    if (e.status !== "SUCCEEDED") console.log(JSON.stringify({ e, inv: rt.invocations(arn), ops: rt.operations(arn), h: rt.history(arn).map(h=>h.EventType) }, null, 1));
    expect(e.status).toBe("SUCCEEDED");
    expect(e.result).toEqual({ a: 21, b: 42, cb: "yes" });
    await rt.close();
  });
});
