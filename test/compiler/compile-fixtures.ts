/**
 * Compiles chosen fixtures to JavaScript for behaviour tests that need more than run.json (hooks
 * into the test doubles, callbacks, failures): `const load = compileFixtures(["serdes/x"], "name")`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { RewrittenFile } from "../../compiler/compile.js";
import { emitProject, writeOutputs } from "../../compiler/emit/emit-project.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixture, fixturesProject, FIXTURES, listFixtures } from "./fixture-runner.js";

export interface CompiledFixtures {
  /** The compiled `withDurableExecution` handler exported as `entry` by the fixture's input. */
  handler(id: string, entry: string): Promise<DurableHandler>;
  /** Any compiled module of the fixtures tree (test doubles share state with the handlers). */
  module<T = Record<string, unknown>>(relativeToFixtures: string): Promise<T>;
}

export function compileFixtures(ids: readonly string[], name: string): CompiledFixtures {
  const out = path.resolve(FIXTURES, "../../../.tmp", name);
  const project = fixturesProject();
  const rewritten = new Map<string, RewrittenFile>();
  for (const id of ids) {
    const fixture = listFixtures().find((f) => f.id === id);
    if (!fixture) throw new Error(`no fixture ${id}`);
    const result = compileFixture(project, fixture);
    const errors = result.diagnostics.filter((d) => d.category === "error");
    if (errors.length) throw new Error(`${id}: ${JSON.stringify(errors)}`);
    for (const [k, v] of result.files) rewritten.set(k, v);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const emitted = emitProject(project, rewritten, { rootDir: FIXTURES, outDir: out, manifest: { version: 1, entries: {} } });
  if (emitted.diagnostics.length) throw new Error(JSON.stringify(emitted.diagnostics));
  writeOutputs(emitted.outputs);
  const load = async (rel: string) => (await import(pathToFileURL(path.join(out, rel.replace(/\.ts$/, ".js"))).href)) as Record<string, unknown>;
  return {
    async handler(id, entry) {
      const h = (await load(`${id}/input.ts`))[entry];
      if (typeof h !== "function") throw new Error(`${id} has no export ${entry}`);
      return h as DurableHandler;
    },
    async module<T>(rel: string) {
      return (await load(rel)) as T;
    },
  };
}
