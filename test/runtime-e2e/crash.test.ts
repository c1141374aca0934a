import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, type DurableRuntime } from "../../runtime/index.js";
import { loadHandlerModules, registerLoaded } from "../../runtime/worker/index.js";
import { CRASH, Daemon, eventually, sleep, tempDir } from "./helpers.js";

const STEPS = 20;

interface Result {
  id: number;
  sum: number;
  interrupted: number[];
}

/** Side effects per "execution step" key, split by semantics. */
function countEffects(file: string): Map<string, { kind: string; n: number }> {
  const out = new Map<string, { kind: string; n: number }>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const [id, step, kind] = line.split(" ");
    const key = `${id} ${step}`;
    const cur = out.get(key) ?? { kind: kind!, n: 0 };
    cur.n += 1;
    out.set(key, cur);
  }
  return out;
}

describe("crash recovery and leases with real worker processes", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(count: number, input: (i: number) => Record<string, unknown>) {
    const { dir, cleanup } = tempDir("durablec-crash-");
    const db = join(dir, "state.db");
    const effects = join(dir, "effects.log");
    const invocations = join(dir, "invocations.log");
    writeFileSync(effects, "");
    writeFileSync(invocations, "");
    const rt = createRuntime({ db });
    registerLoaded(rt, await loadHandlerModules([`${CRASH}#crashflow`]));
    cleanups.push(cleanup, () => rt.close());
    const arns = Array.from({ length: count }, (_, i) => rt.start("crashflow", { id: i, steps: STEPS, k: i + 1, effects, ...input(i) }, { name: `c${i}` }).arn);
    const worker = (...extra: string[]) => {
      const d = new Daemon(["worker", `${CRASH}#crashflow`, "--db", db, "--lease-ms", "1000", "--poll-ms", "50", ...extra], {
        cwd: dir,
        env: { DURABLEC_TEST_INVOCATIONS: invocations },
      });
      cleanups.push(() => d.stop("SIGKILL"));
      return d;
    };
    return { dir, db, effects, invocations, rt, arns, worker };
  }

  const allDone = (rt: DurableRuntime, arns: string[]) => arns.every((a) => rt.store.getExecution(a)!.status !== "RUNNING");

  it(
    "50 executions × 20 steps survive ≥10 kill -9s of the worker: right results, at-most-once bodies at most once",
    async () => {
      const { effects, rt, arns, worker } = await setup(50, () => ({ stepMs: 40 }));
      const t0 = Date.now();
      let kills = 0;
      let killedWhileWorking = 0;
      let w = worker("--concurrency", "4");
      while (kills < 12) {
        await w.waitFor((l) => l.event === "worker-started");
        await sleep(150 + Math.floor(Math.random() * 500));
        if (!allDone(rt, arns)) killedWhileWorking++;
        w.child.kill("SIGKILL");
        await w.exited;
        kills++;
        w = worker("--concurrency", "4");
      }
      await eventually(() => allDone(rt, arns), 90_000, 200);
      await w.stop("SIGTERM");
      const elapsed = Date.now() - t0;

      const effectCounts = countEffects(effects);
      let interruptedSteps = 0;
      let extraAtLeastOnce = 0;
      for (const arn of arns) {
        const e = rt.get(arn);
        expect(e.status, JSON.stringify(e.error)).toBe("SUCCEEDED");
        const { id, k } = e.input as { id: number; k: number };
        const r = e.result as Result;
        expect(r.id).toBe(id);
        let expected = 0;
        for (let i = 0; i < STEPS; i++) if (!r.interrupted.includes(i)) expected += i * k;
        expect(r.sum).toBe(expected);
        interruptedSteps += r.interrupted.length;
        for (let i = 0; i < STEPS; i++) {
          const c = effectCounts.get(`${id} ${i}`)?.n ?? 0;
          if (i % 2 === 0) {
            // At most once, ever; exactly once when the step reports success.
            expect(c, `execution ${id} step ${i}`).toBeLessThanOrEqual(1);
            if (!r.interrupted.includes(i)) expect(c, `execution ${id} step ${i}`).toBe(1);
          } else {
            expect(c, `execution ${id} step ${i}`).toBeGreaterThanOrEqual(1);
            expect(c - 1, `execution ${id} step ${i}`).toBeLessThanOrEqual(kills);
            extraAtLeastOnce += c - 1;
          }
        }
      }
      const abandoned = arns.flatMap((a) => rt.invocations(a)).filter((i) => i.error?.ErrorType === "InvocationAbandoned").length;
      expect(killedWhileWorking).toBeGreaterThanOrEqual(10);
      expect(abandoned).toBeGreaterThan(0);
      console.log(
        `crash test: ${kills} kills (${killedWhileWorking} mid-work), ${abandoned} abandoned invocations recovered, ` +
          `${interruptedSteps} at-most-once steps interrupted, ${extraAtLeastOnce} extra at-least-once runs, ${elapsed} ms`,
      );
    },
    150_000,
  );

  it("two workers on one file never run the same execution at once", async () => {
    const { invocations, rt, arns, worker } = await setup(20, () => ({ stepMs: 5, waitAfter: [4, 12] }));
    const a = worker("--concurrency", "4");
    const b = worker("--concurrency", "4");
    await eventually(() => allDone(rt, arns), 60_000, 200);
    await Promise.all([a.stop("SIGTERM"), b.stop("SIGTERM")]);
    for (const arn of arns) expect(rt.get(arn).status).toBe("SUCCEEDED");

    const byArn = new Map<string, { pid: string; start: number; end?: number }[]>();
    for (const line of readFileSync(invocations, "utf8").split("\n")) {
      if (!line) continue;
      const [pid, arn, what, t] = line.split(" ");
      const list = byArn.get(arn!) ?? [];
      if (what === "start") list.push({ pid: pid!, start: Number(t) });
      else list.findLast((x) => x.pid === pid && x.end === undefined)!.end = Number(t);
      byArn.set(arn!, list);
    }
    const pids = new Set<string>();
    let handovers = 0;
    for (const arn of arns) {
      const list = byArn.get(arn)!.sort((x, y) => x.start - y.start);
      expect(list.length).toBeGreaterThanOrEqual(3); // two waits: at least three invocations
      for (let i = 0; i < list.length; i++) {
        pids.add(list[i]!.pid);
        expect(list[i]!.end, `invocation of ${arn} never ended`).toBeDefined();
        if (i > 0) {
          expect(list[i]!.start, `${arn}: invocation ${i} started before the previous one ended`).toBeGreaterThanOrEqual(list[i - 1]!.end!);
          if (list[i]!.pid !== list[i - 1]!.pid) handovers++;
        }
      }
    }
    expect(pids.size).toBe(2);
    console.log(`two workers: ${[...byArn.values()].flat().length} invocations, ${handovers} hand-overs between workers, no overlap`);
  }, 90_000);
});
