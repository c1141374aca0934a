/**
 * The stacks of errors thrown in a compiled handler: kept per failed step attempt and for the
 * handler's own error, mapped through the compiled modules' source maps to the TypeScript line
 * that threw, and listed by the HTTP API with the operations. What the code observes (errors,
 * retries, what the service receives) is the same with and without the capture.
 */
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, VirtualClock, type DurableHandler, type DurableRuntime } from "../../runtime/index.js";
import { startServer } from "../../runtime/server/index.js";
import { loadHandlerModules, registerLoaded } from "../../runtime/worker/load-handlers.js";
import { cli, inProcess } from "../runtime-e2e/helpers.js";
import { compileTypedProject, lineOf, type TypedProject } from "./typed-project.js";

let project: TypedProject;
let plain: Record<string, DurableHandler>;
let rt: DurableRuntime;

const order = { orderId: "o-7", amount: 500, placedAt: "2026-03-01T10:00:00.000Z", channel: "web", priority: 1, giftWrap: null, items: [], tags: {} };

beforeAll(async () => {
  project = compileTypedProject("stacks");
  // Imported before the capture is enabled: the SDK reads its plugin list when the module loads.
  expect(process.env.DURABLE_EXECUTION_PLUGINS ?? "").not.toContain("error-stack-plugin");
  plain = (await import(`${pathToFileURL(project.module).href}?plain`)) as Record<string, DurableHandler>;
  rt = createRuntime({ clock: new VirtualClock() });
  registerLoaded(rt, await loadHandlerModules([project.module]));
  expect(process.env.DURABLE_EXECUTION_PLUGINS).toContain("error-stack-plugin.js");
}, 60_000);
afterAll(async () => {
  await rt?.close();
  project?.cleanup();
});

