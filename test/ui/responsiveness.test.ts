// What the dev UI asks of the API stays fast with a big store: 10,000 executions and one
// execution of 5,000 operations, on a database file. Prints the measured latencies.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../runtime/server/index.js";
import { createRuntime, type DurableHandler, type DurableRuntime } from "../../runtime/service/runtime.js";

const FLOWS: string = new URL("./fixtures/flows.mjs", import.meta.url).href;

let dir: string;
let rt: DurableRuntime;
let server: RunningServer;
let bigArn: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "durablec-ui-perf-"));
  const { many, nap } = (await import(FLOWS)) as Record<string, DurableHandler>;
  rt = createRuntime({ db: join(dir, "state.db") });
  rt.register("many", many!).register("nap", nap!);
  const big = await rt.execute("many", { steps: 5000 });
  expect(big.status).toBe("SUCCEEDED");
  bigArn = big.arn;
  // Started, never driven: 10,000 more rows for the list to page through.
  rt.store.transaction(() => {
    for (let i = 0; i < 10_000; i++) rt.start("nap", { i }, { name: `seed-${i}` });
  });
  server = await startServer({ runtime: rt, port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rt?.close();
  if (Object.keys(timings).length) console.log("median latency (ms), 10,001 executions, one of 5,000 operations:\n" + JSON.stringify(timings, null, 2));
  rmSync(dir, { recursive: true, force: true });
});

/** Median wall time of `n` requests, after one warm-up; checks each answer is a 200. */
async function median(label: string, path: string, n = 5): Promise<{ ms: number; body: any }> {
  let body: any;
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const res = await fetch(server.url + path);
    body = await res.json();
    const ms = performance.now() - t0;
    expect(res.status, path).toBe(200);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const ms = Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
  timings[label] = ms;
  return { ms, body };
}

describe("API latency under the dev UI with a big store", () => {
  it("pages, filters and searches 10,001 executions without loading them all", async () => {
    const first = await median("list first page (50)", "/executions?limit=50");
    expect(first.body.executions).toHaveLength(50);
    const byStatus = await median("list status=SUCCEEDED", "/executions?limit=50&status=SUCCEEDED");
    expect(byStatus.body.executions.map((e: { functionName: string }) => e.functionName)).toEqual(["many"]);
    const byEntry = await median("list functionName=nap", "/executions?limit=50&functionName=nap");
    expect(byEntry.body.executions).toHaveLength(50);
    const search = await median("list search (scan)", "/executions?limit=50&search=seed-9999");
    expect(search.body.executions.map((e: { name: string }) => e.name)).toEqual(["seed-9999"]);
    let token = first.body.nextToken as string;
    for (let i = 0; i < 100 && token; i++) token = ((await (await fetch(`${server.url}/executions?limit=50&nextToken=${token}`)).json()) as { nextToken: string }).nextToken;
    const deep = await median("list page 101 (by nextToken)", `/executions?limit=50&nextToken=${token}`);
    expect(deep.body.executions.length).toBeGreaterThan(0);
    for (const label of ["list first page (50)", "list status=SUCCEEDED", "list functionName=nap", "list search (scan)", "list page 101 (by nextToken)"]) {
      expect(timings[label], label).toBeLessThan(250);
    }
  });

  it("serves an execution of 5,000 operations, its history and invocations", async () => {
    const arn = encodeURIComponent(bigArn);
    const exec = await median("execution (poll)", `/executions/${arn}`);
    expect(exec.body.status).toBe("SUCCEEDED");
    const ops = await median("operations (5,001)", `/executions/${arn}/operations`);
    expect(ops.body.operations).toHaveLength(5001);
    const history = await median("history", `/executions/${arn}/history`);
    expect(history.body.events.length).toBeGreaterThan(10_000);
    await median("invocations", `/executions/${arn}/invocations`);
    expect(timings["execution (poll)"]).toBeLessThan(100);
    expect(timings["operations (5,001)"]).toBeLessThan(1500);
    expect(timings["history"]).toBeLessThan(1500);
  });
});
