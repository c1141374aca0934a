/**
 * `durablec/testing`: run durable handlers in tests on the local runtime, with a virtual clock
 * (30-day sleeps finish at once) and crash injection at every checkpoint boundary.
 */
import { VirtualClock } from "../service/clock.js";
import { createRuntime, type DurableHandler, type DurableRuntime, type ExecutionDescription, type RuntimeOptions } from "../service/runtime.js";

export { VirtualClock } from "../service/clock.js";

/** A runtime on an in-memory store with a virtual clock. */
export function createTestRuntime(options: RuntimeOptions = {}): DurableRuntime {
  return createRuntime({ db: ":memory:", clock: new VirtualClock(Date.parse("2026-01-01T00:00:00.000Z")), ...options });
}

export interface CrashRun {
  /** The checkpoint after which the invocation was killed (0: the run without a crash). */
  crashAfter: number;
  execution: ExecutionDescription;
  runtime: DurableRuntime;
}

export interface CrashTestOptions {
  input?: unknown;
  /** Registers what else the handler needs (invoke targets) on each fresh runtime. */
  setup?: (rt: DurableRuntime) => void;
  /** Runs before each run, e.g. to reset side-effect counters. */
  beforeRun?: (crashAfter: number) => void;
  /** Inspects each run before its runtime is closed. */
  afterRun?: (run: CrashRun) => void | Promise<void>;
  /** Drives the execution; defaults to runUntilIdle. Use it to answer callbacks. */
  drive?: (rt: DurableRuntime, arn: string) => Promise<void>;
  runtimeOptions?: RuntimeOptions;
}

/**
 * Runs `handler` once without faults to count its checkpoints n, then n more times, each on a
 * fresh runtime, killing the invocation right after checkpoint k (k = 1…n), and returns every
 * run. A correct program ends the same way in all of them.
 *
 * @example
 * const runs = await runWithCrashAtEveryCheckpoint(handler, { input: { n: 2 } });
 * for (const r of runs) expect(r.execution.result).toEqual(runs[0].execution.result);
 */
export async function runWithCrashAtEveryCheckpoint(handler: DurableHandler, options: CrashTestOptions = {}): Promise<CrashRun[]> {
  const runs: CrashRun[] = [];
  const once = async (crashAfter: number): Promise<CrashRun> => {
    let crashed = false;
    options.beforeRun?.(crashAfter);
    const runtime = createTestRuntime({
      ...options.runtimeOptions,
      faults:
        crashAfter > 0
          ? {
              crashAfterCheckpoint: ({ checkpoint }) => {
                if (crashed || checkpoint !== crashAfter) return false;
                crashed = true;
                return true;
              },
            }
          : undefined,
    });
    runtime.register("handler", handler);
    options.setup?.(runtime);
    const { arn } = runtime.start("handler", options.input ?? {});
    if (options.drive) await options.drive(runtime, arn);
    else await runtime.runUntilIdle();
    const run = { crashAfter, execution: runtime.get(arn), runtime };
    await options.afterRun?.(run);
    await runtime.close();
    return run;
  };
  const first = await once(0);
  runs.push(first);
  for (let k = 1; k <= first.execution.checkpoints; k++) runs.push(await once(k));
  return runs;
}
