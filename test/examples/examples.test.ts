/**
 * The examples compile with `durablec build -p examples/tsconfig.json`, and each one, run on the
 * local runtime, computes what it says: on a virtual clock (the 24-hour wait and the callback
 * timeouts pass at once), after a crash at every checkpoint, and, where the source can run as
 * plain TypeScript in a test, with the same result as the uncompiled source.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, VirtualClock, type DurableHandler, type DurableRuntime } from "../../runtime/index.js";
import { buildExamples, compiledHandler, durablec, freshServiceData, ledger } from "./helpers.js";

const HOUR = 3_600_000;
const ORDER = {
  orderId: "o-1",
  email: "ada@example.com",
  card: "tok_visa",
  items: [
    { sku: "book", quantity: 2, price: 15 },
    { sku: "lamp", quantity: 1, price: 40 },
    { sku: "mug", quantity: 3, price: 8 },
  ],
};
const EXPENSE = { reportId: "exp-1", employee: "bob@example.com", amount: 420, approver: "carol@example.com", escalateTo: "dave@example.com" };

const handlers: Record<string, DurableHandler> = {};
const dirs: string[] = [];

function runtime(options: { crashAt?: number } = {}): { rt: DurableRuntime; clock: VirtualClock; data: string } {
  const data = freshServiceData();
  dirs.push(data);
  const clock = new VirtualClock(Date.parse("2026-03-01T09:00:00Z"));
  let crashed = false;
  const rt = createRuntime({
    clock,
    ...(options.crashAt !== undefined
      ? { faults: { crashAfterCheckpoint: ({ checkpoint }) => !crashed && checkpoint === options.crashAt && (crashed = true) } }
      : {}),
  });
  for (const [name, handler] of Object.entries(handlers)) rt.register(name, handler);
  return { rt, clock, data };
}

beforeAll(async () => {
  const built = buildExamples();
  expect(built.output).toMatch(/built \d+ module\(s\), 5 entry\(ies\) into examples[\\/]dist/);
  expect(built.status).toBe(0);
  handlers.checkout = await compiledHandler("order-checkout", "checkout");
  handlers.approveExpense = await compiledHandler("human-approval", "approveExpense");
  handlers.processBatch = await compiledHandler("batch-processing", "processBatch");
  handlers.exportReport = await compiledHandler("polling", "exportReport");
  handlers.bookTrip = await compiledHandler("saga", "bookTrip");
}, 120_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("order-checkout", () => {
  it("charges once, deducts the stock once, packs every item in order, and sends the follow-up 24 hours later", async () => {
    const { rt, clock, data } = runtime();
    const t0 = clock.now();
    const exec = await rt.execute("checkout", ORDER);
    expect(exec.status).toBe("SUCCEEDED");
    const receipt = exec.result as Record<string, unknown>;
    expect(receipt).toMatchObject({ orderId: "o-1", total: 94, units: 6, parcels: ["o-1/book", "o-1/lamp", "o-1/mug"] });
    expect(receipt.transactionId).toMatch(/^[0-9a-f-]{36}$/);
    const charges = ledger<{ id: string; amount: number; description: string }>(data, "payments");
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ id: receipt.chargeId, amount: 94, description: `order o-1 (${receipt.transactionId})` });
    expect(ledger(data, "inventory")).toHaveLength(1);
    expect(ledger(data, "warehouse").map((p) => p.parcel)).toEqual(["o-1/book", "o-1/lamp", "o-1/mug"]);
    expect(ledger(data, "outbox").map((m) => m.subject)).toEqual(["Order o-1 is on its way", "How did you like order o-1?"]);
    // The follow-up went out after the (virtual) day had passed, not before.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(24 * HOUR);
    const wait = rt.operations(exec.arn).find((o) => o.Type === "WAIT")!;
    expect(wait).toMatchObject({ Name: "checkout/sleep", Status: "SUCCEEDED" });
    await rt.close();
  });

  it("after a crash at any checkpoint: the same receipt, one charge (the idempotency key), never a second stock deduction, one transaction id", async () => {
    const clean = runtime();
    const reference = await clean.rt.execute("checkout", ORDER);
    const checkpoints = reference.checkpoints;
    await clean.rt.close();
    expect(checkpoints).toBeGreaterThan(5);
    const outcomes: string[] = [];
    for (let k = 1; k <= checkpoints; k++) {
      const { rt, data } = runtime({ crashAt: k });
      const exec = await rt.execute("checkout", ORDER);
      const deductions = ledger(data, "inventory").length;
      expect(deductions, `crash after checkpoint ${k}`).toBeLessThanOrEqual(1);
      // A charge repeated after the crash carries the same idempotency key, so the payment API
      // returns the first charge instead of charging again.
      const charges = ledger<{ id: string; description: string; idempotencyKey?: string }>(data, "payments");
      expect(charges, `crash after checkpoint ${k}`).toHaveLength(1);
      expect(charges[0]!.idempotencyKey).toMatch(/\S{8,}/);
      if (exec.status === "SUCCEEDED") {
        const receipt = exec.result as Record<string, unknown>;
        expect(receipt, `crash after checkpoint ${k}`).toMatchObject({ orderId: "o-1", total: 94, units: 6, parcels: ["o-1/book", "o-1/lamp", "o-1/mug"] });
        expect(deductions).toBe(1);
        // The uuid drawn before the crash is the one the charge carries and the receipt reports.
        expect(charges[0], `crash after checkpoint ${k}`).toMatchObject({ id: receipt.chargeId, description: `order o-1 (${receipt.transactionId})` });
        outcomes.push("ok");
      } else {
        // The only acceptable failure: the crash hit while the at-most-once deduction was in
        // flight, so durablec refuses to guess whether the warehouse received it.
        expect(exec.status, `crash after checkpoint ${k}: ${JSON.stringify(exec.error)}`).toBe("FAILED");
        expect(exec.error).toMatchObject({ ErrorType: "StepError", ErrorMessage: expect.stringMatching(/interruption/) });
        expect(rt.operations(exec.arn).find((o) => o.Name === "checkout/deductInventory")?.Status).toBe("FAILED");
        outcomes.push("interrupted");
      }
      await rt.close();
    }
    // Exactly one crash point lands between the deduction's START checkpoint and its body.
    expect(outcomes.filter((o) => o === "interrupted")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(checkpoints - 1);
  });
});

describe("order-checkout when the payment API's response is lost", () => {
  afterAll(() => {
    delete process.env.DURABLEC_EXAMPLES_LOSE_FIRST_RESPONSE;
  });

  it("retries the charge with the same idempotency key, and the card is charged once", async () => {
    process.env.DURABLEC_EXAMPLES_LOSE_FIRST_RESPONSE = "payments";
    const { rt, data } = runtime();
    const exec = await rt.execute("checkout", ORDER);
    expect(exec.status).toBe("SUCCEEDED");
    const step = rt.operations(exec.arn).find((o) => o.Name === "checkout/payments.charge")!;
    expect(step.StepDetails?.Attempt).toBeGreaterThanOrEqual(2);
    const charges = ledger<{ id: string; idempotencyKey?: string }>(data, "payments");
    expect(charges).toHaveLength(1);
    expect((exec.result as { chargeId: string }).chargeId).toBe(charges[0]!.id);
    await rt.close();
  });
});

describe("human-approval", () => {
  it("an approval sent as a callback completes the request", async () => {
    const { rt, data } = runtime();
    const { arn } = rt.start("approveExpense", EXPENSE);
    const callbackOf = () => rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
    await rt.runUntilIdle({ until: () => callbackOf() !== undefined && ledger(data, "approval-requests").length > 0 });
    const callbackId = callbackOf()!.CallbackDetails!.CallbackId!;
    expect(ledger(data, "approval-requests")).toEqual([{ to: "carol@example.com", reportId: "exp-1", amount: 420, callbackId }]);
    rt.sendCallbackSuccess(callbackId, JSON.stringify({ approved: true, comment: "fine" }));
    await rt.runUntilIdle({ until: () => rt.get(arn).status !== "RUNNING" });
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: { reportId: "exp-1", status: "approved", decidedBy: "carol@example.com", comment: "fine" } });
    expect(ledger(data, "outbox")).toEqual([{ to: "bob@example.com", subject: "Expense exp-1: approved" }]);
    await rt.close();
  });

  it("a rejection is reported as rejected", async () => {
    const { rt } = runtime();
    const { arn } = rt.start("approveExpense", EXPENSE);
    const callbackOf = () => rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
    await rt.runUntilIdle({ until: () => callbackOf() !== undefined });
    rt.sendCallbackSuccess(callbackOf()!.CallbackDetails!.CallbackId!, JSON.stringify({ approved: false }));
    await rt.runUntilIdle({ until: () => rt.get(arn).status !== "RUNNING" });
    expect(rt.get(arn).result).toEqual({ reportId: "exp-1", status: "rejected", decidedBy: "carol@example.com" });
    await rt.close();
  });

  it("escalates when nobody answers within 24 hours", async () => {
    const { rt, clock, data } = runtime();
    const t0 = clock.now();
    const exec = await rt.execute("approveExpense", EXPENSE);
    expect(exec).toMatchObject({ status: "SUCCEEDED", result: { reportId: "exp-1", status: "escalated", decidedBy: "dave@example.com" } });
    expect(clock.now() - t0).toBeGreaterThanOrEqual(24 * HOUR);
    expect(ledger(data, "outbox")).toEqual([{ to: "bob@example.com", subject: "Expense exp-1: escalated to dave@example.com" }]);
    await rt.close();
  });
});

describe("batch-processing", () => {
  const JOB = { batchId: "b-1", records: 5000, chunkSize: 100 };

  it("processes 5,000 records in 50 chunks and keeps only references in the checkpoints", async () => {
    const { rt, data } = runtime();
    const exec = await rt.execute("processBatch", JOB);
    expect(exec.status).toBe("SUCCEEDED");
    const result = exec.result as Record<string, number | string>;
    expect(result).toMatchObject({ batchId: "b-1", chunks: 50, records: 5000, summary: `${data}/batches/b-1/summary.json` });
    // Checkpoints hold offsets, counts and file paths: no record (ids look like b-1-000042) ever
    // enters one, and the largest (the 50 report paths of the loop) stays a few kilobytes.
    const payloads = rt.operations(exec.arn).map((o) => o.StepDetails?.Result ?? o.ContextDetails?.Result ?? "");
    expect(payloads.filter((p) => /b-1-\d{6}/.test(p))).toEqual([]);
    expect(Math.max(...payloads.map((p) => p.length))).toBeLessThan(16_384);
    // The same numbers as the uncompiled source, run as ordinary TypeScript.
    const { processBatch } = await import("../../examples/batch-processing/workflow.js");
    freshServiceData();
    const plain = await processBatch(JOB);
    expect({ ...result, summary: undefined }).toEqual({ ...plain, summary: undefined });
    await rt.close();
  });

  it("a crash half-way resumes with the chunks already done", async () => {
    const clean = runtime();
    const reference = await clean.rt.execute("processBatch", JOB);
    await clean.rt.close();
    const { rt } = runtime({ crashAt: Math.floor(reference.checkpoints / 2) });
    const exec = await rt.execute("processBatch", JOB);
    expect(exec.status).toBe("SUCCEEDED");
    expect({ ...(exec.result as object), summary: undefined }).toEqual({ ...(reference.result as object), summary: undefined });
    expect(rt.invocations(exec.arn).some((i) => i.outcome === "CRASHED")).toBe(true);
    await rt.close();
  });
});

describe("polling", () => {
  it("checks the job with growing delays until it is done", async () => {
    const { rt, clock } = runtime();
    const t0 = clock.now();
    const exec = await rt.execute("exportReport", { reportId: "q3", checksUntilDone: 4 });
    expect(exec).toMatchObject({ status: "SUCCEEDED", result: { reportId: "q3", url: "file:///exports/job-q3.csv", checks: 4 } });
    // Three waits between four checks, each at least the one-second floor.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3000);
    await rt.close();
  });
});

describe("saga", () => {
  const VENICE = { tripId: "t-1", traveller: "ada", from: "Paris", to: "Venice", nights: 3 };
  const LISBON = { ...VENICE, tripId: "t-2", to: "Lisbon" };

  it("books everything when every service says yes", async () => {
    const { rt, data } = runtime();
    const exec = await rt.execute("bookTrip", LISBON);
    expect(exec.result).toEqual({ tripId: "t-2", status: "booked", bookings: ["FL-t-2", "HT-t-2", "CR-t-2"], compensated: [] });
    expect(ledger(data, "bookings").map((b) => `${b.action} ${b.id}`)).toEqual(["booked FL-t-2", "booked HT-t-2", "booked CR-t-2"]);
    await rt.close();
  });

  it("undoes the hotel, then the flight, when the car rental fails, also after a crash at any checkpoint", async () => {
    const clean = runtime();
    const reference = await clean.rt.execute("bookTrip", VENICE);
    await clean.rt.close();
    const expected = {
      tripId: "t-1",
      status: "cancelled",
      bookings: ["FL-t-1", "HT-t-1"],
      compensated: ["HT-t-1", "FL-t-1"],
      reason: "no rental car available in Venice",
    };
    expect(reference.result).toEqual(expected);
    for (let k = 1; k <= reference.checkpoints; k++) {
      const { rt, data } = runtime({ crashAt: k });
      const exec = await rt.execute("bookTrip", VENICE);
      expect(exec.result, `crash after checkpoint ${k}`).toEqual(expected);
      // Whatever ran twice, the end state is the same: nothing stays booked.
      const state = new Map<string, string>();
      for (const b of ledger<{ id: string; action: string }>(data, "bookings")) state.set(b.id, b.action);
      expect(Object.fromEntries(state), `crash after checkpoint ${k}`).toEqual({ "FL-t-1": "cancelled", "HT-t-1": "cancelled" });
      await rt.close();
    }
    const { bookTrip } = await import("../../examples/saga/workflow.js");
    freshServiceData();
    expect(await bookTrip(VENICE)).toEqual(expected);
  });
});

// `durablec run --clock virtual` (what the demo and the docs use to skip the checkout's 24-hour
// wait): time jumps over waits and timeouts, and a wrong value is a usage error.
describe("durablec run --clock virtual", () => {
  const dir = mkdtempSync(join(tmpdir(), "durablec-clock-"));
  const db = join(dir, "state.db");
  const env = { DURABLEC_EXAMPLES_DATA: join(dir, "data") };
  const ORDER = JSON.stringify({ orderId: "c-1", email: "ada@example.com", card: "tok", items: [{ sku: "pen", quantity: 1, price: 3 }] });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a real-clock run stops at the 24-hour wait; the same execution resumed with --clock virtual finishes at once", async () => {
    const spec = "examples/dist/order-checkout/workflow.js#checkout";
    const first = await durablec(["run", spec, "--name", "c-1", "--input", ORDER, "--db", db], { env });
    expect(first.code).toBe(3);
    expect(first.stdout).toContain("RUNNING: execution c-1");
    const resumed = await durablec(["run", spec, "--name", "c-1", "--clock", "virtual", "--db", db, "--json"], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/\(virtual clock\) skipping (23h 59m \d+s|1d) to /);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "SUCCEEDED", result: { orderId: "c-1", total: 3, parcels: ["c-1/pen"] } });
  });

  it("DURABLEC_CLOCK=virtual is the default of --clock, and an unknown clock is a usage error", async () => {
    const spec = "examples/dist/human-approval/workflow.js#approveExpense";
    const input = JSON.stringify({ reportId: "e-1", employee: "b@example.com", amount: 1, approver: "c@example.com", escalateTo: "d@example.com" });
    const viaEnv = await durablec(["run", spec, "--input", input, "--db", db, "--json"], { env: { ...env, DURABLEC_CLOCK: "virtual" } });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout).result).toEqual({ reportId: "e-1", status: "escalated", decidedBy: "d@example.com" });
    const bad = await durablec(["run", spec, "--input", input, "--db", db, "--clock", "fast"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--clock must be real or virtual, got "fast"');
  });
});
