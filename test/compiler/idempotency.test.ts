/**
 * Idempotency keys at run time: a fake payment service that records every request with its key
 * sees one key per logical charge — whatever crashes, replays and retries happen — and the keys
 * differ between loop iterations and between executions.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixtures } from "./compile-fixtures.js";

type Service = typeof import("./fixtures/_shared/payment-service.js").service;

let handler: DurableHandler;
let service: Service;
const event = { customer: "ann", amounts: [10, 20] };
const LOGICAL_CHARGES = 4; // two in the mapped loop, two in the loop kept sequential
const expected = ["ch_ann_10", "ch_ann_20", "ch_ann-again_10", "ch_ann-again_20"];

beforeAll(async () => {
  const compiled = compileFixtures(["inject-idempotency-keys/keys-per-iteration"], "idempotency-run");
  handler = await compiled.handler("inject-idempotency-keys/keys-per-iteration", "chargeAll");
  service = (await compiled.module<{ service: Service }>("_shared/payment-service.ts")).service;
});

/** Every key names one logical charge: all its requests are identical (the service deduplicates them). */
function expectOneChargePerKey(requests: Service["requests"], logical: number) {
  const byKey = new Map<string, typeof requests>();
  for (const r of requests) {
    expect(r.idempotencyKey, "every request carries a key").toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    byKey.set(r.idempotencyKey!, [...(byKey.get(r.idempotencyKey!) ?? []), r]);
  }
  expect(byKey.size, "one key per logical charge").toBe(logical);
  for (const same of byKey.values()) for (const r of same) expect(r).toEqual(same[0]);
  return byKey;
}

describe("idempotency keys", () => {
  it("give a deduplicating service exactly one charge per logical call when the runtime crashes at every checkpoint", async () => {
    const runs = await runWithCrashAtEveryCheckpoint(handler, {
      input: event,
      beforeRun: () => service.reset(),
      afterRun: (run) => {
        expect(run.execution.status, `crash after ${run.crashAfter}`).toBe("SUCCEEDED");
        expect(run.execution.result).toEqual(expected);
        expectOneChargePerKey(service.requests, LOGICAL_CHARGES);
      },
    });
    expect(runs.length).toBeGreaterThan(LOGICAL_CHARGES);
  });

  it("keep the key when a step fails with a 503 and is retried", async () => {
    service.reset();
    service.failFirstAttempt = true;
    const rt = createTestRuntime();
    try {
      rt.register("chargeAll", handler);
      const { arn } = rt.start("chargeAll", event);
      await rt.runUntilIdle();
      expect(rt.get(arn).status).toBe("SUCCEEDED");
      expect(rt.get(arn).result).toEqual(expected);
      const byKey = expectOneChargePerKey(service.requests, LOGICAL_CHARGES);
      for (const same of byKey.values()) expect(same, "first attempt failed, the retry succeeded").toHaveLength(2);
    } finally {
      await rt.close();
    }
  });

  it("differ between iterations, call sites and executions", async () => {
    service.reset();
    const rt = createTestRuntime();
    try {
      rt.register("chargeAll", handler);
      const a = rt.start("chargeAll", event);
      await rt.runUntilIdle();
      const first = service.requests.map((r) => r.idempotencyKey);
      service.reset();
      const b = rt.start("chargeAll", event);
      await rt.runUntilIdle();
      const second = service.requests.map((r) => r.idempotencyKey);
      expect(rt.get(a.arn).status).toBe("SUCCEEDED");
      expect(rt.get(b.arn).status).toBe("SUCCEEDED");
      expect(new Set(first).size).toBe(LOGICAL_CHARGES);
      expect(new Set(second).size).toBe(LOGICAL_CHARGES);
      expect(first.filter((k) => second.includes(k))).toEqual([]);
    } finally {
      await rt.close();
    }
  });
});
