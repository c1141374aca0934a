/**
 * Compiles test/runtime/fixtures/typed-project (entries with typed events, a step that throws)
 * into a fresh folder under .tmp, where its imports (durablec/internal, the SDK, zod) resolve.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/index.js";
import type { Manifest } from "../../compiler/emit/manifest.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const FIXTURE = join(ROOT, "test", "runtime", "fixtures", "typed-project");

export interface TypedProject {
  /** The copy of the project (its root: src/, tsconfig.json, out/). */
  dir: string;
  /** out/orders.js */
  module: string;
  manifest: Manifest;
  cleanup(): void;
}

export function compileTypedProject(name: string): TypedProject {
  const dir = join(ROOT, ".tmp", `typed-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(FIXTURE, dir, { recursive: true });
  const result = compile({ tsconfig: join(dir, "tsconfig.json"), write: true });
  const errors = result.diagnostics.filter((d) => d.category === "error");
  if (errors.length) throw new Error(`the typed project does not compile: ${JSON.stringify(errors)}`);
  return { dir, module: join(dir, "out", "orders.js"), manifest: result.manifest, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The line of `text` in a fixture source file (1-based), so tests do not hard-code line numbers. */
export function lineOf(file: "orders.ts" | "payments.ts", text: string): number {
  const lines = readFileSync(join(FIXTURE, "src", file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${file} has no line with ${text}`);
  return i + 1;
}
