/**
 * Per-file compilation against one shared, long-lived ts-morph Project: what the esbuild plugin
 * (and the bundler) need from the compiler. The Project is loaded once per build session and
 * refreshed from disk between rebuilds, so TypeScript reuses every unchanged source file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createProject, ts, type Project, type SourceFile } from "../project/ts-morph.js";
import { projectSourceFiles, transformProject, type RewrittenFile } from "../compile.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { encodeMappings } from "../emit/source-map.js";
import type { Manifest } from "../emit/manifest.js";
import { CONFIG_FILE_NAME, loadDurableConfig } from "../project/config.js";
import { DEFAULT_COMPILER_OPTIONS, fromTsDiagnostic } from "../project/load-project.js";

/** Only files whose text mentions the directive can hold durable code (a cheap first filter). */
export function mayHaveDurableCode(text: string): boolean {
  return text.includes("use durable");
}

export interface FileTransform {
  fileName: string;
  /** Rewritten TypeScript; undefined when the file needs no rewrite (or has errors). */
  code?: string;
  /** The rewritten file's source map (rewritten → original), v3 JSON object. */
  map?: { version: 3; sources: string[]; sourcesContent: string[]; names: string[]; mappings: string };
  diagnostics: Diagnostic[];
  manifest: Manifest;
  /** Files whose contents the analysis of this file depended on (itself, local imports transitively, durable.config.json). */
  dependencies: string[];
  rewritten?: RewrittenFile;
}

export interface SessionOptions {
  /** tsconfig.json whose compiler options (and, unless `addOnDemand`, files) the session uses. */
  tsconfig?: string;
  /** Root of the project: manifest paths are relative to it; `durable.config.json` is read from it. */
  rootDir: string;
  /** Report TypeScript's own errors in durable files (default true). */
  typeCheck?: boolean;
}

/**
 * One compilation session: a ts-morph Project shared by every file of a build and by later
 * rebuilds. Call `refresh()` before each rebuild; it re-reads files whose mtime changed and drops
 * cached results that depended on them.
 */
export class CompileSession {
  readonly project: Project;
  readonly rootDir: string;
  readonly #typeCheck: boolean;
  readonly #mtimes = new Map<string, number>();
  readonly #cache = new Map<string, FileTransform>();
  readonly #configFile: string;
  #configStamp: number | undefined;
  stats = { transforms: 0, cacheHits: 0, refreshed: 0 };

