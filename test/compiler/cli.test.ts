/**
 * `durablec build | check | transform` as users run them (`node bin/durablec.js …`), on
 * temporary projects inside the repository (so `durablec/internal` and the SDK resolve).
 * Needs `npm run build` first (`npm test` runs it).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { decodeMappings } from "../../compiler/emit/source-map.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(ROOT, "bin/durablec.js");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const TMP = path.join(ROOT, ".tmp", `cli-${process.pid}`);
const run = promisify(execFile);

async function durablec(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return durablecWithEnv({}, cwd, ...args);
}

async function durablecWithEnv(env: Record<string, string>, cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    types: ["node"],
    outDir: "dist",
    rootDir: "src",
    declaration: true,
    sourceMap: true,
  },
  include: ["src"],
};

const CHECKOUT = `import { sleep } from "durablec";
import { price } from "./prices.js";

export async function checkout(order: { items: string[] }): Promise<{ total: number }> {
  "use durable";
  let total = await price(order.items[0] ?? "");
  total += await price(order.items[1] ?? "");
  await sleep("1h");
  return { total };
}
`;
const PRICES = `/** @effectful */
export async function price(item: string): Promise<number> {
  return item.length;
}
`;

let counter = 0;
function project(files: Record<string, string>, tsconfig: object | null = TSCONFIG): string {
  const dir = path.join(TMP, `p${++counter}`);
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  if (tsconfig) fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** CHECKOUT's compiled handler, run on durablec's runtime: it prices both items. */
async function expectCheckoutRuns(handler: Parameters<ReturnType<typeof import("../../runtime/index.js").createRuntime>["register"]>[1]): Promise<void> {
  const { createRuntime, VirtualClock } = await import("../../runtime/index.js");
  const rt = createRuntime({ clock: new VirtualClock() });
  rt.register("checkout", handler);
  const e = await rt.execute("checkout", { items: ["ab", "cde"] });
  expect({ status: e.status, result: e.result }).toEqual({ status: "SUCCEEDED", result: { total: 5 } });
  await rt.close();
}

// Each case spawns the CLI (a cold TypeScript program per run): generous timeouts for loaded machines.
describe.concurrent("durablec CLI", { timeout: 240_000 }, () => {
  it("prints the commands with --help and fails without a command", async () => {
    const help = await durablec(ROOT, "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/build\s+compile durable functions/);
    expect(help.stdout).toMatch(/check\s+/);
    expect(help.stdout).toMatch(/transform\s+/);
    expect((await durablec(ROOT)).code).toBe(2);
    const unknown = await durablec(ROOT, "bogus");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error DUR5004: Unknown command 'bogus'.");
    for (const cmd of ["build", "check", "transform"]) {
      const r = await durablec(ROOT, cmd, "--help");
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: durablec ${cmd}`);
    }
  });

  it("builds a project: JS, chained source maps, declarations and the manifest, and the handler runs", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES, "src/plain.ts": "export const answer: number = 42;\n" });
    const r = await durablec(dir, "build");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/built 3 module\(s\), 1 entry\(ies\) into dist/);
    const out = path.join(dir, "dist");
    expect(fs.readdirSync(out).sort()).toEqual(
      ["checkout.d.ts", "checkout.js", "checkout.js.map", "durable.manifest.json", "plain.d.ts", "plain.js", "plain.js.map", "prices.d.ts", "prices.js", "prices.js.map"].sort(),
    );
    const js = fs.readFileSync(path.join(out, "checkout.js"), "utf8");
    // (Other passes may add a config argument after the step function.)
    expect(js).toContain('ctx.step("checkout/price", async () => price(order.items[0] ?? "")');
    expect(js).toContain('ctx.step("checkout/price#2", async () => price(order.items[1] ?? "")');
    expect(js).toContain("const checkout = withDurableExecution(");
    expect(js).toMatch(/export \{\s*checkout,\s*checkout\$durable\s*\}/);
    expect(fs.readFileSync(path.join(out, "checkout.d.ts"), "utf8")).toContain("export declare const checkout: import(\"@aws/durable-execution-sdk-js\").DurableLambdaHandler;");
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "durable.manifest.json"), "utf8"));
    expect(manifest.entries.checkout.operations.map((o: { name: string; line: number }) => [o.name, o.line])).toEqual([
      ["checkout/price", 6],
      ["checkout/price#2", 7],
      ["checkout/sleep", 8],
    ]);
    // The JS line with the second step maps back to line 7 of the TypeScript source.
    const map = JSON.parse(fs.readFileSync(path.join(out, "checkout.js.map"), "utf8"));
    expect(map.sources).toEqual(["../src/checkout.ts"]);
    const jsLine = js.split("\n").findIndex((l) => l.includes('"checkout/price#2"'));
    const segments = decodeMappings(map.mappings)[jsLine]!;
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((s) => s.length < 4 || s[2] === 6)).toBe(true);
    // The compiled handler runs on durablec's runtime.
    await expectCheckoutRuns((await import(pathToFileURL(path.join(out, "checkout.js")).href)).checkout);
  });

  it("with inlineSourceMap puts each JavaScript file's map inside it, chained to the original source, as tsc does", async () => {
    const { sourceMap: _external, ...options } = TSCONFIG.compilerOptions;
    const boom = 'export function boom(): never {\n  throw new Error("boom");\n}\n';
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES, "src/boom.ts": boom }, { ...TSCONFIG, compilerOptions: { ...options, inlineSourceMap: true, declarationMap: true } });
    const r = await durablec(dir, "build");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const out = path.join(dir, "dist");
    // No JavaScript map beside its file; declaration maps stay files, as with tsc.
    expect(fs.readdirSync(out).filter((f) => f.endsWith(".map")).sort()).toEqual(["boom.d.ts.map", "checkout.d.ts.map", "prices.d.ts.map"]);
    const inlineMap = (file: string) => {
      const js = fs.readFileSync(path.join(out, file), "utf8");
      const url = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)$/.exec(js);
      expect(url, file).not.toBeNull();
      expect(js.match(/sourceMappingURL/g)).toHaveLength(1);
      return { js, map: JSON.parse(Buffer.from(url![1]!, "base64").toString("utf8")) as { sources: string[]; mappings: string } };
    };
    // The rewritten file's map leads back to the original line of the second step (line 7).
    const { js, map } = inlineMap("checkout.js");
    expect(map.sources).toEqual(["../src/checkout.ts"]);
    const jsLine = js.split("\n").findIndex((l) => l.includes('"checkout/price#2"'));
    const segments = decodeMappings(map.mappings)[jsLine]!;
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((s) => s.length < 4 || s[2] === 6)).toBe(true);
    expect(inlineMap("prices.js").map.sources).toEqual(["../src/prices.ts"]);
    // Node finds it: a stack trace from compiled code names the user's line.
    const trace = await run(process.execPath, ["--enable-source-maps", "--input-type=module", "-e", `import { boom } from ${JSON.stringify(pathToFileURL(path.join(out, "boom.js")).href)}; boom();`], { cwd: dir }).then(
      () => "",
      (error: { stderr: string }) => error.stderr,
    );
    expect(trace).toContain(`${path.join(dir, "src", "boom.ts")}:2`);
    await expectCheckoutRuns((await import(pathToFileURL(path.join(out, "checkout.js")).href)).checkout);
  });

  it("builds a CommonJS package as CommonJS (TypeScript's emit), and the handler runs", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES, "package.json": JSON.stringify({ type: "commonjs" }) });
    // Its own package scope: `durablec` resolves from its node_modules, as in a user's project.
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "durablec"), "dir");
    const r = await durablec(dir, "build");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const js = fs.readFileSync(path.join(dir, "dist", "checkout.js"), "utf8");
    expect(js).toMatch(/^"use strict";/);
    expect(js).toContain('require("@aws/durable-execution-sdk-js")');
    expect(js).toContain('ctx.step("checkout/price", async () => (0, prices_js_1.price)(order.items[0] ?? "")');
    // Run as users run it, in a process of its own: Node's require() of durablec/internal (an ES
    // module) must not race this process's concurrent imports of the same modules.
    const ran = await durablec(dir, "run", "dist/checkout.js#checkout", "--input", JSON.stringify({ items: ["ab", "cde"] }), "--clock", "virtual", "--json", "--db", path.join(dir, "state.db"));
    expect({ code: ran.code, stderr: ran.code === 0 ? "" : ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toMatchObject({ status: "SUCCEEDED", result: { total: 5 } });
  });

  it("knows each file's module format as tsc does: an extensionless import in an ES module package is TS2835", async () => {
    const dir = project({ "src/util.ts": "export const u = 1;\n", "src/main.ts": 'import { u } from "./util";\nexport const v: number = u + 1;\n', "package.json": JSON.stringify({ type: "module" }) });
    const r = await durablec(dir, "build");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("src/main.ts(1,19): error TS2835: Relative import paths need explicit file extensions");
    const tsc = await run(process.execPath, [TSC, "-p", ".", "--noEmit"], { cwd: dir }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    expect(r.stderr.trim()).toBe(tsc.trim());
    expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
  });

  it("honours --outDir and -p", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    fs.renameSync(path.join(dir, "tsconfig.json"), path.join(dir, "tsconfig.app.json"));
    const r = await durablec(dir, "build", "-p", "tsconfig.app.json", "--outDir", "out");
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, "out", "checkout.js"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "out", "durable.manifest.json"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
  });

  it("--timings prints where the build spent its time, for failed builds too", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    const ok = await durablec(dir, "build", "--timings");
    expect(ok.code).toBe(0);
    const table = ok.stdout.split("\n").filter((l) => / ms$/.test(l) && !l.startsWith("durablec:"));
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(["load", "check", "emit-ahead", "analysis", "emit", "write", "total"]);
    const ms = table.map((l) => Number(/(\d+) ms$/.exec(l)![1]));
    // Rounded phases add up to the rounded total, give or take the rounding of each.
    expect(Math.abs(ms.at(-1)! - ms.slice(0, -1).reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(3);
    expect(ms.every((m) => Number.isFinite(m) && m >= 0)).toBe(true);
    const bad = project({ "src/a.ts": 'export const x: number = "s";\n' });
    const failed = await durablec(bad, "build", "--timings");
    expect(failed.code).toBe(1);
    expect(failed.stdout.split("\n").filter((l) => / ms$/.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(["load", "check", "total"]);
  });

  it("reports outputs it cannot write (DUR5005), exits 2 and leaves the output directory as it was", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    // A file where one output's directory should be: every other output is written, then nothing is kept.
    fs.mkdirSync(path.join(dir, "dist"));
    fs.writeFileSync(path.join(dir, "dist", "old.js"), "previous build");
    fs.mkdirSync(path.join(dir, "src", "nested"));
    fs.writeFileSync(path.join(dir, "src", "nested", "x.ts"), "export const x = 1;\n");
    fs.writeFileSync(path.join(dir, "dist", "nested"), "not a directory");
    const r = await durablec(dir, "build");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error DUR5005: Cannot write the build's outputs: .*dist\/nested.*\. Nothing was changed in the output directory\.$/m);
    expect(fs.readdirSync(path.join(dir, "dist")).sort()).toEqual(["nested", "old.js"]);
    expect(fs.readFileSync(path.join(dir, "dist", "old.js"), "utf8")).toBe("previous build");
  });

  it("reports durablec errors in tsc format, exits 1 and writes nothing", async () => {
    const dir = project({ "src/bad.ts": 'export async function bad(a: string, b: string) {\n  "use durable";\n  return a + b + Math.random();\n}\n' });
    const r = await durablec(dir, "build");
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "src/bad.ts(1,23): error DUR4002: Entry 'bad' takes 2 parameters: an entry receives one event. Combine the parameters into one object.",
    );
    expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
    const pretty = await durablec(dir, "check", "--pretty");
    expect(pretty.code).toBe(1);
    expect(pretty.stderr).toContain("1 export async function bad(a: string, b: string) {\n                        ~~~");
  });

  it("check --json lists diagnostics with positions; a clean project exits 0", async () => {
    const dir = project({ "src/h.ts": 'import { withDurableExecution } from "@aws/durable-execution-sdk-js";\nexport const h = withDurableExecution(async (_e: unknown, ctx) => {\n  const t = Date.now();\n  return ctx.step("s", async () => t);\n});\n' });
    const r = await durablec(dir, "check", "--json");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject([{ code: "DUR1001", category: "error", file: path.join("src", "h.ts"), line: 3, column: 13 }]);
    expect(json[0].message).toContain("Call to 'Date.now' outside a step");
    const clean = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    const ok = await durablec(clean, "check");
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: "" });
    expect(fs.existsSync(path.join(clean, "dist"))).toBe(false);
  });

  it("stops on TypeScript syntax and type errors without output", async () => {
    const syntax = project({ "src/a.ts": 'export async function a(n: number) {\n  "use durable";\n  return n +;\n}\n' });
    const r1 = await durablec(syntax, "build");
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain("src/a.ts(3,13): error TS1109: Expression expected.");
    expect(fs.existsSync(path.join(syntax, "dist"))).toBe(false);
    const types = project({ "src/a.ts": 'export async function a(n: number): Promise<string> {\n  "use durable";\n  return n;\n}\n', "src/b.ts": "export const b = 1;\n" });
    const r2 = await durablec(types, "build");
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("src/a.ts(3,3): error TS2322:");
    expect(fs.existsSync(path.join(types, "dist"))).toBe(false);
  });

  it("reports the tsconfig's problems exactly as tsc -p does, in tsc's order; a build with one writes nothing", async () => {
    const options = TSCONFIG.compilerOptions;
    const { rootDir: _rootDir, ...withoutRootDir } = options;
    const typeError = "export const n: number = 'one';\n";
    const cases: { name: string; tsconfig: object | null; files: Record<string, string>; codes: string[] }[] = [
      { name: "a tsconfig.json that does not parse", tsconfig: null, files: { "tsconfig.json": JSON.stringify(TSCONFIG, null, 2).replace('"strict": true,', '"strict": true'), "src/prices.ts": PRICES }, codes: ["TS1005"] },
      // TypeScript 6 wants rootDir when the sources are in a subdirectory; the options' error
      // hides the files' type errors, as with tsc.
      { name: "no rootDir", tsconfig: { ...TSCONFIG, compilerOptions: withoutRootDir }, files: { "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES, "src/n.ts": typeError }, codes: ["TS5011"] },
      { name: "a types entry not found", tsconfig: { ...TSCONFIG, compilerOptions: { ...options, types: ["node", "nonexistent"] } }, files: { "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES }, codes: ["TS2688"] },
      { name: "conflicting options", tsconfig: { ...TSCONFIG, compilerOptions: { ...options, module: "ES2022" } }, files: { "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES }, codes: ["TS5110"] },
      // Syntax errors come first: tsc reports the options' errors only without them.
      { name: "a syntax error", tsconfig: { ...TSCONFIG, compilerOptions: withoutRootDir }, files: { "src/a.ts": "export const a = ;\n" }, codes: ["TS1109"] },
    ];
    await Promise.all(
      cases.map(async ({ name, tsconfig, files, codes }) => {
        const dir = project(files, tsconfig);
        const build = await durablec(dir, "build");
        expect(build.code, name).toBe(1);
        expect(fs.existsSync(path.join(dir, "dist")), name).toBe(false);
        const check = await durablec(dir, "check");
        expect(check.code, name).toBe(1);
        expect(check.stderr, name).toBe(build.stderr);
        expect([...build.stderr.matchAll(/error (TS\d+)/g)].map((m) => m[1]), name).toEqual(codes);
        // tsc prints its diagnostics to stdout (and emits despite them).
        const tsc = await run(process.execPath, [TSC, "-p", "."], { cwd: dir }).then(
          () => "",
          (error: { stdout: string }) => error.stdout,
        );
        expect(build.stderr.trim(), name).toBe(tsc.trim());
      }),
    );
    // A composite project needs no rootDir and emits declarations (durablec builds it without
    // `composite`, laid out the same, with what it implies).
    const composite = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES }, { ...TSCONFIG, compilerOptions: { ...withoutRootDir, declaration: undefined, composite: true } });
    const built = await durablec(composite, "build");
    expect({ code: built.code, stderr: built.stderr }).toEqual({ code: 0, stderr: "" });
    expect(fs.existsSync(path.join(composite, "dist/src/checkout.js"))).toBe(true);
    expect(fs.readFileSync(path.join(composite, "dist/src/prices.d.ts"), "utf8")).toContain("export declare");
  });

  it("exits 2 on a missing tsconfig, an invalid durable.config.json, a bad option, or durable code in a .js file", async () => {
    const empty = project({}, null);
    const r1 = await durablec(empty, "build");
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/error DUR5001: Cannot read '.*tsconfig\.json': no such file\./);
    const badConfig = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES, "durable.config.json": '{ "effects": { "effectful": ["no-hash"] } }' });
    const r2 = await durablec(badConfig, "build");
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("error DUR5002: Invalid durable.config.json: effects.effectful.0: expected '<module>#<name>'.");
    expect(fs.existsSync(path.join(badConfig, "dist"))).toBe(false);
    const r3 = await durablec(empty, "build", "--nope");
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("error DUR5004: Unknown option '--nope'.");
    const js = project({ "src/legacy.js": 'export async function legacy() {\n  "use durable";\n  return 1;\n}\n' }, { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, allowJs: true, declaration: false } });
    const r4 = await durablec(js, "build");
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain("src/legacy.js(2,3): error DUR5003:");
    expect(fs.existsSync(path.join(js, "dist"))).toBe(false);
  });

  it("transform prints the rewritten source; an unreadable file exits 2", async () => {
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    const r = await durablec(dir, "transform", "src/checkout.ts");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("export async function checkout$durable(ctx: DurableContext, order: { items: string[] })");
    expect(r.stdout).toContain('await ctx.wait("checkout/sleep", durablec.toDuration("1h"));');
    const missing = await durablec(dir, "transform", "src/nope.ts");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error DUR5001: Cannot read");
    expect((await durablec(dir, "transform")).code).toBe(2);
  });

  it("transform compiles an arrow entry bound to a const like a function declaration", async () => {
    const handler = `import { price } from "./prices.js";

export const handler = async (event: { item: string }): Promise<number> => {
  "use durable";
  return await price(event.item);
};
`;
    const dir = project({ "src/handler.ts": handler, "src/prices.ts": PRICES });
    const r = await durablec(dir, "transform", "src/handler.ts");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("export const handler$durable = async (ctx: DurableContext, event: { item: string }): Promise<number> => {");
    expect(r.stdout).toContain('return await ctx.step("handler/price", async () => price(event.item)');
    expect(r.stdout).toContain("export const handler = withDurableExecution((input: Parameters<typeof handler$durable>[1], ctx: DurableContext) => handler$durable(ctx,");
    expect(r.stdout).not.toContain('"use durable"');
  });

  it("builds an arrow entry with a bare parameter (a project without strict) and the handler runs", async () => {
    const greet = `import { price } from "./prices.js";

export const greet = async name => {
  "use durable";
  return \`\${name}:\${await price(name)}\`;
};
`;
    const loose = { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, strict: false } };
    const dir = project({ "src/greet.ts": greet, "src/prices.ts": PRICES }, loose);
    const r = await durablec(dir, "build");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const js = fs.readFileSync(path.join(dir, "dist", "greet.js"), "utf8");
    expect(js).toContain("const greet$durable = async (ctx, name) => {");
    const { createRuntime, VirtualClock } = await import("../../runtime/index.js");
    const mod = await import(pathToFileURL(path.join(dir, "dist", "greet.js")).href);
    const rt = createRuntime({ clock: new VirtualClock() });
    try {
      rt.register("greet", mod.greet);
      const e = await rt.execute("greet", "ada");
      expect({ status: e.status, result: e.result }).toEqual({ status: "SUCCEEDED", result: "ada:3" });
    } finally {
      await rt.close();
    }
  });

  it("keeps V8's code of the compiler's packages between runs on Node 20, for the compiler's commands only; a cache it cannot use changes nothing", async () => {
    const ownCache = !("enableCompileCache" in module); // Node 22+ has a compile cache built in
    const cache = path.join(TMP, "code-cache");
    const env = { DURABLEC_CODE_CACHE_DIR: cache };
    expect((await durablecWithEnv(env, ROOT, "--help")).code).toBe(0);
    expect(fs.existsSync(cache)).toBe(false);
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    expect((await durablecWithEnv(env, dir, "check")).code).toBe(0);
    const entries = () => (fs.existsSync(cache) ? fs.readdirSync(cache).sort() : []);
    const written = entries();
    // ts-morph, its TypeScript and their dependencies; nothing of durablec's own code.
    expect(written.length > 5).toBe(ownCache);
    const stamps = written.map((f) => fs.statSync(path.join(cache, f)).mtimeMs);
    // A run that finds everything cached writes nothing.
    expect((await durablecWithEnv(env, dir, "check")).code).toBe(0);
    expect(entries()).toEqual(written);
    expect(written.map((f) => fs.statSync(path.join(cache, f)).mtimeMs)).toEqual(stamps);

    // Corrupt entries are rejected by V8 and written again; an unwritable cache is no cache.
    for (const f of written) fs.writeFileSync(path.join(cache, f), "not V8 code");
    const bad = project({ "src/bad.ts": 'export async function bad(a: string, b: string) {\n  "use durable";\n  return a + b;\n}\n' });
    const expected = "src/bad.ts(1,23): error DUR4002: Entry 'bad' takes 2 parameters: an entry receives one event. Combine the parameters into one object.";
    const r = await durablecWithEnv(env, bad, "build");
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 1, stderr: expected });
    expect(written.every((f) => fs.readFileSync(path.join(cache, f), "utf8") !== "not V8 code")).toBe(true);
    const blocked = path.join(TMP, "blocked-code-cache");
    fs.writeFileSync(blocked, "a file where the cache directory should be");
    const again = await durablecWithEnv({ DURABLEC_CODE_CACHE_DIR: blocked }, bad, "build");
    expect({ code: again.code, stderr: again.stderr.trim() }).toEqual({ code: 1, stderr: expected });
    const off = await durablecWithEnv({ DURABLEC_CODE_CACHE: "0", DURABLEC_CODE_CACHE_DIR: path.join(TMP, "unused-code-cache") }, bad, "build");
    expect({ code: off.code, stderr: off.stderr.trim() }).toEqual({ code: 1, stderr: expected });
    expect(fs.existsSync(path.join(TMP, "unused-code-cache"))).toBe(false);
  });

  it("writes all of a large output to a pipe that reads slowly before it exits", async () => {
    const { spawnSync } = await import("node:child_process");
    const dir = project({});
    let source = "";
    for (let f = 0; f < 400; f++) source += `export async function flow${f}(input: { n: number }): Promise<number> {\n  "use durable";\n  return input.n + Date.now() + Math.random();\n}\n`;
    fs.writeFileSync(path.join(dir, "big.ts"), source);
    const expected = await durablec(dir, "transform", "big.ts");
    expect(expected.code).toBe(0);
    expect(expected.stdout.length).toBeGreaterThan(2 * 65536);
    // The reader starts a second after the command: the pipe (64 KB) fills up meanwhile.
    const out = path.join(dir, "out.txt");
    const shell = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" transform big.ts | (sleep 1; cat) > "${out}"`], { cwd: dir });
    expect(shell.status).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(expected.stdout);
  });

  it("in --watch mode, fails every rebuild while the tsconfig has an error, and builds once it is fixed", async () => {
    const { spawn } = await import("node:child_process");
    const { rootDir: _rootDir, ...withoutRootDir } = TSCONFIG.compilerOptions;
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES }, { ...TSCONFIG, compilerOptions: withoutRootDir });
    const child = spawn(process.execPath, [BIN, "build", "--watch"], { cwd: dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    const waitFor = async (read: () => string, pattern: RegExp) => {
      for (let i = 0; i < 2400 && !pattern.test(read()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(read()).toMatch(pattern);
    };
    const ts5011 = /tsconfig\.json\(\d+,\d+\): error TS5011: The common source directory of 'tsconfig\.json' is '\.\/src'\./g;
    try {
      await waitFor(() => stdout, /watching for changes/);
      expect(stderr.match(ts5011)).toHaveLength(1);
      fs.writeFileSync(path.join(dir, "src/checkout.ts"), CHECKOUT.replace('sleep("1h")', 'sleep("2h")'));
      await waitFor(() => stderr, new RegExp(`(${ts5011.source}[\\s\\S]*){2}`));
      expect(stdout).toMatch(/checkout\.ts changed, rebuilding/);
      expect(stdout).not.toMatch(/built/);
      expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
      // A changed tsconfig.json starts the project over.
      fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
      await waitFor(() => stdout, /built 2 module\(s\), 1 entry\(ies\) into dist/);
      expect(fs.readFileSync(path.join(dir, "dist/checkout.js"), "utf8")).toContain('toDuration("2h")');
      expect(stderr.match(ts5011)).toHaveLength(2);
    } finally {
      child.kill();
    }
  });

  it("rebuilds in --watch mode when a file changes", async () => {
    const { spawn } = await import("node:child_process");
    const dir = project({ "src/checkout.ts": CHECKOUT, "src/prices.ts": PRICES });
    const child = spawn(process.execPath, [BIN, "build", "--watch"], { cwd: dir });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 2400 && !pattern.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toMatch(pattern);
    };
    try {
      await waitFor(/watching for changes/);
      fs.writeFileSync(path.join(dir, "src/checkout.ts"), CHECKOUT.replace('sleep("1h")', 'sleep("2h")'));
      // Only the edited module: nothing imports checkout.ts.
      await waitFor(/rebuilding[\s\S]*built 1 module/);
      for (let i = 0; i < 1200 && !fs.readFileSync(path.join(dir, "dist/checkout.js"), "utf8").includes('"2h"'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readFileSync(path.join(dir, "dist/checkout.js"), "utf8")).toContain('toDuration("2h")');
    } finally {
      child.kill();
    }
  });
});
