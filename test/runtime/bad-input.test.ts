/**
 * Bad input to the runtime and to the checkpoint API: each request is refused with a clear error
 * (a RuntimeError code, or a DurableExecutionClientError of the scope the SDK acts on) and leaves
 * the stored state exactly as it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { DurableExecutionClientError, withDurableExecution, type OperationUpdate } from "@aws/durable-execution-sdk-js";
import { createRuntime, RuntimeError, Store, type DurableRuntime, type RuntimeErrorCode } from "../../runtime/index.js";
import { createTestRuntime, VirtualClock } from "../../runtime/testing/index.js";

const dir = mkdtempSync(join(tmpdir(), "durablec-bad-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tempDb = (name: string) => join(dir, `${name}-${randomBytes(4).toString("hex")}.db`);

/** Every row of every table, as JSON, in a stable order. */
function snapshot(store: Store): Record<string, string[]> {
  store.flush();
  const tables = (store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
    (t) => t.name,
  );
  return Object.fromEntries(tables.map((t) => [t, (store.db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort()]));
}

/** Asserts `fn` throws a RuntimeError with `code` and a message matching `message`, and changed nothing. */
function expectRefused(rt: DurableRuntime, fn: () => unknown, code: RuntimeErrorCode, message: RegExp): void {
  const before = snapshot(rt.store);
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(RuntimeError);
  expect((thrown as RuntimeError).code).toBe(code);
  expect((thrown as RuntimeError).message).toMatch(message);
  expect(snapshot(rt.store)).toEqual(before);
}

/** Asserts a checkpoint-API call is refused with a client error of `scope`, and changed nothing. */
function expectClientError(rt: DurableRuntime, fn: () => unknown, scope: "INVOCATION" | "EXECUTION", message: RegExp): void {
  const before = snapshot(rt.store);
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DurableExecutionClientError);
  expect((thrown as DurableExecutionClientError).scope).toBe(scope);
  expect((thrown as Error).message).toMatch(message);
  expect(snapshot(rt.store)).toEqual(before);
}

const echo = withDurableExecution(async (event: unknown, ctx) => ctx.step("echo", async () => event));

const approval = withDurableExecution(async (_event, ctx) => {
  try {
    return await ctx.waitForCallback("approve", async () => {}, { timeout: { minutes: 10 } });
  } catch (e) {
    return `caught ${(e as Error).name}`;
  }
});

/** Runs `approval` until its callback is waiting; returns the callback id. */
async function pendingCallback(rt: DurableRuntime): Promise<{ arn: string; callbackId: string }> {
  rt.register("approval", approval);
  const { arn } = rt.start("approval", {});
  await rt.runDue();
  const cb = rt.operations(arn).find((o) => o.Type === "CALLBACK")!;
  return { arn, callbackId: cb.CallbackDetails!.CallbackId! };
}

