/**
 * Input validation at run time: an invalid event fails the execution before any operation, with
 * every problem listed; an invalid callback payload raises CallbackPayloadError where the callback
 * is awaited, which the workflow can catch.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CallbackPayloadError, InvalidEventError } from "../../runtime/intrinsics.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import { compileFixtures } from "./compile-fixtures.js";

const ID = "validate-inputs/bad-event-and-payload";
let ship: DurableHandler;
let shipStrict: DurableHandler;

beforeAll(async () => {
  const compiled = compileFixtures([ID], "validate-inputs-run");
  ship = await compiled.handler(ID, "ship");
  shipStrict = await compiled.handler(ID, "shipStrict");
});

const good = { orderId: "o-1", items: [{ sku: "abc", quantity: 2 }] };

async function withRuntime<T>(fn: (rt: ReturnType<typeof createTestRuntime>) => Promise<T>): Promise<T> {
  const rt = createTestRuntime();
  try {
    rt.register("ship", ship);
    rt.register("shipStrict", shipStrict);
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Starts `entry`, answers its callback with `payload`, and returns the execution. */
async function answer(entry: string, payload: string) {
  return withRuntime(async (rt) => {
    const { arn } = rt.start(entry, good);
    await rt.runDue();
    const callback = rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
    expect(callback, "waits on the callback").toBeDefined();
    rt.sendCallbackSuccess(callback!.CallbackDetails!.CallbackId!, payload);
    await rt.runUntilIdle();
    return rt.get(arn);
  });
}

describe("an invalid event", () => {
  it("fails the execution at once, before any operation, listing every problem", async () => {
    await withRuntime(async (rt) => {
      const { arn } = rt.start("ship", { orderId: 7, items: [{ sku: "abc", quantity: "two" }, { quantity: 1 }], express: "yes" });
      await rt.runUntilIdle();
      const e = rt.get(arn);
      expect(e.status).toBe("FAILED");
      expect(e.error?.ErrorType).toBe("InvalidEventError");
      const message = e.error!.ErrorMessage!;
      expect(message).toMatch(/^Invalid event for 'ship' \(4 problems\):/);
      for (const path of ["event.orderId", "event.items[0].quantity", "event.items[1].sku", "event.express"]) expect(message).toContain(`  - ${path}: `);
      expect(rt.operations(arn).filter((o) => o.Type !== "EXECUTION")).toEqual([]);
    });
  });

  it("is accepted when valid, extra keys included", async () => {
    const e = await answer("ship", JSON.stringify({ approved: true, approver: "kim", note: "extra" }));
    expect(e.status).toBe("SUCCEEDED");
    expect(e.result).toBe("o-1: 6 reserved, approved by kim");
  });

  it("is an InvalidEventError listing its problems", () => {
    const error = new InvalidEventError("f", [{ path: ["a", 0, "b-c"], message: "Required" }]);
    expect(error.problems).toEqual(['event.a[0]["b-c"]: Required']);
    expect(error.code).toBe("DURABLEC_INVALID_EVENT");
  });
});

describe("an invalid callback payload", () => {
  it("raises CallbackPayloadError, which the workflow catches", async () => {
    const e = await answer("ship", JSON.stringify({ approved: "yes" }));
    expect(e.status).toBe("SUCCEEDED");
    expect(e.result).toBe(
      "rejected payload: payload.approved: Invalid input: expected boolean, received string; payload.approver: Invalid input: expected string, received undefined",
    );
  });

  it("fails the execution when not caught, listing every problem", async () => {
    const e = await answer("shipStrict", "not json at all");
    expect(e.status).toBe("FAILED");
    expect(e.error?.ErrorType).toBe("CallbackPayloadError");
    expect(e.error?.ErrorMessage).toContain("Invalid payload for callback 'shipStrict/waitForCallback' (1 problem):");
    expect(e.error?.ErrorMessage).toContain("  - payload: Invalid input: expected object, received string");
    expect(new CallbackPayloadError("x", [])).toBeInstanceOf(Error);
  });
});
