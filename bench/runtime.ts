/**
 * Runtime benchmark: 1,000 sequential one-line steps, measured three ways in one run:
 *   (a) durablec's service on a database file (WAL),
 *   (b) the SDK driven by a no-op in-memory client: the floor for any backend,
 *   (c) the official LocalDurableTestRunner.
 * Each case runs in its own process (the official runner fakes timers process-wide); (a) and (b)
 * take the best of seven interleaved runs.
 *
 *   npm run bench:runtime [-- --steps 1000]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  DurableExecutionInvocationInputWithClient,
  withDurableExecution,
  type DurableExecutionClient,
} from "@aws/durable-execution-sdk-js";

const { values } = parseArgs({ options: { case: { type: "string" }, steps: { type: "string", default: "1000" } } });
const STEPS = Number(values.steps);

const handler = withDurableExecution(async (_event: unknown, ctx) => {
  let total = 0;
  for (let i = 0; i < STEPS; i++) total += await ctx.step(`s${i}`, async () => i);
  return total;
});

const lambdaContext = {
  awsRequestId: "bench",
  functionName: "bench",
  getRemainingTimeInMillis: () => 900_000,
} as never;

async function caseService(): Promise<number> {
  // The shipped build (npm run build), not the TypeScript sources through a loader.
  const { createRuntime } = await import("../dist/runtime/index.js");
  const dir = mkdtempSync(join(tmpdir(), "durablec-bench-"));
  const rt = createRuntime({ db: join(dir, "state.db") });
  rt.register("bench", handler);
  const t0 = performance.now();
  const e = await rt.execute("bench", {});
  const ms = performance.now() - t0;
  if (e.status !== "SUCCEEDED" || e.result !== (STEPS * (STEPS - 1)) / 2) throw new Error(`wrong outcome ${JSON.stringify(e)}`);
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function caseNoop(): Promise<number> {
  const client: DurableExecutionClient = {
    async getExecutionState() {
      return { Operations: [] };
    },
    async checkpoint() {
      return { CheckpointToken: "t", NewExecutionState: { Operations: [] } };
    },
  };
  const input = new DurableExecutionInvocationInputWithClient(
    {
      DurableExecutionArn: "arn:bench",
      CheckpointToken: "t",
      InitialExecutionState: {
        Operations: [
          { Id: "exec", Type: "EXECUTION" as never, Status: "STARTED" as never, StartTimestamp: new Date(), ExecutionDetails: { InputPayload: "{}" } },
        ],
      },
    },
    client,
  );
  const t0 = performance.now();
  const out = await handler(input as never, lambdaContext);
  const ms = performance.now() - t0;
  if (out.Status !== "SUCCEEDED") throw new Error(`wrong outcome ${JSON.stringify(out)}`);
  return ms;
}

async function caseOracle(): Promise<number> {
  const { LocalDurableTestRunner } = await import("@aws/durable-execution-sdk-js-testing");
  const realNow = performance.now.bind(performance);
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  const t0 = realNow();
  const r = await runner.run({ payload: {} });
  const ms = realNow() - t0;
  await LocalDurableTestRunner.teardownTestEnvironment();
  if (r.getStatus() !== "SUCCEEDED") throw new Error(`wrong outcome ${r.getStatus()}`);
  return ms;
}

const cases: Record<string, () => Promise<number>> = { service: caseService, noop: caseNoop, oracle: caseOracle };

if (values.case) {
  const ms = await cases[values.case]!();
  process.stdout.write(JSON.stringify({ ms }) + "\n");
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const measure = (name: string): number => {
  const r = spawnSync(process.execPath, ["--import", "tsx", self, "--case", name, "--steps", String(STEPS)], { encoding: "utf8" });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`case ${name} failed:\n${r.stderr}\n${r.stdout}`);
  return (JSON.parse(line) as { ms: number }).ms;
};
const rate = (ms: number) => (STEPS / ms) * 1000;
// Best of seven fresh processes per backend, interleaved, so a busy machine skews all alike.
const best = { service: Infinity, noop: Infinity };
for (let round = 0; round < 7; round++) {
  for (const name of ["service", "noop"] as const) best[name] = Math.min(best[name], measure(name));
}
const a = rate(best.service);
const b = rate(best.noop);
const c = rate(measure("oracle")); // ~20 s a run: once
const fmt = (n: number) => n.toFixed(0).padStart(7);
console.log(`${STEPS} sequential steps, steps/s:`);
console.log(`  (a) durablec service, database file ${fmt(a)}`);
console.log(`  (b) SDK + no-op in-memory client    ${fmt(b)}   (floor for any backend)`);
console.log(`  (c) official LocalDurableTestRunner ${fmt(c)}`);
console.log(`ratios: a/b = ${(a / b).toFixed(2)} (target >= 0.50), a/c = ${(a / c).toFixed(1)} (target >= 20)`);
