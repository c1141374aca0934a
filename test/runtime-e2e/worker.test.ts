import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, type DurableRuntime } from "../../runtime/index.js";
import { loadHandlerModules, registerLoaded } from "../../runtime/worker/index.js";
import { Daemon, FIXTURES, FLOWS, cli, eventually, inProcess, tempDir } from "./helpers.js";

// `durablec worker` as a child process over one database file; executions are started from
// this process on the same file, callbacks are sent with the CLI.
describe("durablec worker", () => {
  const cleanups: (() => void | Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const { dir, cleanup } = tempDir();
    const db = join(dir, "state.db");
    const rt = createRuntime({ db });
    registerLoaded(rt, await loadHandlerModules([FLOWS]));
    cleanups.push(cleanup, () => rt.close());
    const worker = (...extra: string[]) => {
      const d = new Daemon(["worker", FLOWS, "--db", db, "--lease-ms", "1000", "--poll-ms", "50", ...extra], { cwd: dir });
      cleanups.push(() => d.stop("SIGKILL"));
      return d;
    };
    return { dir, db, rt, worker };
  }

  const ended = (rt: DurableRuntime, arn: string) => eventually(() => rt.get(arn).status !== "RUNNING" && rt.get(arn));

  it("runs waits, retries and callbacks sent with the CLI, logging a JSON line per operation", async () => {
    const { dir, db, rt, worker } = await setup();
    const w = worker();
    const started = await w.waitFor((l) => l.event === "worker-started");
    expect(started).toMatchObject({ functions: ["approval", "doomed", "flaky", "greet", "slow"], leaseMs: 1000, pollMs: 50 });

    const t0 = Date.now();
    const greet = rt.start("greet", { who: "ada", waitSeconds: 1 });
    const flaky = rt.start("flaky", { counterFile: join(dir, "counter") });
    const approval = rt.start("approval", { orderId: "o-9" });
    const doomed = rt.start("doomed", {});

    expect(await ended(rt, greet.arn)).toMatchObject({ status: "SUCCEEDED", result: { hello: "hello ada", done: "HELLO ADA" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(await ended(rt, doomed.arn)).toMatchObject({ status: "FAILED", error: { ErrorType: "StepError", ErrorMessage: "no such order" } });

    const cbLine = await w.waitFor((l) => l.execution === approval.name && l.type === "CALLBACK" && l.status === "STARTED" && !!l.callbackId);
    const sent = await cli(["callback", "succeed", String(cbLine.callbackId), '{"ok":1}', "--db", db], { cwd: dir });
    expect(sent.code, sent.stderr).toBe(0);
    expect(await ended(rt, approval.arn)).toMatchObject({ status: "SUCCEEDED", result: { answer: { ok: 1 } } });
    // The answer from outside is logged when the worker resumes the execution.
    expect(w.lines).toContainEqual(expect.objectContaining({ event: "operation", arn: approval.arn, type: "CALLBACK", status: "SUCCEEDED", operationName: "approve.callback" }));

    expect(await ended(rt, flaky.arn)).toMatchObject({ status: "SUCCEEDED", result: { value: "ok after 3" } });
    expect(readFileSync(join(dir, "counter"), "utf8")).toBe("3");

    // Structured lines: arn, operation id and name, attempt.
    const retries = w.lines.filter((l) => l.execution === flaky.name && l.event === "operation" && l.operationName === "call-api");
    expect(retries.map((l) => [l.status, l.attempt])).toEqual(expect.arrayContaining([["PENDING", 1], ["PENDING", 2], ["SUCCEEDED", 3]]));
    for (const l of retries) expect(l).toMatchObject({ level: "info", arn: flaky.arn, function: "flaky", type: "STEP", operationId: expect.any(String) });
    expect(w.lines).toContainEqual(expect.objectContaining({ event: "execution-ended", arn: greet.arn, status: "SUCCEEDED" }));
    expect(w.lines).toContainEqual(expect.objectContaining({ event: "invocation-ended", arn: doomed.arn, outcome: "FAILED" }));
    for (const l of w.lines) expect(typeof l.ts).toBe("string");

    await w.stop("SIGTERM");
    expect((await w.exited).code).toBe(0);
    expect(w.lines.at(-1)).toMatchObject({ event: "worker-stopped" });
  });

  it("runs chained invokes (a durable child with a wait, a plain function) and enforces execution timeouts", async () => {
    const { dir, db, rt, worker } = await setup();
    const chain = join(FIXTURES, "chain.mjs");
    const w = new Daemon(["worker", FLOWS, chain, "--db", db, "--lease-ms", "1000", "--poll-ms", "50"], { cwd: dir });
    cleanups.push(() => w.stop("SIGKILL"));
    await w.waitFor((l) => l.event === "worker-started");
    const timed = rt.start("greet", { who: "late", waitSeconds: 3600 }, { executionTimeoutSeconds: 1 });
    // Started from the CLI this time, left to the worker at the first wait (exit 3).
    const started = await inProcess(["run", `${chain}#parent`, "--input", '{"n":21}', "--name", "p1", "--db", db, "--wait-timeout", "0", "--json"], { cwd: dir });
    expect([0, 3]).toContain(started.code);
    const arn = JSON.parse(started.stdout).arn as string;
    expect(await ended(rt, arn)).toMatchObject({ status: "SUCCEEDED", result: { child: { doubled: 42 }, label: "n=42" } });
    const children = rt.list({ functionName: "child" });
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ status: "SUCCEEDED", parentArn: arn });
    expect(await ended(rt, timed.arn)).toMatchObject({ status: "TIMED_OUT", error: { ErrorType: "ExecutionTimedOut" } });
    expect(w.lines).toContainEqual(expect.objectContaining({ event: "execution-ended", arn: timed.arn, status: "TIMED_OUT" }));
    void worker;
  });

  it("on SIGINT finishes in-flight work within the grace period", async () => {
    const { dir, rt, worker } = await setup();
    const w = worker("--grace-ms", "5000");
    await w.waitFor((l) => l.event === "worker-started");
    const e = rt.start("slow", { ms: 800, log: join(dir, "slow.log") });
    await w.waitFor((l) => l.event === "invocation-started" && l.arn === e.arn);
    await w.stop("SIGINT");
    expect((await w.exited).code).toBe(0);
    expect(w.lines.find((l) => l.event === "worker-stopping")).toMatchObject({ signal: "SIGINT", inFlight: 1 });
    expect(w.lines.find((l) => l.event === "worker-stopped")).toMatchObject({ finished: 1, released: 0 });
    expect(rt.get(e.arn)).toMatchObject({ status: "SUCCEEDED", result: { a: 800, b: 801 } });
  });

  it("hands back work still running after the grace period; another worker resumes it at once", async () => {
    const { dir, rt, worker } = await setup();
    const log = join(dir, "slow.log");
    writeFileSync(log, "");
    const w = worker("--grace-ms", "100");
    await w.waitFor((l) => l.event === "worker-started");
    const e = rt.start("slow", { ms: 3000, log });
    await eventually(() => readFileSync(log, "utf8").includes("slow-part ran"), 10_000, 10);
    await w.stop("SIGTERM");
    expect((await w.exited).code).toBe(0);
    expect(w.lines.find((l) => l.event === "worker-stopped")).toMatchObject({ finished: 0, released: 1 });
    expect(rt.store.getExecution(e.arn)).toMatchObject({ status: "RUNNING", lease_owner: null });

    const t = Date.now();
    const w2 = worker();
    expect(await ended(rt, e.arn)).toMatchObject({ status: "SUCCEEDED", result: { a: 3000, b: 3001 } });
    // No lease to wait out: only the step's own 3 s.
    expect(Date.now() - t).toBeLessThan(6000);
    expect(rt.invocations(e.arn)[0]).toMatchObject({ outcome: "CRASHED", error: { ErrorType: "WorkerShutdown" } });
    await w2.stop();
  });

  it("resumes an execution whose worker was killed (-9) once its lease expires", async () => {
    const { dir, rt, worker } = await setup();
    const log = join(dir, "slow.log");
    writeFileSync(log, "");
    const w = worker();
    await w.waitFor((l) => l.event === "worker-started");
    const e = rt.start("slow", { ms: 1500, log });
    await eventually(() => readFileSync(log, "utf8").includes("slow-part ran"), 10_000, 10);
    w.child.kill("SIGKILL");
    await w.exited;
    const row = rt.store.getExecution(e.arn)!;
    expect(row.status).toBe("RUNNING");
    expect(row.lease_expires_at).toBeGreaterThan(Date.now() - 50);

    const w2 = worker();
    expect(await ended(rt, e.arn)).toMatchObject({ status: "SUCCEEDED", result: { a: 1500, b: 1501 } });
    // Picked up only after the dead worker's lease expired.
    const resumed = w2.lines.find((l) => l.event === "invocation-started" && l.arn === e.arn)!;
    expect(Date.parse(String(resumed.ts))).toBeGreaterThanOrEqual(row.lease_expires_at! - 5);
    const invocations = rt.invocations(e.arn);
    expect(invocations[0]).toMatchObject({ outcome: "CRASHED", error: { ErrorType: "InvocationAbandoned" } });
    expect(invocations.at(-1)).toMatchObject({ outcome: "SUCCEEDED" });
    // The at-least-once step ran again after the crash: once per crash at most.
    expect(readFileSync(log, "utf8").match(/slow-part ran/g)).toHaveLength(2);
    await w2.stop();
  });

  it("restarted with the same --worker-id, resumes the executions it held without waiting out the lease", async () => {
    const { dir, rt, worker } = await setup();
    const log = join(dir, "slow.log");
    writeFileSync(log, "");
    const w = worker("--worker-id", "w-1", "--lease-ms", "30000");
    await w.waitFor((l) => l.event === "worker-started");
    const e = rt.start("slow", { ms: 1000, log });
    await eventually(() => readFileSync(log, "utf8").includes("slow-part ran"), 10_000, 10);
    w.child.kill("SIGKILL");
    await w.exited;
    expect(rt.store.getExecution(e.arn)).toMatchObject({ status: "RUNNING", lease_owner: "worker:w-1" });
    const t = Date.now();
    const w2 = worker("--worker-id", "w-1", "--lease-ms", "30000");
    expect(await ended(rt, e.arn)).toMatchObject({ status: "SUCCEEDED", result: { a: 1000, b: 1001 } });
    expect(Date.now() - t).toBeLessThan(15_000); // the lease had 30 s to run
    expect(rt.invocations(e.arn)[0]).toMatchObject({ outcome: "CRASHED", error: { ErrorType: "InvocationAbandoned" } });
    await w2.stop();
    const bad = await inProcess(["worker", FLOWS, "--worker-id", "has space"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--worker-id must be/);
  });
});
