/**
 * Incremental builds: the plugin keeps one ts-morph project across `context.rebuild()` and watch
 * mode, refreshes changed files from disk, and declares the files an analysis depended on as
 * `watchFiles`, so editing a helper recompiles the durable function that calls it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { durablec } from "../../compiler/esbuild/index.js";
import { removeTempProjects, tempProject, TSCONFIG } from "./helpers.js";

afterAll(removeTempProjects);

const ORDER = `import { describeOrder } from "./describe.js";

export async function order(input: { id: string }): Promise<string> {
  "use durable";
  const text = await describeOrder(input.id);
  return text.toUpperCase();
}
`;
const PURE_HELPER = `export async function describeOrder(id: string): Promise<string> {\n  return "order " + id;\n}\n`;
const FETCHING_HELPER = `export async function describeOrder(id: string): Promise<string> {\n  const res = await fetch("https://orders.example.com/" + id);\n  return "order " + id + " " + res.status;\n}\n`;

function setup(name: string) {
  const dir = tempProject(name, { "tsconfig.json": TSCONFIG, "src/order.ts": ORDER, "src/describe.ts": PURE_HELPER });
  const write = (file: string, text: string) => {
    const abs = path.join(dir, file);
    fs.writeFileSync(abs, text);
    // mtime resolution: make sure the edit is seen as a change even within the same tick.
    const t = new Date(Date.now() + 2000);
    fs.utimesSync(abs, t, t);
  };
  return { dir, write };
}

describe("incremental builds with the plugin", () => {
  it("context.rebuild(): a helper that starts calling fetch becomes a step in the durable function that calls it", async () => {
    const { dir, write } = setup("rebuild");
    const outputs: string[] = [];
    const ctx = await esbuild.context({
      entryPoints: [path.join(dir, "src/order.ts")],
      bundle: true,
      write: false,
      outfile: path.join(dir, "dist/order.mjs"),
      platform: "node",
      format: "esm",
      external: ["@aws/durable-execution-sdk-js", "durablec"],
      absWorkingDir: dir,
      logLevel: "silent",
      plugins: [durablec(), { name: "capture", setup: (b) => b.onEnd((r) => void outputs.push(r.outputFiles?.[0]?.text ?? "")) }],
    });
    try {
      const first = await ctx.rebuild();
      expect(first.errors).toEqual([]);
      expect(outputs[0]).toContain("withDurableExecution");
      expect(outputs[0]).not.toContain(`"order/describeOrder"`);
      // (esbuild may rename `input` when a bundled dependency declares one too.)
      expect(outputs[0]).toMatch(/const text = await describeOrder\(input\d*\.id\)/);

      write("src/describe.ts", FETCHING_HELPER);
      const second = await ctx.rebuild();
      expect(second.errors).toEqual([]);
      expect(outputs[1]).toMatch(/ctx\.step\("order\/describeOrder", async \(\) => describeOrder\(input\d*\.id\)/);

      // And back: the step disappears again when the helper is pure once more.
      write("src/describe.ts", PURE_HELPER);
      await ctx.rebuild();
      expect(outputs[2]).not.toContain(`"order/describeOrder"`);

      // A new module, imported by the durable file: loaded into the shared program on rebuild.
      fs.writeFileSync(path.join(dir, "src/audit.ts"), `export async function audit(text: string): Promise<void> {\n  await fetch("https://audit.example.com", { method: "POST", body: text });\n}\n`);
      write("src/order.ts", ORDER.replace("  return text.toUpperCase();", "  await audit(text);\n  return text.toUpperCase();").replace('import { describeOrder } from "./describe.js";', 'import { audit } from "./audit.js";\nimport { describeOrder } from "./describe.js";'));
      const fourth = await ctx.rebuild();
      expect(fourth.errors).toEqual([]);
      expect(outputs[3]).toMatch(/ctx\.step\("order\/audit", async \(\) => audit\(text\)/);
    } finally {
      await ctx.dispose();
    }
  });

  it("watch mode, without bundling: the helper is not part of esbuild's graph, yet editing it rebuilds the durable file (watchFiles)", async () => {
    const { dir, write } = setup("watch");
    const out = path.join(dir, "dist", "order.js");
    let builds = 0;
    let notify: (() => void) | undefined;
    const ctx = await esbuild.context({
      entryPoints: [path.join(dir, "src/order.ts")],
      bundle: false,
      outdir: path.join(dir, "dist"),
      platform: "node",
      format: "esm",
      absWorkingDir: dir,
      logLevel: "silent",
      plugins: [
        durablec(),
        {
          name: "count",
          setup: (b) =>
            b.onEnd(() => {
              builds++;
              notify?.();
            }),
        },
      ],
    });
    const nextBuild = (after: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no rebuild after build ${after} within 20 s`)), 20_000);
        notify = () => {
          if (builds > after) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      });
    try {
      await ctx.watch();
      await nextBuild(0);
      expect(fs.readFileSync(out, "utf8")).not.toContain(`"order/describeOrder"`);
      // esbuild outputs only order.js: describe.ts is not an input of this build.
      expect(fs.existsSync(path.join(dir, "dist", "describe.js"))).toBe(false);
      write("src/describe.ts", FETCHING_HELPER);
      await nextBuild(1);
      expect(fs.readFileSync(out, "utf8")).toContain(`ctx.step("order/describeOrder"`);
    } finally {
      await ctx.dispose();
    }
  });
});