describe("bad input to the runtime API", () => {
  it("malformed JSON input is refused", () => {
    const rt = createTestRuntime().register("echo", echo);
    expectRefused(rt, () => rt.service.startExecution({ functionName: "echo", input: "{not json" }), "INVALID_INPUT", /not valid JSON/);
  });

  it("non-serializable inputs are refused", () => {
    const rt = createTestRuntime().register("echo", echo);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expectRefused(rt, () => rt.start("echo", circular), "INVALID_INPUT", /cannot be serialized as JSON/);
    expectRefused(rt, () => rt.start("echo", { n: 10n }), "INVALID_INPUT", /cannot be serialized as JSON.*BigInt/);
    expectRefused(rt, () => rt.start("echo", () => 1), "INVALID_INPUT", /cannot be serialized as JSON/);
  });

  it("an input over 1 MiB is refused", () => {
    const rt = createTestRuntime().register("echo", echo);
    expectRefused(rt, () => rt.start("echo", { big: "x".repeat(1024 * 1024) }), "PAYLOAD_TOO_LARGE", /input is 1048586 bytes; the limit is 1048576/);
  });

  it("an invalid execution name or timeout is refused", () => {
    const rt = createTestRuntime().register("echo", echo);
    expectRefused(rt, () => rt.start("echo", {}, { name: "has spaces/and slashes" }), "INVALID_INPUT", /Execution name .* is invalid/);
    expectRefused(rt, () => rt.start("echo", {}, { executionTimeoutSeconds: 0 }), "INVALID_INPUT", /executionTimeoutSeconds/);
  });

  it("a step result over 256 KB fails the execution with a clear error, and nothing of it is stored", async () => {
    const rt = createTestRuntime();
    rt.register(
      "big",
      withDurableExecution(async (_e, ctx) => {
        await ctx.step("small", async () => "ok");
        await ctx.step("too-big", async () => "x".repeat(300 * 1024));
        return "unreachable";
      }),
    );
    const { arn } = rt.start("big", {});
    await rt.runUntilIdle();
    const e = rt.get(arn);
    expect(e.status).toBe("FAILED");
    expect(e.error?.ErrorMessage).toMatch(/Payload of STEP operation too-big is 307202 bytes; the limit is 262144/);
    const ops = rt.operations(arn);
    expect(ops.find((o) => o.Name === "small")?.Status).toBe("SUCCEEDED");
    // The refused checkpoint left no trace of the step's result.
    expect(ops.find((o) => o.Name === "too-big")?.StepDetails?.Result).toBeUndefined();
    expect(JSON.stringify(rt.history(arn))).not.toContain("x".repeat(1000));
    await rt.close();
  });

  it("unknown execution ARNs are refused everywhere", async () => {
    const rt = createTestRuntime().register("echo", echo);
    await rt.execute("echo", { a: 1 });
    const arn = "arn:aws:lambda:local:000000000000:function:echo:$LATEST/durable-execution/nope/nope";
    for (const call of [() => rt.get(arn), () => rt.operations(arn), () => rt.history(arn), () => rt.invocations(arn), () => rt.stop(arn)]) {
      expectRefused(rt, call, "EXECUTION_NOT_FOUND", /No execution arn:aws:lambda:.*nope/);
    }
    expectClientError(rt, () => rt.service.checkpoint(arn, "token", []), "EXECUTION", /not found/);
    expectClientError(rt, () => rt.service.getExecutionState(arn, "token", undefined, undefined), "EXECUTION", /not found/);
  });

  it("unknown callback ids are refused", async () => {
    const rt = createTestRuntime();
    await pendingCallback(rt);
    expectRefused(rt, () => rt.sendCallbackSuccess("no-such-callback", "{}"), "CALLBACK_NOT_FOUND", /No callback no-such-callback/);
    expectRefused(rt, () => rt.sendCallbackFailure("no-such-callback", { ErrorMessage: "x" }), "CALLBACK_NOT_FOUND", /No callback/);
    expectRefused(rt, () => rt.sendCallbackHeartbeat("no-such-callback"), "CALLBACK_NOT_FOUND", /No callback/);
    expectRefused(rt, () => rt.sendCallbackSuccess("", "{}"), "INVALID_INPUT", /callback id is required/);
  });

  it("malformed or oversized callback answers are refused", async () => {
    const rt = createTestRuntime();
    const { callbackId } = await pendingCallback(rt);
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, { not: "a string" } as never), "INVALID_INPUT", /must be a string/);
    expectRefused(rt, () => rt.sendCallbackFailure(callbackId, "denied" as never), "INVALID_INPUT", /must be an object/);
    expectRefused(rt, () => rt.sendCallbackFailure(callbackId, { ErrorMessage: 42 } as never), "INVALID_INPUT", /ErrorMessage must be a string/);
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, "x".repeat(300 * 1024)), "PAYLOAD_TOO_LARGE", /callback result is 307200 bytes/);
  });

  it("a callback completed twice is refused the second time", async () => {
    const rt = createTestRuntime();
    const { arn, callbackId } = await pendingCallback(rt);
    rt.sendCallbackSuccess(callbackId, '"yes"');
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, '"again"'), "CALLBACK_ALREADY_COMPLETED", /already SUCCEEDED/);
    expectRefused(rt, () => rt.sendCallbackFailure(callbackId, {}), "CALLBACK_ALREADY_COMPLETED", /already SUCCEEDED/);
    expectRefused(rt, () => rt.sendCallbackHeartbeat(callbackId), "CALLBACK_ALREADY_COMPLETED", /already SUCCEEDED/);
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: '"yes"' });
    // Once the execution has ended, too.
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, '"late"'), "CALLBACK_ALREADY_COMPLETED", /already SUCCEEDED/);
  });

  it("a callback answered after its timeout is refused", async () => {
    const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00Z"));
    const rt = createTestRuntime({ clock });
    const { arn, callbackId } = await pendingCallback(rt);
    // The deadline passed, but nothing has looked at the execution yet: the deadline still wins.
    clock.advanceBy(11 * 60_000);
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, '"too late"'), "CALLBACK_ALREADY_COMPLETED", /already TIMED_OUT/);
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: "caught CallbackTimeoutError" });
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, '"later still"'), "CALLBACK_ALREADY_COMPLETED", /already TIMED_OUT/);
  });

  it("an unregistered handler is refused, naming the registered ones", () => {
    const rt = createTestRuntime().register("echo", echo);
    expectRefused(rt, () => rt.start("ecoh", {}), "HANDLER_NOT_REGISTERED", /No handler is registered as "ecoh" \(registered: echo\)/);
  });

  it("a registered name that is not a handler is refused", () => {
    const rt = createTestRuntime();
    expect(() => rt.register("x", "not a function" as never)).toThrow(/not a function/);
  });

  it("an execution name reused with a different input conflicts; with the same input returns the existing execution", async () => {
    const rt = createTestRuntime().register("echo", echo);
    const first = await rt.execute("echo", { order: 1 }, { name: "order-1" });
    expect(first.status).toBe("SUCCEEDED");
    expectRefused(rt, () => rt.start("echo", { order: 2 }, { name: "order-1" }), "EXECUTION_NAME_CONFLICT", /named "order-1" of echo already exists with a different input/);
    const before = snapshot(rt.store);
    const again = rt.start("echo", { order: 1 }, { name: "order-1" });
    expect(again.arn).toBe(first.arn);
    expect(again.status).toBe("SUCCEEDED");
    expect(snapshot(rt.store)).toEqual(before);
    expect(rt.list()).toHaveLength(1);
  });

  it("stopping an execution that already ended is refused", async () => {
    const rt = createTestRuntime().register("echo", echo);
    const e = await rt.execute("echo", { a: 1 });
    expectRefused(rt, () => rt.stop(e.arn), "EXECUTION_NOT_RUNNING", /already SUCCEEDED/);
    expect(rt.get(e.arn).result).toEqual({ a: 1 });
  });

  it("stopping a running execution twice is refused the second time, and its callback can no longer be answered", async () => {
    const rt = createTestRuntime();
    const { arn, callbackId } = await pendingCallback(rt);
    expect(rt.stop(arn).status).toBe("STOPPED");
    expectRefused(rt, () => rt.stop(arn), "EXECUTION_NOT_RUNNING", /already STOPPED/);
    expectRefused(rt, () => rt.sendCallbackSuccess(callbackId, "{}"), "CALLBACK_ALREADY_COMPLETED", /CANCELLED|STOPPED/);
  });
});

