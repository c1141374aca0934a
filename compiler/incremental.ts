/**
 * What a watch-mode build keeps from the previous build of the same ts-morph Project, so that a
 * rebuild after an edit checks, analyses, rewrites and emits only what the edit can affect.
 *
 * A file is *dirty* when its text changed, when it was added or removed, or when it imports a
 * dirty file, directly or not: its type errors, the effects the analysis infers through its
 * calls, and its compiled output can only change then. An edit to a file that is not a module
 * (a script, or a module with `declare global` / `declare module`) can change any file: then
 * everything is dirty. Every other file keeps its diagnostics, analyses and outputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ts, type Project, type SourceFile } from "./project/ts-morph.js";
import type { FunctionAnalysis } from "./analysis/analyze-durable-function.js";
import type { RewrittenFile } from "./compile.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";

export class BuildCache {
  /** Text of every project file at the last build. */
  readonly texts = new Map<string, string>();
  /** Files each file imports (resolved, project files only), at the last build. */
  readonly imports = new Map<string, Set<string>>();
  /** TypeScript's diagnostics per file. */
  readonly tsDiagnostics = new Map<string, Diagnostic[]>();
  /** Per file: its durable functions' analyses and durablec's diagnostics (analysis, handwritten handlers, calls from ordinary code). */
  readonly analyses = new Map<string, { analyses: FunctionAnalysis[]; diagnostics: Diagnostic[] }>();
  readonly rewritten = new Map<string, RewrittenFile>();
  /** Files whose outputs on disk are out of date (a build with errors writes nothing). */
  readonly pendingEmit = new Set<string>();
  /** False until a first build filled the cache. */
  filled = false;

  /**
   * Starts a build of `files`: returns the files to process again (undefined: every file), forgets
   * what was cached for them, and marks them to be emitted. A build that stops early leaves them
   * to the next one.
   */
  startBuild(project: Project, files: readonly SourceFile[]): Set<string> | undefined {
    const current = new Map(files.map((f) => [path.normalize(f.getFilePath()), f]));
    const imports = importGraph(project, current);
    if (!this.filled) return this.record(current, imports, undefined);
    const changed = new Set<string>();
    for (const [name, file] of current) if (this.texts.get(name) !== file.getFullText()) changed.add(name);
    for (const name of this.texts.keys()) if (!current.has(name)) changed.add(name);
    for (const name of changed) {
      const file = current.get(name);
      if (file && affectsEveryFile(file)) return this.record(current, imports, undefined);
    }
    // Importers now and at the last build (an import may just have been added or removed).
    const importers = new Map<string, Set<string>>();
    for (const graph of [this.imports, imports]) {
      for (const [from, targets] of graph) {
        for (const to of targets) {
          let set = importers.get(to);
          if (!set) importers.set(to, (set = new Set()));
          set.add(from);
        }
      }
    }
    const dirty = new Set(changed);
    const queue = [...changed];
    while (queue.length) {
      for (const from of importers.get(queue.pop()!) ?? []) {
        if (dirty.has(from)) continue;
        dirty.add(from);
        queue.push(from);
      }
    }
    return this.record(current, imports, dirty);
  }

  private record(current: Map<string, SourceFile>, imports: Map<string, Set<string>>, dirty: Set<string> | undefined): Set<string> | undefined {
    const results = [this.tsDiagnostics, this.analyses, this.rewritten];
    for (const name of this.texts.keys()) if (!current.has(name)) for (const map of results) map.delete(name);
    if (dirty) {
      // TypeScript's diagnostics of a dirty file are computed again before anything reads them.
      for (const name of dirty) for (const map of [this.analyses, this.rewritten]) map.delete(name);
    } else {
      for (const map of results) map.clear();
    }
    this.texts.clear();
    for (const [name, file] of current) this.texts.set(name, file.getFullText());
    for (const name of dirty ?? this.texts.keys()) this.pendingEmit.add(name);
    this.imports.clear();
    for (const [k, v] of imports) this.imports.set(k, v);
    this.filled = true;
    return dirty;
  }
}

/** Project files each project file imports, from the program's module resolution. */
function importGraph(project: Project, files: ReadonlyMap<string, SourceFile>): Map<string, Set<string>> {
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  const graph = new Map<string, Set<string>>();
  for (const name of files.keys()) {
    const sf = program.getSourceFile(name) as (ts.SourceFile & { imports?: readonly ts.StringLiteralLike[] }) | undefined;
    if (!sf) continue;
    const targets = new Set<string>();
    // Every module specifier of the file (imports, exports, import types, dynamic imports).
    for (const literal of sf.imports ?? []) {
      const target = checker.getSymbolAtLocation(literal)?.valueDeclaration;
      if (target && ts.isSourceFile(target) && files.has(path.normalize(target.fileName))) targets.add(path.normalize(target.fileName));
    }
    graph.set(name, targets);
  }
  return graph;
}

/** A script, or a module that declares globals or augments modules: its edits reach every file. */
function affectsEveryFile(file: SourceFile): boolean {
  const sf = file.compilerNode;
  if (!ts.isExternalModule(sf)) return true;
  return sf.statements.some((s) => ts.isModuleDeclaration(s) && (ts.isStringLiteral(s.name) || (s.flags & ts.NodeFlags.GlobalAugmentation) !== 0));
}

/** Brings a watched Project up to date with files changed on disk (edited, added or deleted). */
export function refreshProject(project: Project, changed: Iterable<string>): void {
  for (const file of changed) {
    const sf = project.getSourceFile(file);
    if (sf && fs.existsSync(file)) sf.refreshFromFileSystemSync();
    else if (sf) project.removeSourceFile(sf);
    else if (fs.existsSync(file) && /\.(ts|tsx|mts|cts)$/.test(file) && !/\.d\.[cm]?ts$/.test(file)) project.addSourceFileAtPath(file);
  }
}
