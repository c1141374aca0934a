/**
 * Shared machinery of the fixture tests: every directory under fixtures/ with an input.ts is a
 * case. All cases live in one ts-morph Project (one type checker for the whole suite).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Project, SourceFile } from "ts-morph";
import { transformProject, type TransformResult } from "../../compiler/compile.js";
import { loadProjectFromFiles } from "../../compiler/project/load-project.js";
import { loadDurableConfig } from "../../compiler/project/config.js";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

export interface Fixture {
  /** `rewrite-intrinsics/sleep-string` */
  id: string;
  dir: string;
  input: string;
  isErrorCase: boolean;
}

export function listFixtures(): Fixture[] {
  const out: Fixture[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      const input = path.join(sub, "input.ts");
      if (fs.existsSync(input)) {
        const id = path.relative(FIXTURES, sub).split(path.sep).join("/");
        out.push({ id, dir: sub, input, isErrorCase: id.split("/").includes("_errors_") });
      } else walk(sub);
    }
  };
  walk(FIXTURES);
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTsFiles(p));
    else if (/\.ts$/.test(entry.name) && entry.name !== "output.ts") out.push(p);
  }
  return out;
}

let shared: Project | undefined;

/** One Project over every fixture's sources (outputs excluded). */
export function fixturesProject(): Project {
  if (!shared) {
    const files: Record<string, string> = {};
    for (const f of listTsFiles(FIXTURES)) files[f] = fs.readFileSync(f, "utf8");
    shared = loadProjectFromFiles(files, FIXTURES).project;
  }
  return shared;
}

export function fixtureSourceFiles(project: Project, fixture: Fixture): SourceFile[] {
  return project.getSourceFiles().filter((f) => f.getFilePath().startsWith(fixture.dir + path.sep) && !f.getFilePath().endsWith("output.ts"));
}

export function compileFixture(project: Project, fixture: Fixture): TransformResult {
  const { config, diagnostics } = loadDurableConfig(fixture.dir);
  const result = transformProject(project, { rootDir: fixture.dir, config, files: fixtureSourceFiles(project, fixture) });
  return { ...result, diagnostics: [...diagnostics, ...result.diagnostics] };
}
