/**
 * Idempotency keys at run time: a fake service that records every request with its key sees one
 * key per logical call — whatever crashes, replays and retries happen — and the keys differ
 * between loop iterations and between executions. Covered: keys in an effect's request type,
 * in an AWS SDK v3 command's input, in effects inside an explicit step() body, and in the
 * Idempotency-Key header of fetch (against a local HTTP server).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixtures } from "./compile-fixtures.js";

type PaymentService = typeof import("./fixtures/_shared/payment-service.js").service;
type AwsService = typeof import("./fixtures/_shared/aws-sdk-v3.js").awsService;

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A request as a deduplicating service sees it: its key, and everything else it carries. */
interface Keyed {
  key: string | undefined;
  request: unknown;
}

/** Every key names one logical call: all its requests are identical (the service deduplicates them). */
function expectOneCallPerKey(requests: readonly Keyed[], logical: number): Map<string, unknown[]> {
  const byKey = new Map<string, unknown[]>();
  for (const r of requests) {
    expect(r.key, "every request carries a key").toMatch(KEY);
    byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r.request]);
  }
  expect(byKey.size, "one key per logical call").toBe(logical);
  for (const same of byKey.values()) for (const r of same) expect(r).toEqual(same[0]);
  return byKey;
}

/**
 * The three behaviours every form of key must have. `requests()` reads what the service saw
 * since `reset()`; `failFirstAttempt()` makes it fail the first request of every key with a 503.
 */
function describeKeys(
  title: string,
  spec: {
    load: () => Promise<DurableHandler>;
    event: unknown;
    result: unknown;
    logical: number;
    /** `Type:Name` of every operation of the execution: the keys add none. */
    operations: string[];
    reset: () => void;
    failFirstAttempt: () => void;
    requests: () => Keyed[];
  },
) {
  describe(title, () => {
    let handler: DurableHandler;
    beforeAll(async () => {
      handler = await spec.load();
    });

    it("give the service exactly one call per logical call when the runtime crashes at every checkpoint", async () => {
      const runs = await runWithCrashAtEveryCheckpoint(handler, {
        input: spec.event,
        beforeRun: () => spec.reset(),
        afterRun: (run) => {
          expect(run.execution.status, `crash after ${run.crashAfter}`).toBe("SUCCEEDED");
          expect(run.execution.result).toEqual(spec.result);
          expectOneCallPerKey(spec.requests(), spec.logical);
        },
      });
      expect(runs.length, "one run without a crash, one per checkpoint").toBe(runs[0]!.execution.checkpoints + 1);
    });

    it("keep each key when a step fails with a 503 and is retried, at no extra operation", async () => {
      spec.reset();
      spec.failFirstAttempt();
      const rt = createTestRuntime();
      try {
        rt.register("handler", handler);
        const { arn } = rt.start("handler", spec.event);
        await rt.runUntilIdle();
        expect(rt.get(arn).status).toBe("SUCCEEDED");
        expect(rt.get(arn).result).toEqual(spec.result);
        const byKey = expectOneCallPerKey(spec.requests(), spec.logical);
        for (const same of byKey.values()) expect(same.length, "the first attempt failed, a retry succeeded").toBeGreaterThanOrEqual(2);
        const operations = rt.operations(arn).filter((o) => o.Type !== "EXECUTION");
        expect(operations.map((o) => `${o.Type}:${o.Name}`).sort()).toEqual([...spec.operations].sort());
      } finally {
        await rt.close();
      }
    });

    it("differ between iterations, call sites and executions", async () => {
      spec.reset();
      const rt = createTestRuntime();
      try {
        rt.register("handler", handler);
        const a = rt.start("handler", spec.event);
        await rt.runUntilIdle();
        const first = spec.requests().map((r) => r.key);
        spec.reset();
        const b = rt.start("handler", spec.event);
        await rt.runUntilIdle();
        const second = spec.requests().map((r) => r.key);
        expect(rt.get(a.arn).status).toBe("SUCCEEDED");
        expect(rt.get(b.arn).status).toBe("SUCCEEDED");
        expect(new Set(first).size).toBe(spec.logical);
        expect(new Set(second).size).toBe(spec.logical);
        expect(first.filter((k) => second.includes(k))).toEqual([]);
      } finally {
        await rt.close();
      }
    });
  });
}

const compiled = compileFixtures(
  [
    "inject-idempotency-keys/keys-per-iteration",
    "inject-idempotency-keys/sdk-v3-command",
    "inject-idempotency-keys/step-body-keys",
    "inject-idempotency-keys/fetch-header",
  ],
  "idempotency-run",
);
const payments = async () => (await compiled.module<{ service: PaymentService }>("_shared/payment-service.ts")).service;
const aws = async () => (await compiled.module<{ awsService: AwsService }>("_shared/aws-sdk-v3.ts")).awsService;
let paymentService: PaymentService;
let awsService: AwsService;

beforeAll(async () => {
  paymentService = await payments();
  awsService = await aws();
});

const paymentRequests = (): Keyed[] => paymentService.requests.map(({ idempotencyKey, ...request }) => ({ key: idempotencyKey, request }));