  constructor(options: SessionOptions) {
    this.rootDir = path.resolve(options.rootDir);
    this.#typeCheck = options.typeCheck ?? true;
    this.#configFile = path.join(this.rootDir, CONFIG_FILE_NAME);
    this.#configStamp = stamp(this.#configFile);
    if (options.tsconfig && fs.existsSync(options.tsconfig)) {
      this.project = createProject({ tsConfigFilePath: path.resolve(options.tsconfig), skipAddingFilesFromTsConfig: true });
      // Every durable file of the tsconfig (and what it imports) up front: adding files one by one
      // as esbuild loads them would make a new program (and type checker) per durable file.
      const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(path.resolve(options.tsconfig), ts.sys.readFile).config ?? {}, ts.sys, path.dirname(path.resolve(options.tsconfig)));
      for (const name of parsed.fileNames) {
        if (/\.d\.[cm]?ts$/.test(name) || name.includes(`${path.sep}node_modules${path.sep}`)) continue;
        let text: string;
        try {
          text = fs.readFileSync(name, "utf8");
        } catch {
          continue;
        }
        if (!mayHaveDurableCode(text)) continue;
        this.project.createSourceFile(path.normalize(name), text, { overwrite: true });
      }
      this.project.resolveSourceFileDependencies();
      for (const sf of this.project.getSourceFiles()) this.#mtimes.set(path.normalize(sf.getFilePath()), stamp(sf.getFilePath()) ?? -1);
    } else {
      this.project = createProject({ compilerOptions: { ...DEFAULT_COMPILER_OPTIONS }, skipAddingFilesFromTsConfig: true });
    }
  }

  /** Re-reads changed files from disk; returns the files that changed. */
  refresh(): string[] {
    const changed: string[] = [];
    for (const sf of this.project.getSourceFiles()) {
      if (sf.isInNodeModules() || sf.isDeclarationFile()) continue;
      const file = path.normalize(sf.getFilePath());
      const before = this.#mtimes.get(file);
      const now = stamp(file);
      if (before === now) continue;
      this.#mtimes.set(file, now ?? -1);
      if (now === undefined) {
        this.project.removeSourceFile(sf);
        changed.push(file);
        continue;
      }
      const result = sf.refreshFromFileSystemSync();
      if (result !== 0 /* FileSystemRefreshResult.NoChange */) changed.push(file);
    }
    const configNow = stamp(this.#configFile);
    if (configNow !== this.#configStamp) {
      this.#configStamp = configNow;
      changed.push(this.#configFile);
    }
    if (changed.length) {
      // An edited file may import a file the project has not loaded yet.
      for (const added of this.project.resolveSourceFileDependencies()) this.#mtimes.set(path.normalize(added.getFilePath()), stamp(added.getFilePath()) ?? -1);
      this.stats.refreshed += changed.length;
      const set = new Set(changed);
      for (const [file, t] of this.#cache) if (t.dependencies.some((d) => set.has(d))) this.#cache.delete(file);
    }
    return changed;
  }

  /** The source file for `fileName`, added to the project (with its local imports) if needed. */
  #sourceFile(fileName: string, text: string): SourceFile {
    let sf = this.project.getSourceFile(fileName);
    if (sf && sf.getFullText() !== text) {
      sf.replaceWithText(text);
      this.#mtimes.set(fileName, stamp(fileName) ?? -1);
    }
    if (!sf) {
      sf = this.project.createSourceFile(fileName, text, { overwrite: true });
      this.#mtimes.set(fileName, stamp(fileName) ?? -1);
      const added = this.project.resolveSourceFileDependencies();
      for (const dep of added) this.#mtimes.set(path.normalize(dep.getFilePath()), stamp(dep.getFilePath()) ?? -1);
    }
    return sf;
  }

  /**
   * Analyses and rewrites one file against the shared project. Returns no `code` for a file
   * without durable code. Results are cached until a dependency changes (see `refresh`).
   */
  transformFile(fileName: string, text?: string): FileTransform {
    const file = path.normalize(path.resolve(fileName));
    const cached = this.#cache.get(file);
    if (cached && (text === undefined || cached.rewritten?.original === text || (!cached.rewritten && this.project.getSourceFile(file)?.getFullText() === text))) {
      this.stats.cacheHits++;
      return cached;
    }
    const source = text ?? fs.readFileSync(file, "utf8");
    const sf = this.#sourceFile(file, source);
    if (this.#compileBatch(sf)) {
      const batched = this.#cache.get(file);
      if (batched) return batched;
    }
    this.stats.transforms++;
    const { config, diagnostics } = loadDurableConfig(this.rootDir);
    const dependencies = this.dependenciesOf(sf);
    if (hasErrors(diagnostics)) return { fileName: file, diagnostics, manifest: { version: 1, entries: {} }, dependencies };
    const tsDiagnostics: Diagnostic[] = [];
    if (this.#typeCheck) {
      const program = this.project.getProgram().compilerObject;
      const tsFile = program.getSourceFile(sf.getFilePath());
      if (tsFile) {
        const syntactic = program.getSyntacticDiagnostics(tsFile);
        tsDiagnostics.push(...syntactic.map(fromTsDiagnostic));
        if (syntactic.length === 0) tsDiagnostics.push(...program.getSemanticDiagnostics(tsFile).map(fromTsDiagnostic));
      }
    }
    let result: FileTransform;
    if (hasErrors(tsDiagnostics)) {
      result = { fileName: file, diagnostics: [...diagnostics, ...tsDiagnostics.filter((d) => d.category === "error")], manifest: { version: 1, entries: {} }, dependencies };
    } else {
      const transformed = transformProject(this.project, { rootDir: this.rootDir, config, files: [sf], typeCheck: false });
      const rewritten = transformed.files.get(file);
      result = { fileName: file, diagnostics: [...diagnostics, ...transformed.diagnostics], manifest: transformed.manifest, dependencies };
      if (rewritten && !hasErrors(transformed.diagnostics)) {
        result.rewritten = rewritten;
        result.code = rewritten.code;
        result.map = { version: 3, sources: [file], sourcesContent: [rewritten.original], names: [], mappings: encodeMappings(rewritten.mappings) };
      }
    }
    this.#cache.set(file, result);
    return result;
  }

  /**
   * Compiles every durable file of the project that has no cached result, in one pass (one
   * discovery, one effect inference), when none of them has an error. Files with errors are
   * compiled one by one, so that each reports its own and the others still build.
   */
  #compileBatch(requested: SourceFile): boolean {
    const pending = projectSourceFiles(this.project).filter((f) => !this.#cache.has(path.normalize(f.getFilePath())) && mayHaveDurableCode(f.getFullText()));
    if (pending.length < 2 || !pending.includes(requested)) return false;
    const { config, diagnostics: configDiagnostics } = loadDurableConfig(this.rootDir);
    if (configDiagnostics.length) return false;
    if (this.#typeCheck) {
      const program = this.project.getProgram().compilerObject;
      for (const f of pending) {
        const tsFile = program.getSourceFile(f.getFilePath());
        if (!tsFile) continue;
        if (program.getSyntacticDiagnostics(tsFile).length || program.getSemanticDiagnostics(tsFile).some((d) => d.category === ts.DiagnosticCategory.Error)) return false;
      }
    }
    const result = transformProject(this.project, { rootDir: this.rootDir, config, files: pending, typeCheck: false });
    if (hasErrors(result.diagnostics)) return false;
    this.stats.transforms++;
    for (const f of pending) {
      const file = path.normalize(f.getFilePath());
      const rel = path.relative(this.rootDir, file).split(path.sep).join("/");
      const entries = Object.fromEntries(Object.entries(result.manifest.entries).filter(([, e]) => e.file === rel));
      const t: FileTransform = { fileName: file, diagnostics: result.diagnostics.filter((d) => d.file === file), manifest: { version: 1, entries }, dependencies: this.dependenciesOf(f) };
      const rewritten = result.files.get(file);
      if (rewritten) {
        t.rewritten = rewritten;
        t.code = rewritten.code;
        t.map = { version: 3, sources: [file], sourcesContent: [rewritten.original], names: [], mappings: encodeMappings(rewritten.mappings) };
      }
      this.#cache.set(file, t);
    }
    return true;
  }

  /**
   * The local files the analysis of `sf` may have read: the file, every project file it imports
   * (transitively: effects are inferred across modules), and durable.config.json.
   */
  dependenciesOf(sf: SourceFile): string[] {
    const seen = new Set<SourceFile>([sf]);
    const queue = [sf];
    while (queue.length) {
      const cur = queue.pop()!;
      for (const ref of referencedFiles(cur)) {
        if (seen.has(ref) || ref.isInNodeModules() || ref.isDeclarationFile()) continue;
        seen.add(ref);
        queue.push(ref);
      }
    }
    const files = [...seen].map((f) => path.normalize(f.getFilePath()));
    if (fs.existsSync(this.#configFile)) files.push(this.#configFile);
    return files;
  }
}

function referencedFiles(sf: SourceFile): SourceFile[] {
  const out: SourceFile[] = [];
  for (const d of sf.getImportDeclarations()) {
    const target = d.getModuleSpecifierSourceFile();
    if (target) out.push(target);
  }
  for (const d of sf.getExportDeclarations()) {
    const target = d.getModuleSpecifierSourceFile();
    if (target) out.push(target);
  }
  return out;
}

function stamp(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
