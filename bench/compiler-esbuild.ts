/**
 * esbuild with the durablec plugin vs esbuild alone, on the same generated project: 300 files,
 * 30 of them durable entries that import helpers (some pure, some calling fetch). Measures a cold
 * build (new context) and incremental `context.rebuild()` after editing one helper that a durable
 * entry depends on (and a rebuild with nothing changed), and prints the ratios.
 *
 *   npm run bench:esbuild            (BENCH_FILES=300 BENCH_DURABLE=30 BENCH_RUNS=5)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { durablec } from "../compiler/esbuild/index.js";

const FILES = Number(process.env.BENCH_FILES ?? 300);
const DURABLE = Number(process.env.BENCH_DURABLE ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const HELPERS = FILES - DURABLE;

function helper(i: number, variant = 0): string {
  const dep = i > 0 && i % 3 !== 0 ? `import { h${i - 1} } from "./h${i - 1}.js";\n` : "";
  const call = dep ? `  const base = await h${i - 1}(x);\n` : `  const base = x;\n`;
  // Every fifth helper does I/O (so its callers' calls become steps); the rest are pure.
  const io = i % 5 === 0 ? `  const res = await fetch("https://svc.example.com/h${i}?q=" + base);\n  return base + res.status + ${variant};\n` : `  return base + "-h${i}-" + ${variant};\n`;
  return `${dep}export async function h${i}(x: string): Promise<string> {\n${call}${io}}\n\nexport function fmt${i}(n: number): string {\n  return n.toFixed(2) + " #${i}";\n}\n`;
}

function durable(j: number): string {
  const picks = [0, 1, 2, 3].map((k) => (j * 7 + k * 13) % HELPERS);
  const imports = [...new Set(picks)].map((h) => `import { h${h}, fmt${h} } from "../helpers/h${h}.js";`).join("\n");
  const body = [...new Set(picks)].map((h, k) => `  const v${k} = await h${h}(input.id + "${k}");\n  parts.push(fmt${h}(v${k}.length));`).join("\n");
  return `import { sleep } from "durablec";\n${imports}\n\nexport async function flow${j}(input: { id: string }): Promise<string> {\n  "use durable";\n  const parts: string[] = [];\n${body}\n  await sleep("5m");\n  const stamp = Date.now();\n  return parts.join(",") + stamp;\n}\n`;
}

function generate(): { dir: string; entries: string[] } {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  const dir = fs.mkdtempSync(path.join(root, ".tmp", "bench-esbuild-"));
  fs.mkdirSync(path.join(dir, "src", "helpers"), { recursive: true });
  fs.mkdirSync(path.join(dir, "src", "flows"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, lib: ["ES2023"], types: ["node"] }, include: ["src"] }),
  );
  for (let i = 0; i < HELPERS; i++) fs.writeFileSync(path.join(dir, "src", "helpers", `h${i}.ts`), helper(i));
  const entries: string[] = [];
  for (let j = 0; j < DURABLE; j++) {
    const file = path.join(dir, "src", "flows", `flow${j}.ts`);
    fs.writeFileSync(file, durable(j));
    entries.push(file);
  }
  return { dir, entries };
}

function options(dir: string, entries: string[], withPlugin: boolean): esbuild.BuildOptions {
  return {
    absWorkingDir: dir,
    entryPoints: entries,
    outdir: path.join(dir, withPlugin ? "out-plugin" : "out-plain"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    sourcemap: true,
    write: false,
    external: ["@aws/durable-execution-sdk-js", "durablec", "durablec/*", "zod"],
    logLevel: "silent",
    plugins: withPlugin ? [durablec()] : [],
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(dir: string, entries: string[], withPlugin: boolean) {
  const cold: number[] = [];
  for (let r = 0; r < Math.max(1, Math.min(RUNS, 3)); r++) {
    const t0 = performance.now();
    const ctx = await esbuild.context(options(dir, entries, withPlugin));
    const result = await ctx.rebuild();
    cold.push(performance.now() - t0);
    if (result.errors.length) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
    await ctx.dispose();
  }
  const ctx = await esbuild.context(options(dir, entries, withPlugin));
  await ctx.rebuild();
  const incremental: number[] = [];
  let steps = 0;
  for (let r = 0; r < RUNS; r++) {
    // Edit a pure helper that flow0 imports: it switches between calling fetch and not.
    const target = 13 % HELPERS;
    const file = path.join(dir, "src", "helpers", `h${target}.ts`);
    const text = r % 2 === 0 ? helper(target, r + 1).replace(`return base + "-h${target}-"`, `await fetch("https://x.example.com");\n  return base + "-h${target}-"`) : helper(target, r + 1);
    fs.writeFileSync(file, text);
    const t = new Date(Date.now() + 1000 * (r + 1));
    fs.utimesSync(file, t, t);
    const t0 = performance.now();
    const result = await ctx.rebuild();
    incremental.push(performance.now() - t0);
    if (result.errors.length) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
    const out = result.outputFiles?.find((f) => f.path.endsWith("flow0.js"))?.text ?? "";
    if (out.includes(`"flow0/h${target}"`)) steps++;
  }
  const unchanged: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await ctx.rebuild();
    unchanged.push(performance.now() - t0);
  }
  await ctx.dispose();
  fs.writeFileSync(path.join(dir, "src", "helpers", `h${13 % HELPERS}.ts`), helper(13 % HELPERS));
  return { cold: median(cold), incremental: median(incremental), unchanged: median(unchanged), steps };
}

const { dir, entries } = generate();
console.log(`generated ${FILES} files (${DURABLE} durable) in ${path.relative(process.cwd(), dir)}; ${RUNS} runs, medians; cpus: ${os.cpus().length}`);
try {
  const plain = await measure(dir, entries, false);
  const plugin = await measure(dir, entries, true);
  const row = (name: string, p: { cold: number; incremental: number; unchanged: number }) =>
    console.log(`${name.padEnd(22)} cold ${p.cold.toFixed(0).padStart(6)} ms   incremental ${p.incremental.toFixed(1).padStart(8)} ms   rebuild, nothing changed ${p.unchanged.toFixed(1).padStart(7)} ms`);
  row("esbuild", plain);
  row("esbuild + durablec", plugin);
  console.log(`ratio (plugin / plain): cold ${(plugin.cold / plain.cold).toFixed(1)}x, incremental ${(plugin.incremental / plain.incremental).toFixed(1)}x, nothing changed ${(plugin.unchanged / plain.unchanged).toFixed(1)}x`);
  console.log(`incremental rebuilds whose output wrapped the edited helper's call in a step (expected ${Math.ceil(RUNS / 2)}): ${plugin.steps}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