describe("bad input to the checkpoint API", () => {
  /** An execution suspended in a 1-hour wait, and a live invocation token for it. */
  async function suspended() {
    const rt = createTestRuntime();
    rt.register(
      "flow",
      withDurableExecution(async (_e, ctx) => {
        const a = await ctx.step("s", async () => 1);
        const b = await ctx.runInChildContext("child", async (c) => c.step("inner", async () => 2));
        await ctx.wait("w", { hours: 1 });
        return a + b;
      }),
    );
    const { arn } = rt.start("flow", {});
    await rt.runDue();
    const ids = Object.fromEntries(rt.operations(arn).map((o) => [o.Name ?? "execution", o.Id!]));
    const inv = rt.service.beginInvocation(arn, true)!;
    return { rt, arn, ids, token: inv.token };
  }
  const cp = (rt: DurableRuntime, arn: string, token: string | undefined, updates: unknown[]) => () =>
    rt.service.checkpoint(arn, token, updates as OperationUpdate[]);

  it("unknown, missing and stale checkpoint tokens are refused with scope INVOCATION", async () => {
    const { rt, arn, token } = await suspended();
    expectClientError(rt, cp(rt, arn, "not-a-token", []), "INVOCATION", /Invalid Checkpoint Token/);
    expectClientError(rt, cp(rt, arn, undefined, []), "INVOCATION", /Invalid Checkpoint Token/);
    expectClientError(rt, () => rt.service.getExecutionState(arn, "not-a-token", undefined, undefined), "INVOCATION", /Invalid Checkpoint Token/);
    // A token is good for one checkpoint: the response carries the next one.
    const next = rt.service.checkpoint(arn, token, []).token;
    expect(next).not.toBe(token);
    expectClientError(rt, cp(rt, arn, token, []), "INVOCATION", /Invalid Checkpoint Token/);
    // A newer invocation invalidates every token of the older one.
    const newer = rt.service.beginInvocation(arn, true)!;
    expectClientError(rt, cp(rt, arn, next, []), "INVOCATION", /Invalid Checkpoint Token/);
    expect(() => rt.service.checkpoint(arn, newer.token, [])).not.toThrow();
  });

  it("invalid transitions are refused with scope EXECUTION and a clear message", async () => {
    const { rt, arn, ids, token } = await suspended();
    const bad: [unknown, RegExp][] = [
      [{ Id: ids.w, Type: "WAIT", Action: "SUCCEED" }, /Invalid action "SUCCEED" for a WAIT operation \(allowed: START, CANCEL\)/],
      [{ Id: ids.child, Type: "CONTEXT", Action: "START" }, /Invalid transition for CONTEXT operation .*: it already exists/],
      [{ Id: ids.w, Type: "WAIT", Action: "START", WaitOptions: { WaitSeconds: 5 } }, /WAIT operation .*: it already exists/],
      [{ Id: ids.s, Type: "STEP", Action: "SUCCEED", Payload: "2" }, /STEP operation .*: cannot SUCCEED from SUCCEEDED/],
      [{ Id: ids.s, Type: "STEP", Action: "START" }, /STEP operation .*: cannot START from SUCCEEDED/],
      [{ Id: ids.w, Type: "STEP", Action: "SUCCEED" }, /it is a WAIT, not a STEP/],
      [{ Id: "fresh", Type: "CALLBACK", Action: "CANCEL" }, /cannot cancel an operation that does not exist/],
      [{ Id: "fresh", Type: "STEP", Action: "START", ParentId: ids.w }, /Invalid parent operation id/],
      [{ Id: "fresh", Type: "TIMER", Action: "START" }, /Unknown operation type "TIMER"/],
      [{ Type: "STEP", Action: "START" }, /must have an Id/],
      [{ Id: "fresh", Type: "STEP", Action: "SUCCEED", Payload: "x".repeat(300 * 1024) }, /is 307200 bytes; the limit is 262144/],
      [{ Id: "fresh", Type: "STEP", Action: "FAIL", Payload: "1" }, /FAIL cannot carry a Payload/],
      [{ Id: "fresh", Type: "WAIT", Action: "START", WaitOptions: { WaitSeconds: -1 } }, /WaitSeconds must be a number/],
      [{ Id: "fresh", Type: "CALLBACK", Action: "START", CallbackOptions: { TimeoutSeconds: 0 } }, /TimeoutSeconds must be positive/],
    ];
    for (const [update, message] of bad) expectClientError(rt, cp(rt, arn, token, [update]), "EXECUTION", message);
    // A refused batch is refused whole: its valid first update is not applied either.
    expectClientError(
      rt,
      cp(rt, arn, token, [{ Id: "ok", Type: "STEP", Action: "START" }, { Id: ids.w, Type: "WAIT", Action: "SUCCEED" }]),
      "EXECUTION",
      /Invalid action/,
    );
    expectClientError(
      rt,
      cp(rt, arn, token, [{ Id: "x", Type: "EXECUTION", Action: "SUCCEED" }, { Id: "y", Type: "STEP", Action: "START" }]),
      "EXECUTION",
      /EXECUTION checkpoint must be the last update/,
    );
    expectClientError(
      rt,
      cp(rt, arn, token, [{ Id: "z", Type: "WAIT", Action: "START", WaitOptions: { WaitSeconds: 1 } }, { Id: "z", Type: "WAIT", Action: "CANCEL" }]),
      "EXECUTION",
      /twice in a single request/,
    );
    expectClientError(rt, () => rt.service.getExecutionState(arn, token, "garbage", undefined), "EXECUTION", /Invalid marker/);
    expectClientError(rt, () => rt.service.getExecutionState(arn, token, undefined, 5000), "EXECUTION", /MaxItems/);
    // The token survived every refusal, and the execution still completes.
    expect(() => rt.service.checkpoint(arn, token, [])).not.toThrow();
    await rt.runUntilIdle();
    expect(rt.get(arn)).toMatchObject({ status: "SUCCEEDED", result: 3 });
  });
});

