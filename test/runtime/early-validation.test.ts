/**
 * An input that does not match its entry's event schema (from durable.manifest.json) is refused
 * before anything is stored: over HTTP (400 listing every problem) and by `durablec run` (exit 2).
 * Entries without a schema, and manifests written before schemas, start as before.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type DurableRuntime } from "../../runtime/index.js";
import { startServer, type RunningServer } from "../../runtime/server/index.js";
import { loadHandlerModules, registerLoaded } from "../../runtime/worker/load-handlers.js";
import { inProcess } from "../runtime-e2e/helpers.js";
import { compileTypedProject, type TypedProject } from "./typed-project.js";

let project: TypedProject;
let rt: DurableRuntime;
let server: RunningServer;

const valid = { orderId: "o-1", amount: 20, placedAt: "2026-03-01T10:00:00.000Z", channel: "web", priority: 1, giftWrap: false, items: [], tags: {} };

const post = async (body: string) => {
  const res = await fetch(`${server.url}/executions`, { method: "POST", body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const count = async () => ((await (await fetch(`${server.url}/executions`)).json()) as { executions: unknown[] }).executions.length;

beforeAll(async () => {
  project = compileTypedProject("early");
  rt = createRuntime();
  registerLoaded(rt, await loadHandlerModules([project.module]));
  server = await startServer({ runtime: rt, port: 0 });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rt?.close();
  project?.cleanup();
});

describe("POST /executions checks the input against the entry's event schema", () => {
  it("starts an execution with a valid input", async () => {
    const res = await post(JSON.stringify({ functionName: "checkout", input: valid, name: "ok-1" }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "ok-1", status: "RUNNING", input: valid });
  });

  it("refuses an invalid input with every problem listed, and stores nothing", async () => {
    const before = await count();
    const input = { ...valid, orderId: 5, channel: "fax", items: [{ sku: "a" }], placedAt: "someday" };
    const res = await post(JSON.stringify({ functionName: "checkout", input, name: "bad-1" }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("INVALID_INPUT");
    expect(res.body.problems).toEqual([
      { path: "event.orderId", message: "Invalid input: expected string, received number" },
      { path: "event.placedAt", message: "Invalid input: expected date, received Date" },
      { path: "event.channel", message: expect.stringMatching(/^Invalid option: expected one of "(web|phone)"\|"(web|phone)"$/) },
      { path: "event.items[0].qty", message: "Invalid input: expected number, received undefined" },
    ]);
    expect(res.body.message).toMatch(/^Invalid input for checkout \(4 problems\):\n {2}- event\.orderId: /);
    expect(await count()).toBe(before);
    expect(rt.store.getExecutionByName("checkout", "bad-1")).toBeUndefined();
  });

  it("refuses malformed JSON as before", async () => {
    const res = await post('{"functionName": "checkout", "input": {');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("not valid JSON") });
    expect(res.body.problems).toBeUndefined();
  });

  it("starts any input of an entry without a schema (an untyped event)", async () => {
    const res = await post(JSON.stringify({ functionName: "echo", input: [1, "two"] }));
    expect(res.status).toBe(201);
  });

  it("gives the schema with the function in GET /functions", async () => {
    const { functions } = (await (await fetch(`${server.url}/functions`)).json()) as { functions: { name: string; eventSchema?: unknown }[] };
    expect(functions.find((f) => f.name === "refund")?.eventSchema).toEqual(project.manifest.entries.refund!.eventSchema);
    expect(functions.find((f) => f.name === "echo")).toEqual({ name: "echo" });
  });
});

describe("manifests without event schemas", () => {
  it("start anything, and the compiled entry's own check fails the execution", async () => {
    const old = join(project.dir, "old");
    cpSync(join(project.dir, "out"), old, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(old, "durable.manifest.json"), "utf8")) as { entries: Record<string, { eventSchema?: unknown }> };
    for (const e of Object.values(manifest.entries)) delete e.eventSchema;
    writeFileSync(join(old, "durable.manifest.json"), JSON.stringify(manifest));
    const oldRt = createRuntime();
    try {
      registerLoaded(oldRt, await loadHandlerModules([join(old, "orders.js")]));
      expect(oldRt.eventSchema("refund")).toBeUndefined();
      const exec = await oldRt.execute("refund", { orderId: 5 });
      expect(exec.status).toBe("FAILED");
      expect(exec.error).toMatchObject({ ErrorType: "InvalidEventError", ErrorMessage: expect.stringContaining("event.orderId: Invalid input: expected string, received number") });
    } finally {
      await oldRt.close();
    }
  });
});

describe("durablec run", () => {
  it("refuses an invalid --input with exit 2 and every problem, and starts nothing", async () => {
    const res = await inProcess(["run", "out/orders.js#refund", "--db", "run.db", "--input", '{"orderId": 5, "extra": true}'], { cwd: project.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("durablec run: error INVALID_INPUT: Invalid input for refund (1 problem):\n  - event.orderId: Invalid input: expected string, received number");
    expect(res.stderr).not.toContain("started execution");

    const ok = await inProcess(["run", "out/orders.js#refund", "--db", "run.db", "--input", '{"orderId": "o-9"}'], { cwd: project.dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('result: "refunded o-9"');
  });
});