describeKeys("idempotency keys in a request type", {
  load: () => compiled.handler("inject-idempotency-keys/keys-per-iteration", "chargeAll"),
  event: { customer: "ann", amounts: [10, 20] },
  result: ["ch_ann_10", "ch_ann_20", "ch_ann-again_10", "ch_ann-again_20"],
  logical: 4, // two in the mapped loop, two in the loop kept sequential
  operations: [
    "CONTEXT:chargeAll/amounts",
    "CONTEXT:chargeAll/amounts[0]",
    "CONTEXT:chargeAll/amounts[1]",
    "STEP:chargeAll/createCharge",
    "STEP:chargeAll/createCharge",
    "STEP:chargeAll/createCharge#2[0]",
    "STEP:chargeAll/createCharge#2[1]",
  ],
  reset: () => paymentService.reset(),
  failFirstAttempt: () => (paymentService.failFirstAttempt = true),
  requests: paymentRequests,
});

describeKeys("idempotency keys in effects inside an explicit step() body", {
  load: () => compiled.handler("inject-idempotency-keys/step-body-keys", "settle"),
  event: { customers: ["ann", "bob"], parts: [10, 20] },
  result: ["ch_ann_1", "ch_ann_10", "ch_ann_20", "ch_bob_1", "ch_bob_10", "ch_bob_20", "ch_fees_5"],
  logical: 7, // per customer a deposit and two parts (a loop inside the body), then the fee
  operations: ["CONTEXT:settle/customers", "CONTEXT:settle/customers[0]", "CONTEXT:settle/customers[1]", "STEP:charge parts", "STEP:charge parts", "STEP:charge fee"],
  reset: () => paymentService.reset(),
  failFirstAttempt: () => (paymentService.failFirstAttempt = true),
  requests: paymentRequests,
});

describeKeys("idempotency keys in AWS SDK v3 command inputs", {
  load: () => compiled.handler("inject-idempotency-keys/sdk-v3-command", "buildAll"),
  event: { projects: ["api", "web"] },
  result: ["build:api", "build:web", "build:release"],
  logical: 3,
  // The loop over projects is a context.map (a client declared outside it does not keep it
  // sequential): one child context per project, each with its step.
  operations: ["CONTEXT:buildAll/projects", "CONTEXT:buildAll/projects[0]", "CONTEXT:buildAll/projects[1]", "STEP:buildAll/builds.send", "STEP:buildAll/builds.send", "STEP:buildAll/builds.send#2"],
  reset: () => awsService.reset(),
  failFirstAttempt: () => (awsService.failFirstAttempt = true),
  requests: () => awsService.requests.map(({ token, input, command }) => ({ key: token, request: { command, input: { ...input, ClientToken: undefined } } })),
});

/** A payment API on 127.0.0.1 that deduplicates on the Idempotency-Key header. */
const api = {
  server: undefined as http.Server | undefined,
  baseUrl: "",
  requests: [] as { method: string; path: string; key: string | undefined; body: string }[],
  failFirstAttempt: false,
  reset() {
    this.requests = [];
    this.failFirstAttempt = false;
  },
};

beforeAll(async () => {
  api.server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const key = req.headers["idempotency-key"] as string | undefined;
      const seen = key !== undefined && api.requests.some((r) => r.key === key);
      api.requests.push({ method: req.method!, path: req.url!, key, body });
      if (api.failFirstAttempt && key !== undefined && !seen) return void res.writeHead(503).end();
      if (req.url === "/charges") {
        const { customer, amount } = JSON.parse(body) as { customer: string; amount: number };
        return void res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: `ch_${customer}_${amount}` }));
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => api.server!.listen(0, "127.0.0.1", resolve));
  api.baseUrl = `http://127.0.0.1:${(api.server!.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => api.server?.close(resolve));
});

describe("the Idempotency-Key header of fetch (idempotency.fetchHeader)", () => {
  it("is not sent with a GET", async () => {
    api.reset();
    const rt = createTestRuntime();
    try {
      rt.register("handler", await compiled.handler("inject-idempotency-keys/fetch-header", "pay"));
      const { arn } = rt.start("handler", { baseUrl: api.baseUrl, customer: "ann", amounts: [10], cancelMethod: "DELETE" });
      await rt.runUntilIdle();
      expect(rt.get(arn).status).toBe("SUCCEEDED");
      expect(api.requests.map((r) => `${r.method} ${r.path} ${r.key === undefined ? "without" : "with"} key`)).toEqual([
        "POST /charges with key",
        "GET /health without key",
        "DELETE /cancellations with key",
      ]);
    } finally {
      await rt.close();
    }
  });
});

describeKeys("the Idempotency-Key header of fetch, statically and from a Request with a method known at run time", {
  load: () => compiled.handler("inject-idempotency-keys/fetch-header", "pay"),
  get event() {
    return { baseUrl: api.baseUrl, customer: "ann", amounts: [10, 20], cancelMethod: "DELETE" };
  },
  result: ["ch_ann_10", "ch_ann_20", "cancelled:200"],
  logical: 3, // two charges in the mapped loop, one cancellation
  operations: ["CONTEXT:pay/amounts", "CONTEXT:pay/amounts[0]", "CONTEXT:pay/amounts[1]", "STEP:charge", "STEP:charge", "STEP:cancel"],
  reset: () => api.reset(),
  failFirstAttempt: () => (api.failFirstAttempt = true),
  requests: () => api.requests.filter((r) => r.method !== "GET").map(({ key, ...request }) => ({ key, request })),
});
