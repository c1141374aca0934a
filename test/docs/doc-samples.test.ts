/**
 * Every code sample in README.md, docs/ and examples/ that is marked `<!-- doc-test: name -->`
 * runs here, so the docs cannot rot.
 *
 * - A TypeScript sample (```ts) runs as an ES module inside the package (so `durablec/...`
 *   imports resolve to the build); its `// > ` comment lines are the output it must print, in
 *   order.
 * - A shell sample (```sh) runs in bash in a scratch copy of the project (package.json,
 *   tsconfig.json, examples/, with bin/, dist/ and node_modules/ linked), with `durablec` on the
 *   PATH, as a reader following the docs would run it: all shell samples share one copy and run
 *   in order (README.md, docs/, examples/README.md, then each example's README). Its `# > ` comment lines are lines its output (stdout and stderr together) must
 *   contain, in order; `…` in an expected line matches anything.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

interface Sample {
  file: string;
  name: string;
  lang: string;
  code: string;
}

function markdownFiles(): string[] {
  const files = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  if (existsSync(join(root, "examples"))) {
    if (existsSync(join(root, "examples", "README.md"))) files.push("examples/README.md");
    for (const entry of readdirSync(join(root, "examples"), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(root, "examples", entry.name, "README.md"))) files.push(`examples/${entry.name}/README.md`);
    }
  }
  return files;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(join(root, file), "utf8");
    const re = /<!-- doc-test: ([\w-]+) -->\s*\n```(\w+)\n([\s\S]*?)\n```/g;
    for (const m of text.matchAll(re)) out.push({ file, name: m[1]!, lang: m[2]!, code: m[3]! });
  }
  return out;
}

const found = samples();

/** The lines a sample says it prints: `// > …` (TypeScript) or `# > …` (shell). */
function expectedLines(code: string, marker: string): string[] {
  return code
    .split("\n")
    .filter((l) => l.trimStart().startsWith(marker))
    .map((l) => l.trimStart().slice(marker.length));
}

/** Whether `expected` appear in `printed` in order (not necessarily adjacent); `…` matches anything. */
export function containsInOrder(printed: readonly string[], expected: readonly string[]): { ok: boolean; missing?: string } {
  let i = 0;
  for (const want of expected) {
    const re = new RegExp(`^${want.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    while (i < printed.length && !re.test(printed[i]!.trimEnd())) i++;
    if (i === printed.length) return { ok: false, missing: want };
    i++;
  }
  return { ok: true };
}

// ---- shell samples: one scratch copy of the project ------------------------------------------

let scratch: string | undefined;
const scratchRoot = mkdtempSync(join(tmpdir(), "durablec-doc-sh-"));
afterAll(() => rmSync(scratchRoot, { recursive: true, force: true }));

function scratchProject(): string {
  if (scratch) return scratch;
  const dir = join(scratchRoot, "project");
  mkdirSync(dir, { recursive: true });
  for (const f of ["package.json", "tsconfig.json"]) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, "examples"), join(dir, "examples"), { recursive: true, filter: (src) => !/[\\/]examples[\\/]dist([\\/]|$)/.test(src) });
  for (const d of ["bin", "dist", "node_modules"]) symlinkSync(join(root, d), join(dir, d), "dir");
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "durablec"), `#!/bin/sh\nexec "${process.execPath}" "${join(root, "bin", "durablec.js")}" "$@"\n`);
  chmodSync(join(bin, "durablec"), 0o755);
  scratch = dir;
  return dir;
}

describe("documentation samples", () => {
  it("finds the marked samples", () => {
    expect(found.map((s) => s.name)).toContain("service-api");
    expect(new Set(found.map((s) => s.name)).size).toBe(found.length);
  });

  it("matches expected lines in order, with … as a wildcard", () => {
    expect(containsInOrder(["a", "SUCCEEDED in 0.12s", "c"], ["SUCCEEDED in …", "c"]).ok).toBe(true);
    expect(containsInOrder(["c", "a"], ["a", "c"])).toEqual({ ok: false, missing: "c" });
  });

  for (const sample of found.filter((s) => s.lang === "ts")) {
    it(`${sample.file}: ${sample.name}`, () => {
      const dir = join(root, ".tmp", "doc-tests");
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${sample.name}.mts`);
      writeFileSync(path, sample.code);
      const stdout = execFileSync(process.execPath, ["--import", "tsx", path], { cwd: root, encoding: "utf8" });
      const expected = expectedLines(sample.code, "// > ");
      expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
      const printed = stdout.split("\n").filter((l) => l.length > 0 && !l.startsWith('{"requestId"'));
      expect(printed).toEqual(expected);
    });
  }

  for (const sample of found.filter((s) => s.lang === "sh")) {
    it(`${sample.file}: ${sample.name}`, () => {
      const cwd = scratchProject();
      const r = spawnSync("bash", ["-c", `exec 2>&1\n${sample.code}`], {
        cwd,
        encoding: "utf8",
        timeout: 180_000,
        env: { ...process.env, PATH: `${join(cwd, ".bin")}:${process.env.PATH}`, NO_COLOR: "1", DURABLEC_EXAMPLES_DATA: "" },
      });
      const expected = expectedLines(sample.code, "# > ");
      expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
      const printed = r.stdout.split("\n");
      const match = containsInOrder(printed, expected);
      expect(match.ok, `missing ${JSON.stringify(match.missing)} in the output of ${sample.name}:\n${r.stdout}`).toBe(true);
    }, 200_000);
  }
});
