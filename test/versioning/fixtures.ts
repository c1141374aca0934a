/**
 * Replay-compatibility fixtures: each directory under fixtures/ holds an (old.ts, new.ts) pair of
 * one program and expected.json: the classified changes, and what happens at run time to an
 * execution started on the old build, paused on a callback, and resumed on the new one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { RewrittenFile } from "../../compiler/compile.js";
import { transformProject } from "../../compiler/compile.js";
import { emitProject, writeOutputs } from "../../compiler/emit/emit-project.js";
import type { Manifest } from "../../compiler/emit/manifest.js";
import { loadProjectFromFiles } from "../../compiler/project/load-project.js";

export const VERSIONING_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

export interface PairExpectation {
  /** [kind, safe] of every change, in any order. */
  changes: [string, boolean][];
  /** replays: SUCCEEDED on the new build; fails: NonDeterministicExecutionError; undetected: unsafe, but this execution cannot see it (see note); no-handler: the entry is gone. */
  runtime: "replays" | "fails" | "undetected" | "no-handler";
  note?: string;
  /**
   * For "undetected": what happens to an execution whose invocation died right after the
   * checkpoint of operation `after` on the old build, and is retried on the new one.
   * "fails": NonDeterministicExecutionError (the change is visible from there);
   * "silent": the SDK still cannot see it, and the execution ends as if nothing had changed.
   */
  interrupted?: { after: string; outcome: "fails" | "silent" };
}

export interface CompiledPair {
  name: string;
  dir: string;
  expected: PairExpectation;
  old: Manifest;
  new: Manifest;
  /** Emitted JavaScript of old.ts and new.ts. */
  oldJs: string;
  newJs: string;
}

export function listPairs(): string[] {
  return fs
    .readdirSync(VERSIONING_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .map((d) => d.name)
    .sort();
}

/** Compiles every pair in one project and emits JavaScript under `outDir`. */
export function compilePairs(outDir: string): CompiledPair[] {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) files[p] = fs.readFileSync(p, "utf8");
    }
  };
  walk(VERSIONING_FIXTURES);
  const { project } = loadProjectFromFiles(files, VERSIONING_FIXTURES);
  const rewritten = new Map<string, RewrittenFile>();
  const pairs: CompiledPair[] = [];
  for (const name of listPairs()) {
    const dir = path.join(VERSIONING_FIXTURES, name);
    const manifests: Manifest[] = [];
    for (const which of ["old.ts", "new.ts"]) {
      const result = transformProject(project, { rootDir: VERSIONING_FIXTURES, files: [project.getSourceFileOrThrow(path.join(dir, which))] });
      const errors = result.diagnostics.filter((d) => d.category === "error");
      if (errors.length) throw new Error(`${name}/${which}: ${JSON.stringify(errors)}`);
      for (const [k, v] of result.files) rewritten.set(k, v);
      manifests.push(result.manifest);
    }
    pairs.push({
      name,
      dir,
      expected: JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as PairExpectation,
      old: manifests[0]!,
      new: manifests[1]!,
      oldJs: path.join(outDir, name, "old.js"),
      newJs: path.join(outDir, name, "new.js"),
    });
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  const emitted = emitProject(project, rewritten, { rootDir: VERSIONING_FIXTURES, outDir, manifest: { version: 1, entries: {} } });
  if (emitted.diagnostics.length) throw new Error(JSON.stringify(emitted.diagnostics));
  writeOutputs(emitted.outputs);
  return pairs;
}
