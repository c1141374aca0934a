/**
 * The documentation blocks checked without running the scratch samples (see doc-runner.ts):
 * `durablec transform` pairs (`doc-transform`), diagnostics (`doc-diagnostics`), clean compiles
 * (`doc-compiles`), command synopses (`doc-usage`), durable.config.json files (`doc-config`) and
 * repository trees (`doc-tree`). The compiler runs in this process through the CLI's own entry
 * point, so TypeScript loads once. The markers are described in markdown-blocks.ts.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { blocks, containsInOrder, createScratchProject, durablec, ofKind, pairsOf, rewriteSecondBlock, synopses, transformSample, treePaths, treeProblems } from "./doc-runner.js";
import { ROOT } from "./markdown-blocks.js";

const root = ROOT;
const scratch = createScratchProject();
afterAll(() => scratch.remove());
const project = scratch.dir;

describe("documentation compiler samples, synopses, configs and trees", () => {
  it("have unique names (a sample is saved under its name)", () => {
    const named = new Set(["doc-test", "doc-transform", "doc-diagnostics", "doc-compiles"]);
    const names = blocks.filter((b) => b.index === 0 && named.has(b.marker?.kind ?? "")).map((b) => b.marker!.arg);
    expect(names).toContain("service-api");
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("match expected lines in order, with … as a wildcard", () => {
    expect(containsInOrder(["a", "SUCCEEDED in 0.12s", "c"], ["SUCCEEDED in …", "c"]).ok).toBe(true);
    expect(containsInOrder(["c", "a"], ["a", "c"])).toEqual({ ok: false, missing: "c" });
  });

  it("read directory trees by indentation", () => {
    expect(treePaths("a/   x\n  b/  y\n  c/\n    f.txt    z\nd/  z\n            more words")).toEqual([
      { path: "a", dir: true, children: ["b", "c"] },
      { path: "a/b", dir: true, children: [] },
      { path: "a/c", dir: true, children: ["f.txt"] },
      { path: "a/c/f.txt", dir: false, children: [] },
      { path: "d", dir: true, children: [] },
    ]);
  });

  for (const pair of pairsOf("doc-transform")) {
    it(`${pair.file}:${pair.first.line}: ${pair.name} (durablec transform)`, async () => {
      const r = await transformSample(project, pair.name, pair.first.code);
      expect(r.code, r.err).toBe(0);
      const actual = r.out.replace(/\n+$/, "");
      if (process.env.UPDATE_DOC_TRANSFORMS) return rewriteSecondBlock(pair.second, actual);
      expect(pair.second.code, `the "after" block of ${pair.name} differs from durablec transform; UPDATE_DOC_TRANSFORMS=1 rewrites it`).toBe(actual);
    }, 60_000);
  }

  for (const pair of pairsOf("doc-diagnostics")) {
    it(`${pair.file}:${pair.first.line}: ${pair.name} (durablec transform diagnostics)`, async () => {
      const r = await transformSample(project, pair.name, pair.first.code);
      const actual = r.err.replace(/\n+$/, "");
      expect(actual, "a diagnostics sample reports something").not.toBe("");
      for (const [i, line] of pair.first.code.split("\n").entries()) {
        const code = /\/\/ (DUR\d{4})\b/.exec(line)?.[1];
        if (code) expect(actual, `line ${i + 1} of ${pair.name} says ${code}`).toMatch(new RegExp(`^${pair.name}\\.ts\\(${i + 1},\\d+\\): \\w+ ${code}:`, "m"));
      }
      if (process.env.UPDATE_DOC_TRANSFORMS) return rewriteSecondBlock(pair.second, actual);
      expect(pair.second.code, `the diagnostics of ${pair.name} differ from what durablec transform reports; UPDATE_DOC_TRANSFORMS=1 rewrites them`).toBe(actual);
    }, 60_000);
  }

  for (const sample of ofKind("doc-compiles")) {
    it(`${sample.file}:${sample.line}: ${sample.marker!.arg} (compiles cleanly)`, async () => {
      const r = await transformSample(project, sample.marker!.arg, sample.code);
      expect(r.err, "no diagnostics").toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain("@aws/durable-execution-sdk-js");
    }, 60_000);
  }

  for (const block of ofKind("doc-usage")) {
    it(`${block.file}:${block.line}: command synopses match --help`, async () => {
      for (const synopsis of synopses(block.code)) {
        const words = synopsis.split(/\s+/);
        const command = words.slice(1).findIndex((w) => !/^[a-z]+$/.test(w));
        const path = words.slice(1, command === -1 ? undefined : command + 1);
        const help = await durablec([...path.slice(0, 1), "--help"], project);
        expect(help.code, `durablec ${path[0]} --help: ${help.err}`).toBe(0);
        expect(help.out, `durablec ${path.join(" ")} is not in its --help`).toContain(`durablec ${path.join(" ")}`);
        for (const option of synopsis.match(/--[a-zA-Z][\w-]*/g) ?? []) {
          expect(help.out, `${synopsis}\n  ${option} is not an option of durablec ${path[0]}`).toMatch(new RegExp(`${option}\\b`));
        }
      }
    });
  }

  for (const block of ofKind("doc-config")) {
    it(`${block.file}:${block.line}: a valid durable.config.json`, async () => {
      const { parseDurableConfig } = (await import(pathToFileURL(join(root, "dist", "compiler", "index.js")).href)) as typeof import("../../compiler/index.js");
      expect(parseDurableConfig(block.code, "durable.config.json").diagnostics).toEqual([]);
    });
  }

  for (const block of ofKind("doc-tree").filter((b) => !b.marker!.arg)) {
    it(`${block.file}:${block.line}: the directories it lists`, () => {
      expect(treeProblems(block.code, root)).toEqual([]);
    });
  }
});
