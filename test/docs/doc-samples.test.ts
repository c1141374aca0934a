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
 *   in reading order (README.md, examples/README.md, each example's README, then docs/). Its `# > ` comment lines are lines its output (stdout and stderr together) must
 *   contain, in order; `…` in an expected line matches anything.
 * - A before/after pair marked `<!-- doc-transform: name -->` (two ```ts blocks, the source and
 *   then what durablec makes of it) is checked by running `durablec transform` on the first block
 *   (saved as docs-samples/<name>.ts in the scratch copy, next to test/docs/fixtures/services.ts)
 *   and comparing with the second. `UPDATE_DOC_TRANSFORMS=1` rewrites the second blocks instead.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { marked, ROOT } from "./markdown-blocks.js";

const root = ROOT;

interface Sample {
  file: string;
  name: string;
  lang: string;
  code: string;
}

const found: Sample[] = marked("doc-test").map((b) => ({ file: b.file, name: b.marker!.arg, lang: b.lang, code: b.code }));

interface TransformPair {
  file: string;
  name: string;
  input: string;
  output: string;
}

const PAIR = /<!-- doc-transform: ([\w-]+) -->\s*\n```ts\n([\s\S]*?)\n```\s*\n```ts\n([\s\S]*?)\n```/g;

/** The doc-transform blocks, each source block with the output block after it. */
function pairsOf(kind: string): { file: string; name: string; first: string; second: string }[] {
  const blocks = marked(kind);
  return blocks
    .filter((b) => b.index === 0)
    .map((b) => {
      const second = blocks.find((o) => o.file === b.file && o.index === 1 && o.marker === b.marker);
      if (!second) throw new Error(`${b.file}:${b.line}: <!-- ${kind}: ${b.marker!.arg} --> needs a second block right after this one`);
      return { file: b.file, name: b.marker!.arg, first: b.code, second: second.code };
    });
}

const pairs: TransformPair[] = pairsOf("doc-transform").map((p) => ({ file: p.file, name: p.name, input: p.first, output: p.second }));

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
  cpSync(join(root, "test", "docs", "fixtures"), join(dir, "test", "docs", "fixtures"), { recursive: true });
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

  for (const pair of pairs) {
    it(`${pair.file}: ${pair.name} (durablec transform)`, () => {
      const cwd = scratchProject();
      const dir = join(cwd, "docs-samples");
      mkdirSync(dir, { recursive: true });
      cpSync(join(root, "test", "docs", "fixtures", "services.ts"), join(dir, "services.ts"));
      writeFileSync(join(dir, `${pair.name}.ts`), pair.input + "\n");
      const r = spawnSync(process.execPath, [join(root, "bin", "durablec.js"), "transform", `docs-samples/${pair.name}.ts`], { cwd, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const actual = r.stdout.replace(/\n+$/, "");
      if (process.env.UPDATE_DOC_TRANSFORMS) {
        const path = join(root, pair.file);
        const text = readFileSync(path, "utf8");
        const next = text.replace(PAIR, (whole, name: string, input: string) =>
          name === pair.name ? `<!-- doc-transform: ${name} -->\n\n\`\`\`ts\n${input}\n\`\`\`\n\n\`\`\`ts\n${actual}\n\`\`\`` : whole,
        );
        writeFileSync(path, next);
        return;
      }
      expect(pair.output, `the "after" block of ${pair.name} differs from durablec transform; UPDATE_DOC_TRANSFORMS=1 rewrites it`).toBe(actual);
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
