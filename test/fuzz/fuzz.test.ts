/**
 * Differential testing of the compiler (Csmith-style): a seeded sample of generated durable
 * programs, each run as plain TypeScript and, compiled, on the runtime with crashes. More runs:
 * `npm run fuzz -- --runs 1000 --seed 7`.
 */
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { callbackAnswers } from "./effects.js";
import { asFixture, caseArbWith, checkCase, compileCases, makeCases, perturb } from "./oracle.js";

// The source run is plain TypeScript: its waitForCallback is the harness handing the submitter an
// id and answering with the value the submitter registered, as the runtime run does for real.
vi.mock("durablec", async (importOriginal) => {
  const actual = await importOriginal<typeof import("durablec")>();
  let n = 0;
  return {
    ...actual,
    async waitForCallback(submit: (id: string) => Promise<void>): Promise<unknown> {
      const id = `source-callback-${++n}`;
      await submit(id);
      return callbackAnswers().get(id);
    },
  };
});

const SEED = 20261129;
const RUNS = Number(process.env.DURABLEC_FUZZ_RUNS ?? 200);

describe("generated programs compute what their source computes", () => {
  const cases = makeCases(fc.sample(caseArbWith({ callbacks: true }), { seed: SEED, numRuns: RUNS }));
  const dir = join(import.meta.dirname, "..", "..", ".tmp", "fuzz", `seed-${SEED}`);

  it(`${RUNS} programs (seed ${SEED}) compile and agree under crashes`, async () => {
    const { compileErrors, compiled } = compileCases(cases, dir);
    expect(compileErrors.map((m) => `${m.id}: ${m.reason}\n${m.source}`)).toEqual([]);
    let state = SEED;
    const rng = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const mismatches: string[] = [];
    let runs = 0;
    for (const c of compiled) {
      const report = await checkCase(c, dir, rng);
      runs += report.runs;
      if (report.mismatch) mismatches.push(asFixture(report.mismatch));
    }
    expect(mismatches).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);

  it("keeps every operation name when programs are edited where names must not depend", () => {
    let state = SEED + 1;
    const rng = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sample = cases.slice(0, 60);
    const edited = sample.map((c) => ({ ...c, id: `${c.id}_edited`, source: perturb(c.source, rng) }));
    const { compileErrors, names } = compileCases([...sample, ...edited], `${dir}-names`);
    expect(compileErrors.map((m) => m.reason)).toEqual([]);
    let compared = 0;
    for (const c of sample) {
      const before = names.get(c.id);
      expect(before, c.id).toBeDefined();
      expect(names.get(`${c.id}_edited`), `${c.id} after edits:\n${edited.find((e) => e.id === `${c.id}_edited`)!.source}`).toEqual(before);
      compared += before!.length;
    }
    expect(compared).toBeGreaterThan(100);
  }, 300_000);
});