describe("bad database files", () => {
  it("a corrupt database file is refused with STORE_CORRUPT and left byte for byte as it was", () => {
    const path = tempDb("corrupt");
    const garbage = Buffer.concat([Buffer.from("definitely not sqlite\n"), randomBytes(16 * 1024)]);
    writeFileSync(path, garbage);
    let thrown: unknown;
    try {
      createRuntime({ db: path });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RuntimeError);
    expect((thrown as RuntimeError).code).toBe("STORE_CORRUPT");
    expect((thrown as Error).message).toMatch(/is not a durablec database or is corrupt.*Nothing was changed/);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it("a database another process holds an exclusive lock on is refused with STORE_LOCKED, and its data is intact", async () => {
    const path = tempDb("locked");
    const setup = createRuntime({ db: path, clock: new VirtualClock() }).register("echo", echo);
    const done = await setup.execute("echo", { kept: true });
    await setup.close();

    const other = new Database(path);
    other.exec("BEGIN EXCLUSIVE");
    let thrown: unknown;
    try {
      const store = Store.open(path, { busyTimeoutMs: 100 });
      try {
        const rt = createRuntime({ db: store }).register("echo", echo);
        rt.start("echo", { new: true });
      } finally {
        store.close();
      }
    } catch (e) {
      thrown = e;
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(thrown).toBeInstanceOf(RuntimeError);
    expect((thrown as RuntimeError).code).toBe("STORE_LOCKED");
    expect((thrown as Error).message).toMatch(/is locked by another process/);

    const after = createRuntime({ db: path });
    expect(after.list().map((e) => [e.arn, e.status, e.result])).toEqual([[done.arn, "SUCCEEDED", { kept: true }]]);
    await after.close();
  });

  it("a database with a newer schema version is refused with STORE_TOO_NEW and not migrated", () => {
    const path = tempDb("newer");
    Store.open(path).close();
    const raw = new Database(path);
    raw.pragma("user_version = 99");
    raw.close();
    const bytes = readFileSync(path);
    let thrown: unknown;
    try {
      createRuntime({ db: path });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RuntimeError);
    expect((thrown as RuntimeError).code).toBe("STORE_TOO_NEW");
    expect((thrown as Error).message).toMatch(/schema version 99, newer than this durablec understands.*Upgrade durablec/);
    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(99);
    check.close();
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
});
