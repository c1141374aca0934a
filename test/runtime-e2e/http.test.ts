import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Daemon, FLOWS, eventually, tempDir } from "./helpers.js";

// `durablec serve`: the HTTP API and a worker in one child process.
describe("durablec serve (HTTP API)", () => {
  let dir: string;
  let cleanup: () => void;
  let server: Daemon;
  let url: string;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    server = new Daemon(["serve", FLOWS, "--port", "0", "--db", join(dir, "state.db"), "--lease-ms", "1000", "--poll-ms", "50"], { cwd: dir });
    url = String((await server.waitFor((l) => l.event === "server-listening")).url);
  });
  afterAll(async () => {
    const { code } = await server.stop("SIGTERM");
    expect(code).toBe(0);
    cleanup();
  });

  const call = async (method: string, path: string, body?: unknown, raw = false) => {
    const res = await fetch(url + path, {
      method,
      ...(body !== undefined ? { body: raw ? (body as string) : JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const exec = (arn: string) => `/executions/${encodeURIComponent(arn)}`;
  const finished = (arn: string) =>
    eventually(async () => {
      const r = await call("GET", exec(arn));
      return r.body.status !== "RUNNING" && r.body;
    });
  const callbackId = (arn: string) =>
    eventually(async () => {
      const ops = (await call("GET", `${exec(arn)}/operations`)).body.operations as { Type: string; Status: string; CallbackDetails?: { CallbackId: string } }[];
      return ops.find((o) => o.Type === "CALLBACK" && o.Status === "STARTED")?.CallbackDetails?.CallbackId;
    });

  it("starts an execution, runs it with a real wait, and reports it, its operations and history", async () => {
    const start = await call("POST", "/executions", { functionName: "greet", input: { who: "web" }, name: "w1" });
    expect(start.status).toBe(201);
    expect(start.headers.get("content-type")).toMatch(/^application\/json/);
    expect(start.body).toMatchObject({ name: "w1", functionName: "greet", status: "RUNNING", input: { who: "web" } });
    const arn = start.body.arn as string;
    expect(await finished(arn)).toMatchObject({ status: "SUCCEEDED", result: { hello: "hello web", done: "HELLO WEB" } });
    // Idempotent by name and input.
    const again = await call("POST", "/executions", { functionName: "greet", input: { who: "web" }, name: "w1" });
    expect(again).toMatchObject({ status: 200, body: { arn } });
    const ops = await call("GET", `${exec(arn)}/operations`);
    expect(ops.body.operations.map((o: { Name?: string; Status: string }) => [o.Name, o.Status])).toEqual(
      expect.arrayContaining([["hello", "SUCCEEDED"], ["pause", "SUCCEEDED"], ["shout", "SUCCEEDED"]]),
    );
    const history = await call("GET", `${exec(arn)}/history`);
    expect(history.body.events[0].EventType).toBe("ExecutionStarted");
    expect(history.body.events.at(-1).EventType).toBe("ExecutionSucceeded");
    const invocations = await call("GET", `${exec(arn)}/invocations`);
    expect(invocations.body.invocations.map((i: { outcome: string }) => i.outcome)).toEqual(["PENDING", "SUCCEEDED"]);
    // An ARN may also be given with its slashes unencoded.
    expect((await call("GET", `/executions/${arn.replace(/\$/g, "%24")}`)).body).toMatchObject({ arn, status: "SUCCEEDED" });
    expect((await call("GET", `/executions/${arn}/history`)).status).toBe(200);
  });

  it("completes callbacks: succeed (raw JSON body), fail, heartbeat; a second answer is a 409", async () => {
    const a = (await call("POST", "/executions", { functionName: "approval", input: { orderId: "h-1" } })).body.arn as string;
    const id = await callbackId(a);
    expect((await call("POST", `/callbacks/${encodeURIComponent(id)}/heartbeat`)).status).toBe(200);
    const ok = await call("POST", `/callbacks/${encodeURIComponent(id)}/succeed`, '{"approved":"yes"}', true);
    expect(ok.status).toBe(200);
    expect(await finished(a)).toMatchObject({ status: "SUCCEEDED", result: { answer: { approved: "yes" } } });
    const twice = await call("POST", `/callbacks/${encodeURIComponent(id)}/succeed`, "{}", true);
    expect(twice).toMatchObject({ status: 409, body: { code: "CALLBACK_ALREADY_COMPLETED" } });

    const b = (await call("POST", "/executions", { functionName: "approval", input: { orderId: "h-2" } })).body.arn as string;
    const id2 = await callbackId(b);
    const failed = await call("POST", `/callbacks/${encodeURIComponent(id2)}/fail`, { ErrorType: "Rejected", ErrorMessage: "budget" });
    expect(failed.status).toBe(200);
    expect(await finished(b)).toMatchObject({ status: "FAILED", error: { ErrorMessage: expect.stringContaining("budget") } });
  });

  it("lists with filters and pages, and stops a running execution", async () => {
    const long = (await call("POST", "/executions", { functionName: "greet", input: { who: "z", waitSeconds: 3600 }, name: "long" })).body.arn as string;
    await eventually(async () => (await call("GET", exec(long))).body.nextWakeTime);
    const running = await call("GET", "/executions?status=RUNNING");
    expect(running.body.executions.map((e: { name: string }) => e.name)).toEqual(["long"]);
    const page1 = await call("GET", "/executions?functionName=approval&limit=1");
    expect(page1.body.executions).toHaveLength(1);
    expect(page1.body.nextToken).toEqual(expect.any(String));
    const page2 = await call("GET", `/executions?functionName=approval&limit=1&nextToken=${page1.body.nextToken}`);
    expect(page2.body.executions).toHaveLength(1);
    expect(page2.body.executions[0].arn).not.toBe(page1.body.executions[0].arn);
    expect(page2.body.nextToken).toBeUndefined();

    const stop = await call("POST", `${exec(long)}/stop`, { ErrorType: "Cancelled", ErrorMessage: "by test" });
    expect(stop).toMatchObject({ status: 200, body: { status: "STOPPED", error: { ErrorType: "Cancelled" } } });
    expect(await call("POST", `${exec(long)}/stop`)).toMatchObject({ status: 409, body: { code: "EXECUTION_NOT_RUNNING" } });
  });

  it("refuses bad requests on every route with 400/404/405/409/413, storing nothing", async () => {
    const count = async () => (await call("GET", "/executions?limit=1000")).body.executions.length as number;
    const before = await count();
    const someArn = (await call("GET", "/executions?limit=1")).body.executions[0].arn as string;
    const unknownArn = "arn:aws:lambda:local:000000000000:function:greet:$LATEST/durable-execution/x/00000000-0000-0000-0000-000000000000";
    const cases: [string, string, unknown, boolean, number, string | RegExp][] = [
      ["POST", "/executions", "{not json", true, 400, /not valid JSON/],
      ["POST", "/executions", { functionName: 5 }, false, 400, /functionName/],
      ["POST", "/executions", { input: {} }, false, 400, /functionName/],
      ["POST", "/executions", { functionName: "greet", nmae: "typo" }, false, 400, /nmae/],
      ["POST", "/executions", { functionName: "greet", executionTimeoutSeconds: "10" }, false, 400, /executionTimeoutSeconds/],
      ["POST", "/executions", { functionName: "greet", name: "no spaces allowed" }, false, 400, /is invalid/],
      ["POST", "/executions", [1, 2], false, 400, /Invalid body/],
      ["POST", "/executions", { functionName: "nobody" }, false, 404, /No handler is registered as "nobody"/],
      ["POST", "/executions", { functionName: "greet", name: "w1", input: { who: "other" } }, false, 409, /already exists with a different input/],
      ["POST", "/executions", { functionName: "greet", input: { blob: "x".repeat(1024 * 1024) } }, false, 413, /limit is/],
      ["POST", "/executions", { functionName: "greet", input: { blob: "x".repeat(1200 * 1024) } }, false, 413, /request body is \d+ bytes/],
      ["GET", "/executions?status=DONE", undefined, false, 400, /status/],
      ["GET", "/executions?limit=lots", undefined, false, 400, /limit/],
      ["GET", "/executions?limit=0", undefined, false, 400, /limit/],
      ["GET", "/executions?nextToken=garbage", undefined, false, 400, /Invalid nextToken/],
      ["GET", "/executions?status=RUNNING&status=FAILED", undefined, false, 400, /given twice/],
      ["GET", "/executions?color=red", undefined, false, 400, /color/],
      ["GET", exec(unknownArn), undefined, false, 404, /No execution/],
      ["GET", exec("not-an-arn"), undefined, false, 404, /No execution/],
      ["GET", `${exec(unknownArn)}/history`, undefined, false, 404, /No execution/],
      ["GET", `${exec(unknownArn)}/operations`, undefined, false, 404, /No execution/],
      ["GET", `${exec(unknownArn)}/invocations`, undefined, false, 404, /No execution/],
      ["POST", `${exec(unknownArn)}/stop`, undefined, false, 404, /No execution/],
      ["POST", `${exec(someArn)}/stop`, "{oops", true, 400, /not valid JSON/],
      ["POST", `${exec(someArn)}/stop`, { ErrorType: 1 }, false, 400, /ErrorType/],
      ["POST", "/callbacks/nope/succeed", "{}", true, 404, /No callback nope/],
      ["POST", "/callbacks/nope/succeed", "y".repeat(256 * 1024 + 1), true, 413, /exceeds the limit|request body is/],
      ["POST", "/callbacks/nope/fail", "{oops", true, 400, /not valid JSON/],
      ["POST", "/callbacks/nope/fail", { ErrorType: 42 }, false, 400, /ErrorType/],
      ["POST", "/callbacks/nope/fail", { Reason: "x" }, false, 400, /Reason/],
      ["POST", "/callbacks/nope/fail", { ErrorMessage: "x" }, false, 404, /No callback nope/],
      ["POST", "/callbacks/nope/heartbeat", undefined, false, 404, /No callback nope/],
      ["GET", "/callbacks/nope/succeed", undefined, false, 405, /not allowed/],
      ["DELETE", exec(someArn), undefined, false, 405, /not allowed/],
      ["GET", "/nowhere", undefined, false, 404, /No route GET \/nowhere/],
    ];
    for (const [method, path, body, raw, status, message] of cases) {
      const r = await call(method, path, body, raw);
      expect({ method, path: path.slice(0, 60), status: r.status }).toEqual({ method, path: path.slice(0, 60), status });
      expect(r.body.message).toMatch(message);
      expect(r.body.code).toEqual(expect.any(String));
    }
    // A body streamed without Content-Length is cut off at the limit too.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/callbacks/nope/succeed`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      for (let i = 0; i < 40; i++) req.write("z".repeat(8 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(await count()).toBe(before);
  });
});
