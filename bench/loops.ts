/**
 * Loop benchmark: a plain-TypeScript loop over 2,000 items, each running one effect, compiled by
 * durablec to `context.map` at concurrency 1 (the default, source order), 10 and unbounded
 * (`// @durable concurrency=…`), and run on durablec's runtime (in-memory store, virtual clock).
 * Reports wall time and the execution's checkpoint count (`rt.get(arn).checkpoints`), best of three.
 *
 *   npm run bench:loops [-- --items 2000 --runs 3]
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { transformProject } from "../compiler/compile.js";
import { emitProject, writeOutputs } from "../compiler/emit/emit-project.js";
import { loadProjectFromFiles } from "../compiler/project/load-project.js";
import { createTestRuntime } from "../runtime/testing/index.js";

const { values } = parseArgs({ options: { items: { type: "string", default: "2000" }, runs: { type: "string", default: "3" } } });
const ITEMS = Number(values.items);
const RUNS = Number(values.runs);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIR = join(ROOT, ".tmp", "bench-loops");

const source = (concurrency: string) => `
/** @effectful */
async function price(item: string): Promise<number> {
  return item.length;
}

export async function total(order: { items: string[] }): Promise<number> {
  "use durable";
  let sum = 0;
  // @durable concurrency=${concurrency}
  for (const item of order.items) {
    sum += await price(item);
  }
  return sum;
}
`;

async function compileVariant(concurrency: string): Promise<(event: unknown, context: unknown) => Promise<any>> {
  const dir = join(DIR, `c-${concurrency}`);
  const file = join(dir, "loop.ts");
  const { project } = loadProjectFromFiles({ [file]: source(concurrency) }, dir);
  const result = transformProject(project, { rootDir: dir });
  const errors = result.diagnostics.filter((d) => d.category === "error");
  if (errors.length) throw new Error(`compile failed: ${JSON.stringify(errors)}`);
  const code = result.files.get(file)!.code;
  if (!code.includes("ctx.map(")) throw new Error(`the loop was not compiled to a map:\n${code}`);
  const emitted = emitProject(project, result.files, { rootDir: dir, outDir: dir, manifest: { version: 1, entries: {} } });
  if (emitted.diagnostics.length) throw new Error(`emit failed: ${JSON.stringify(emitted.diagnostics)}`);
  writeOutputs(emitted.outputs);
  const mod = (await import(pathToFileURL(join(dir, "loop.js")).href)) as { total: (event: unknown, context: unknown) => Promise<any> };
  return mod.total;
}

async function runOnce(handler: (event: unknown, context: unknown) => Promise<any>, items: string[]) {
  const rt = createTestRuntime();
  rt.register("loop", handler);
  const t0 = performance.now();
  const { arn } = rt.start("loop", { items });
  await rt.runUntilIdle();
  const ms = performance.now() - t0;
  const e = rt.get(arn);
  await rt.close();
  const expected = items.reduce((s, i) => s + i.length, 0);
  if (e.status !== "SUCCEEDED" || e.result !== expected) throw new Error(`wrong outcome: ${e.status} ${JSON.stringify(e.result ?? e.error)}`);
  return { ms, checkpoints: e.checkpoints };
}

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
const items = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
console.log(`${ITEMS}-item loop compiled to context.map, on durablec's runtime (in-memory store), best of ${RUNS}`);
console.log("concurrency   time (ms)   checkpoints   ms/item");
for (const concurrency of ["1", "10", "unbounded"]) {
  const handler = await compileVariant(concurrency);
  let best: { ms: number; checkpoints: number } | undefined;
  for (let r = 0; r < RUNS; r++) {
    const run = await runOnce(handler, items);
    if (!best || run.ms < best.ms) best = run;
  }
  console.log(`${concurrency.padEnd(13)} ${best!.ms.toFixed(0).padStart(9)}   ${String(best!.checkpoints).padStart(11)}   ${(best!.ms / ITEMS).toFixed(3).padStart(7)}`);
}
rmSync(DIR, { recursive: true, force: true });
