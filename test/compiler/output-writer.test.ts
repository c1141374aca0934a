/** Outputs are written on a thread while the build emits, and appear only when the build succeeds. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { OutputWriter, OutputWriterStopped } from "../../compiler/emit/output-writer.js";

const writer = new OutputWriter();
afterAll(() => writer.close());

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-writer-"));
});

/** Every file under `root`, relative, with its content. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(root)) return out;
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(root, file)] = fs.readFileSync(file, "utf8");
  }
  return out;
}

describe("OutputWriter", () => {
  it("puts every queued file in place on commit, creating directories, and leaves no temporaries", () => {
    fs.writeFileSync(path.join(dir, "old.js"), "old");
    writer.write(path.join(dir, "old.js"), "new");
    writer.write(path.join(dir, "a", "b", "c.js"), "c");
    writer.write(path.join(dir, "a", "d.js"), "d");
    expect(fs.readFileSync(path.join(dir, "old.js"), "utf8")).toBe("old");
    writer.commit();
    expect(tree(dir)).toEqual({ "old.js": "new", [path.join("a", "b", "c.js")]: "c", [path.join("a", "d.js")]: "d" });
  });

  it("leaves the previous outputs untouched on abort and removes the directories it created", () => {
    fs.writeFileSync(path.join(dir, "old.js"), "old");
    writer.write(path.join(dir, "old.js"), "new");
    writer.write(path.join(dir, "fresh", "deep", "x.js"), "x");
    writer.abort();
    expect(tree(dir)).toEqual({ "old.js": "old" });
    expect(fs.readdirSync(dir)).toEqual(["old.js"]);
  });

  it("reports a file it cannot write on commit, and puts nothing in place", () => {
    fs.writeFileSync(path.join(dir, "blocker"), "a file where a directory should be");
    writer.write(path.join(dir, "ok.js"), "ok");
    writer.write(path.join(dir, "blocker", "x.js"), "x");
    expect(() => writer.commit()).toThrow(/blocker/);
    expect(tree(dir)).toEqual({ blocker: "a file where a directory should be" });
    // The writer is usable again after a failure.
    writer.write(path.join(dir, "ok.js"), "ok");
    writer.commit();
    expect(tree(dir)).toEqual({ blocker: "a file where a directory should be", "ok.js": "ok" });
  });

  it("says so when its thread is gone, instead of waiting for it", async () => {
    const gone = new OutputWriter();
    gone.write(path.join(dir, "x.js"), "x");
    await gone.close();
    expect(() => gone.commit()).toThrow(OutputWriterStopped);
    expect(tree(dir)).toEqual({});
  });

  it("leaves an output equal to the file on disk as it is, and replaces one that changed", () => {
    const same = path.join(dir, "same.js");
    const changed = path.join(dir, "changed.js");
    fs.writeFileSync(same, "same");
    fs.writeFileSync(changed, "before");
    const old = new Date(Date.now() - 60_000);
    for (const f of [same, changed]) fs.utimesSync(f, old, old);
    const before = fs.statSync(same);
    writer.write(same, "same");
    writer.write(changed, "after");
    writer.commit();
    expect(tree(dir)).toEqual({ "same.js": "same", "changed.js": "after" });
    const after = fs.statSync(same);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(fs.statSync(changed).mtimeMs).toBeGreaterThan(old.getTime() + 30_000);
  });

  it("lets a later text equal to the disk replace an earlier different one of the same build", () => {
    const file = path.join(dir, "twice.js");
    fs.writeFileSync(file, "on disk");
    writer.write(file, "first");
    writer.write(file, "on disk");
    writer.commit();
    expect(tree(dir)).toEqual({ "twice.js": "on disk" });
  });

  it("replaces a file of the same size whose bytes differ", () => {
    fs.writeFileSync(path.join(dir, "a.js"), "abc");
    writer.write(path.join(dir, "a.js"), "abd");
    writer.commit();
    expect(tree(dir)).toEqual({ "a.js": "abd" });
  });

  it("does nothing on commit or abort when nothing was queued", () => {
    writer.commit();
    writer.abort();
    expect(tree(dir)).toEqual({});
  });
});

describe("compile() writing a project", () => {
  const tsconfig = { compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], outDir: "dist", rootDir: "src", declaration: true, sourceMap: true }, include: ["src"] };
  const flow = 'export async function flow(input: { n: number }): Promise<number> {\n  "use durable";\n  return input.n + Date.now();\n}\n';

  it("writes what it returns, and a build failing while emitting declarations keeps the previous outputs", () => {
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "flow.ts"), flow);
    fs.writeFileSync(path.join(dir, "src", "util.ts"), "export const one = 1;\n");
    const good = compile({ tsconfig: path.join(dir, "tsconfig.json") });
    expect(good.diagnostics).toEqual([]);
    const written = tree(path.join(dir, "dist"));
    expect(Object.keys(written).sort()).toEqual(["durable.manifest.json", "flow.d.ts", "flow.js", "flow.js.map", "util.d.ts", "util.js", "util.js.map"]);
    expect(written).toEqual(Object.fromEntries([...good.outputs].map(([f, t]) => [path.relative(path.join(dir, "dist"), f), t])));

    // TS4094 comes from declaration emit only: the program type-checks, the emit fails.
    fs.writeFileSync(path.join(dir, "src", "util.ts"), "export const one = 2;\nexport const C = class { private p = 1; };\n");
    fs.mkdirSync(path.join(dir, "src", "more"));
    fs.writeFileSync(path.join(dir, "src", "more", "extra.ts"), "export const extra = 1;\n");
    const bad = compile({ tsconfig: path.join(dir, "tsconfig.json") });
    expect(bad.diagnostics.map((d) => d.code)).toEqual(["TS4094"]);
    expect(bad.outputs.size).toBe(0);
    expect(tree(path.join(dir, "dist"))).toEqual(written);
  });

  /** An ES module package (esbuild emits its JavaScript) with `files` under src/. */
  function esModuleProject(root: string, files: Record<string, string>): void {
    fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify(tsconfig));
    fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
    fs.mkdirSync(path.join(root, "src"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, "src", name), text);
  }

  it("rebuilding rewrites only the outputs whose text changed", () => {
    esModuleProject(dir, { "flow.ts": flow, "util.ts": "export function one(): number {\n  return 1;\n}\n", "other.ts": "export const two = 2;\n" });
    expect(compile({ tsconfig: path.join(dir, "tsconfig.json") }).diagnostics).toEqual([]);
    const dist = path.join(dir, "dist");
    const old = new Date(Date.now() - 60_000);
    for (const f of Object.keys(tree(dist))) fs.utimesSync(path.join(dist, f), old, old);
    fs.writeFileSync(path.join(dir, "src", "util.ts"), "export function one(): number {\n  return 11;\n}\n");
    const again = compile({ tsconfig: path.join(dir, "tsconfig.json") });
    expect(again.diagnostics).toEqual([]);
    const touched = Object.keys(tree(dist)).filter((f) => fs.statSync(path.join(dist, f)).mtimeMs > old.getTime() + 30_000);
    // Only the JavaScript's text changed: its map and declaration (`one(): number`) are the same.
    expect(touched.sort()).toEqual(["util.js"]);
    expect(tree(dist)).toEqual(Object.fromEntries([...again.outputs].map(([f, t]) => [path.relative(dist, f), t])));
  });

  it("puts nothing in place when the type check fails after esbuild's outputs went to the writer", () => {
    esModuleProject(dir, { "flow.ts": flow, "util.ts": "export const one = 1;\n" });
    expect(compile({ tsconfig: path.join(dir, "tsconfig.json") }).diagnostics).toEqual([]);
    const written = tree(path.join(dir, "dist"));
    // A file slow enough to check that esbuild is done with the others before TypeScript reaches
    // the error, in the last file (the writer then holds their outputs).
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, "src", `m${String(i).padStart(2, "0")}.ts`), `export const v${i}: number = ${i};\n`);
    const repeat = 'type Rep<N extends number, A extends 0[] = []> = A["length"] extends N ? A : Rep<N, [...A, 0]>;\n';
    fs.writeFileSync(path.join(dir, "src", "n-slow.ts"), repeat + [900, 901, 902].map((n) => `export const r${n}: Rep<${n}>["length"] = ${n};\n`).join(""));
    fs.writeFileSync(path.join(dir, "src", "zz.ts"), 'export const broken: number = "not a number";\n');
    const bad = compile({ tsconfig: path.join(dir, "tsconfig.json") });
    expect(bad.diagnostics.map((d) => d.code)).toEqual(["TS2322"]);
    expect(bad.outputs.size).toBe(0);
    expect(tree(path.join(dir, "dist"))).toEqual(written);
    // The writer thread is shared: the next build (of another project) puts in place only its own outputs.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-writer-other-"));
    esModuleProject(other, { "util.ts": "export const one = 1;\n" });
    expect(compile({ tsconfig: path.join(other, "tsconfig.json") }).diagnostics).toEqual([]);
    expect(tree(path.join(dir, "dist"))).toEqual(written);
  });
});
