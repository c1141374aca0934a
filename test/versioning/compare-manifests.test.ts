import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest, ManifestOperation } from "../../compiler/emit/manifest.js";
import { compareManifests, formatCompatibility } from "../../compiler/versioning/compare-manifests.js";
import { compilePairs, listPairs, type CompiledPair } from "./fixtures.js";

let line = 0;
const op = (name: string, kind = "step", extra: Partial<ManifestOperation> = {}): ManifestOperation => ({ name, kind, origin: "effect", callee: name, file: "src/flow.ts", line: ++line, column: 3, ...extra });
const manifest = (operations: ManifestOperation[], entry = "flow"): Manifest => ({ version: 1, entries: { [entry]: { export: entry, file: "src/flow.ts", line: 1, column: 1, operations } } });
const kinds = (m1: Manifest, m2: Manifest) => compareManifests(m1, m2).changes.map((c) => [c.kind, c.safe, c.previous?.position, c.current?.position]);

describe("compareManifests", () => {
  it("identical skeletons: compatible, no changes", () => {
    const r = compareManifests(manifest([op("a"), op("b")]), manifest([op("a"), op("b")]));
    expect(r).toMatchObject({ compatible: true, changes: [], unchanged: 2 });
  });

  it("appended after every old operation: safe", () => {
    expect(kinds(manifest([op("a")]), manifest([op("a"), op("b"), op("w", "wait")]))).toEqual([
      ["appended", true, undefined, "2"],
      ["appended", true, undefined, "3"],
    ]);
  });

  it("inserted before an existing operation: unsafe, pointing at the operation it shifts", () => {
    const r = compareManifests(manifest([op("a"), op("b")]), manifest([op("a"), op("x"), op("b")]));
    expect(r.compatible).toBe(false);
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ kind: "inserted", safe: false, current: { name: "x", position: "2" }, previous: { name: "b", position: "2" } });
    expect(r.changes[0]!.reason).toMatch(/NonDeterministicExecutionError/);
  });

  it("removed, renamed, kind-changed, reordered", () => {
    expect(kinds(manifest([op("a"), op("b"), op("c")]), manifest([op("a"), op("c")]))).toEqual([["removed", false, "2", undefined]]);
    expect(kinds(manifest([op("a"), op("b")]), manifest([op("a"), op("B")]))).toEqual([["renamed", false, "2", "2"]]);
    expect(kinds(manifest([op("a"), op("b")]), manifest([op("a"), op("b", "wait")]))).toEqual([["kind-changed", false, "2", "2"]]);
    expect(kinds(manifest([op("a"), op("b"), op("c")]), manifest([op("b"), op("a"), op("c")]))).toEqual([["reordered", false, "1", "2"]]);
  });

  it("removing the last operation is unsafe, and the reason says the SDK cannot notice", () => {
    const r = compareManifests(manifest([op("a"), op("b")]), manifest([op("a")]));
    expect(r.changes[0]).toMatchObject({ kind: "removed", safe: false });
    expect(r.changes[0]!.reason).toMatch(/cannot notice/);
  });

  it("a kind that maps to the same SDK type with the same name is unchanged (waitForCallback and childContext differ by subtype)", () => {
    expect(kinds(manifest([op("a", "waitForCallback")]), manifest([op("a", "childContext")]))).toEqual([["kind-changed", false, "1", "1"]]);
  });

  it("children of a child context are compared at nested positions", () => {
    const child = (ops: ManifestOperation[]) => op("flow/prepare", "childContext", { children: ops });
    expect(kinds(manifest([op("a"), child([op("p")])]), manifest([op("a"), child([op("p"), op("q")])]))).toEqual([["appended", true, undefined, "2-2"]]);
    expect(kinds(manifest([op("a"), child([op("p")])]), manifest([op("a"), child([op("q"), op("p")])]))).toEqual([["inserted", false, "2-1", "2-1"]]);
  });

  it("options changes are safe; entries added are safe, removed are not", () => {
    expect(kinds(manifest([op("a", "step", { options: { retry: 1 } })]), manifest([op("a", "step", { options: { retry: 2 } })]))).toEqual([["options-changed", true, "1", "1"]]);
    const two: Manifest = { version: 1, entries: { ...manifest([op("a")]).entries, ...manifest([op("b")], "other").entries } };
    expect(kinds(manifest([op("a")]), two)).toEqual([["entry-added", true, undefined, undefined]]);
    expect(kinds(two, manifest([op("a")]))).toEqual([["entry-removed", false, undefined, undefined]]);
  });

  it("reports both source locations and formats one line per change, unsafe first", () => {
    const r = compareManifests(manifest([op("a", "step", { line: 10 })]), manifest([op("z", "step", { line: 12 }), op("a", "step", { line: 13 }), op("b", "step", { line: 14 })]));
    const text = formatCompatibility(r);
    expect(text.split("\n")[0]).toMatch(/^UNSAFE: flow: inserted: step 'z' \(src\/flow\.ts:12:3\) was inserted at position 1, before step 'a' \(src\/flow\.ts:10:3, recorded at position 1\)/);
    expect(text).toMatch(/safe: flow: appended: step 'b' \(src\/flow\.ts:14:3\)/);
    expect(text.split("\n").at(-1)).toMatch(/1 change\(s\) unsafe for executions in flight \(1 safe\)/);
  });
});

describe("replay-compatibility fixtures: compiled (old, new) pairs", () => {
  let pairs: CompiledPair[] = [];
  beforeAll(() => {
    pairs = compilePairs(path.resolve(".tmp/versioning-fixtures-classify"));
  });

  it("there are at least 15 pairs", () => {
    expect(listPairs().length).toBeGreaterThanOrEqual(15);
  });

  it.each(listPairs())("%s is classified as expected", (name) => {
    const pair = pairs.find((p) => p.name === name)!;
    const result = compareManifests(pair.old, pair.new);
    const got = result.changes.map((c) => [c.kind, c.safe]).sort();
    expect(got).toEqual([...pair.expected.changes].sort());
    expect(result.compatible).toBe(pair.expected.changes.every(([, safe]) => safe));
    for (const c of result.changes) {
      // Every location points into the fixture's own files, at a real line.
      for (const r of [c.previous, c.current]) {
        if (!r) continue;
        expect(r.file).toMatch(new RegExp(`^${name}/(old|new)\\.ts$`));
        expect(r.line).toBeGreaterThan(0);
      }
    }
  });
});