describe("error stacks", () => {
  it("keeps each failed attempt's stack, mapped to the TypeScript line that threw", async () => {
    const exec = await rt.execute("checkout", order, { name: "declined" });
    expect(exec.status).toBe("FAILED");
    const step = rt.operations(exec.arn).find((o) => o.Type === "STEP")!;
    const stacks = rt.errorStacks(exec.arn).filter((s) => s.operationId === step.Id);
    expect(stacks.map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of stacks) {
      expect(s).toMatchObject({ errorType: "Error", errorMessage: "card declined for o-7" });
      // As V8 wrote it (already mapped when Node's own source maps are on, as under vitest).
      expect(s.stack).toMatch(/^Error: card declined for o-7\n {4}at chargeCard \(.*\/(out\/payments\.js|src\/payments\.ts):\d+:\d+\)/);
      const [thrower, caller] = s.frames;
      expect(thrower).toMatchObject({ fn: "chargeCard", source: { file: `${project.dir}/src/payments.ts`, line: lineOf("payments.ts", "throw new Error") } });
      expect(caller!.source).toMatchObject({ file: `${project.dir}/src/orders.ts`, line: lineOf("orders.ts", "await chargeCard") });
      expect(s.frames.filter((f) => f.library).length).toBeGreaterThan(0);
    }
  });

  it("maps the compiled JavaScript's frames through its .js.map when Node does not (durablec run)", async () => {
    const res = await cli(["run", "out/orders.js#checkout", "--db", "cli.db", "--clock", "virtual", "--input", JSON.stringify(order)], { cwd: project.dir, env: { NODE_OPTIONS: "" } });
    expect(res.code).toBe(1);
    const cliRt = createRuntime({ db: `${project.dir}/cli.db` });
    try {
      const [exec] = cliRt.list({ functionName: "checkout" });
      const first = cliRt.errorStacks(exec!.arn).find((s) => s.attempt === 1)!;
      expect(first.stack).toContain("/out/payments.js:");
      expect(first.frames[0]).toMatchObject({ fn: "chargeCard", file: `${project.dir}/out/payments.js`, source: { file: `${project.dir}/src/payments.ts`, line: lineOf("payments.ts", "throw new Error") } });
      expect(first.frames[1]!.source).toMatchObject({ file: `${project.dir}/src/orders.ts`, line: lineOf("orders.ts", "await chargeCard") });
    } finally {
      await cliRt.close();
    }
  });

  it("durablec executions show says where the errors were thrown, at their source lines", async () => {
    const db = createRuntime({ db: `${project.dir}/cli.db` });
    const [exec] = db.list({ functionName: "checkout" });
    await db.close();
    const res = await inProcess(["executions", "show", exec!.name, "--db", "cli.db"], { cwd: project.dir });
    expect(res.code).toBe(0);
    expect(res.stdout.slice(res.stdout.indexOf("thrown at:")).trim().split("\n")).toEqual([
      "thrown at:",
      "  checkout/chargeCard, attempt 6: Error: card declined for o-7",
      `    at chargeCard (src/payments.ts:${lineOf("payments.ts", "throw new Error")}:27)`,
      expect.stringMatching(new RegExp(`^ {4}at src/orders\\.ts:${lineOf("orders.ts", "await chargeCard")}:\\d+$`)),
      "  handler: StepError: card declined for o-7",
      "    (no frame of the application's code)",
    ]);
    const json = await inProcess(["executions", "show", exec!.arn, "--db", "cli.db", "--json"], { cwd: project.dir });
    const shown = JSON.parse(json.stdout) as { errorStacks: { attempt: number }[] };
    expect(shown.errorStacks.map((s) => s.attempt).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("keeps the handler's own error under the EXECUTION operation", async () => {
    const exec = await rt.execute("refund", { orderId: "" });
    expect(exec.error).toMatchObject({ ErrorType: "RangeError", ErrorMessage: "an order id is needed" });
    const execOp = rt.operations(exec.arn).find((o) => o.Type === "EXECUTION")!;
    const [stack] = rt.errorStacks(exec.arn);
    expect(stack).toMatchObject({ operationId: execOp.Id, attempt: 0, errorType: "RangeError" });
    expect(stack!.frames[0]!.source).toEqual({ file: `${project.dir}/src/orders.ts`, line: lineOf("orders.ts", "throw new RangeError"), column: expect.any(Number) });
  });

  it("keeps the error thrown in a child context under the context", async () => {
    const exec = await rt.execute("restock", { sku: "" });
    expect(exec.status).toBe("FAILED");
    const context = rt.operations(exec.arn).find((o) => o.Type === "CONTEXT")!;
    expect(context.ContextDetails?.Error).toMatchObject({ ErrorType: "TypeError", ErrorMessage: "no sku to reserve" });
    const stack = rt.errorStacks(exec.arn).find((s) => s.operationId === context.Id)!;
    expect(stack).toMatchObject({ attempt: 0, errorType: "TypeError", errorMessage: "no sku to reserve" });
    expect(stack.frames[0]!.source).toMatchObject({ file: `${project.dir}/src/orders.ts`, line: lineOf("orders.ts", "throw new TypeError") });
  });

  it("lists the stacks with the operations over HTTP, source paths relative to the project", async () => {
    const exec = rt.list({ functionName: "checkout" })[0]!;
    const server = await startServer({ runtime: rt, port: 0, project: { root: project.dir, entries: () => ({}) } });
    try {
      const body = (await (await fetch(`${server.url}/executions/${encodeURIComponent(exec.arn)}/operations`)).json()) as {
        operations: { Id: string; Type: string; StepDetails?: { Error?: Record<string, unknown> } }[];
        errorStacks: { operationId: string; attempt: number; frames: { source?: { file: string; line: number } }[] }[];
      };
      const step = body.operations.find((o) => o.Type === "STEP")!;
      expect(step.StepDetails!.Error).toEqual({ ErrorType: "Error", ErrorMessage: "card declined for o-7" });
      const last = body.errorStacks.find((s) => s.operationId === step.Id && s.attempt === 6)!;
      expect(last.frames[0]!.source).toMatchObject({ file: "src/payments.ts", line: lineOf("payments.ts", "throw new Error") });
    } finally {
      await server.close();
    }
  });

  it("changes nothing the code or the service sees", async () => {
    const other = createRuntime({ clock: new VirtualClock() });
    try {
      other.register("checkout", plain.checkout!).register("refund", plain.refund!).register("restock", plain.restock!);
      for (const [fn, input] of [
        ["checkout", order],
        ["refund", { orderId: "" }],
        ["checkout", { ...order, amount: 5 }],
        ["restock", { sku: "" }],
      ] as const) {
        const a = await other.execute(fn, input);
        const b = await rt.execute(fn, input);
        const shape = (r: DurableRuntime, arn: string) =>
          r.operations(arn).map((o) => ({ type: o.Type, name: o.Name, status: o.Status, attempt: o.StepDetails?.Attempt, error: o.StepDetails?.Error ?? o.ContextDetails?.Error, result: o.StepDetails?.Result }));
        expect({ status: b.status, error: b.error, result: b.result }).toEqual({ status: a.status, error: a.error, result: a.result });
        expect(shape(rt, b.arn)).toEqual(shape(other, a.arn));
        expect(other.errorStacks(a.arn)).toEqual([]);
        expect(JSON.stringify(rt.operations(b.arn))).not.toContain("StackTrace");
      }
    } finally {
      await other.close();
    }
  });
});
