/**
 * Differential fuzzing of the compiler: generated durable programs run as plain TypeScript and,
 * compiled, on the local runtime with crashes; any disagreement is shrunk to a minimal program
 * printed as a ready fixture.
 *
 *   npm run fuzz -- --runs 1000 --seed 7 [--crashes 3]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { asFixture, caseArb, checkCase, compileCases, makeCases, type Mismatch } from "../test/fuzz/oracle.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    crashes: { type: "string", default: "2" },
    batch: { type: "string", default: "250" },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const crashes = Number(values.crashes);
const batchSize = Number(values.batch);
const root = join(import.meta.dirname, "..");

const rngFor = (n: number) => {
  let state = n % 2 ** 31 || 1;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
};

const all = fc.sample(caseArb, { seed, numRuns: runs });
const started = Date.now();
const features = new Map<string, number>();
let executed = 0;
let firstFailure: { index: number; mismatch: Mismatch } | undefined;
for (let from = 0; from < all.length && !firstFailure; from += batchSize) {
  const cases = makeCases(all.slice(from, from + batchSize), `p${from}_`);
  const dir = join(root, ".tmp", "fuzz", `cli-${seed}`);
  const { compileErrors, compiled } = compileCases(cases, dir);
  if (compileErrors.length) firstFailure = { index: from + cases.indexOf(cases.find((c) => c.id === compileErrors[0]!.id)!), mismatch: compileErrors[0]! };
  for (const c of compiled) {
    if (firstFailure) break;
    for (const f of c.features.features) features.set(f, (features.get(f) ?? 0) + 1);
    const report = await checkCase(c, dir, rngFor(seed + from + cases.indexOf(c)), crashes);
    executed += report.runs;
    if (report.mismatch) firstFailure = { index: from + cases.indexOf(c), mismatch: report.mismatch };
  }
  process.stderr.write(`… ${Math.min(from + batchSize, all.length)}/${all.length} programs\n`);
}

console.log(`seed ${seed}: ${runs} programs, ${executed} compiled runs, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`grammar coverage: ${[...features].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
if (!firstFailure) {
  console.log("no disagreement");
  process.exit(0);
}

console.log(`\nprogram ${firstFailure.index} disagrees: ${firstFailure.mismatch.reason}\nshrinking…`);
let shrunk = firstFailure.mismatch;
let n = 0;
const property = fc.asyncProperty(caseArb, async (value) => {
  const [c] = makeCases([value], `shrink${n++}_`);
  const dir = join(root, ".tmp", "fuzz", "shrink");
  const { compileErrors, compiled } = compileCases([c!], dir);
  const mismatch = compileErrors[0] ?? (compiled.length ? (await checkCase(c!, dir, rngFor(seed), 8)).mismatch : undefined);
  if (mismatch) shrunk = mismatch;
  return mismatch === undefined;
});
await fc.check(property, { seed, path: String(firstFailure.index), numRuns: 1, interruptAfterTimeLimit: 10 * 60_000 });
console.log(`\nminimal program (a fixture: input.ts, with the run.json line):\n\n${asFixture(shrunk)}`);
process.exit(1);
