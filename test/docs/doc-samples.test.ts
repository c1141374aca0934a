/**
 * Every code sample in README.md and docs/ that is marked `<!-- doc-test: name -->` runs here, so
 * the docs cannot rot. A TypeScript sample runs as an ES module inside the package (so
 * `durablec/...` imports resolve to the build); its `// > ` comment lines are the output it must
 * print, in order.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

interface Sample {
  file: string;
  name: string;
  lang: string;
  code: string;
}

function samples(): Sample[] {
  const files = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const out: Sample[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    const re = /<!-- doc-test: ([\w-]+) -->\s*\n```(\w+)\n([\s\S]*?)\n```/g;
    for (const m of text.matchAll(re)) out.push({ file, name: m[1]!, lang: m[2]!, code: m[3]! });
  }
  return out;
}

const found = samples();

describe("documentation samples", () => {
  it("finds the marked samples", () => {
    expect(found.map((s) => s.name)).toContain("service-api");
    expect(new Set(found.map((s) => s.name)).size).toBe(found.length);
  });

  for (const sample of found.filter((s) => s.lang === "ts")) {
    it(`${sample.file}: ${sample.name}`, () => {
      const dir = join(root, ".tmp", "doc-tests");
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${sample.name}.mts`);
      writeFileSync(path, sample.code);
      const stdout = execFileSync(process.execPath, ["--import", "tsx", path], { cwd: root, encoding: "utf8" });
      const expected = sample.code
        .split("\n")
        .filter((l) => l.trimStart().startsWith("// > "))
        .map((l) => l.trimStart().slice(5));
      expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
      const printed = stdout.split("\n").filter((l) => l.length > 0 && !l.startsWith('{"requestId"'));
      expect(printed).toEqual(expected);
    });
  }
});
