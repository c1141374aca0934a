import * as fs from "node:fs";
import * as path from "node:path";
import { ts, type Project } from "../project/ts-morph.js";
import type { RewrittenFile } from "../compile.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { lineAndColumn } from "../diagnostics/format.js";
import { reshapeDeclarations } from "./declarations.js";
import { isolatedEmit, transpiled } from "./isolated-emit.js";
import type { Manifest } from "./manifest.js";
import { chainSourceMaps, type RawSourceMap } from "./source-map.js";
import { sharedTranspiler, type TranspileJob } from "./transpiler.js";

export const MANIFEST_FILE = "durable.manifest.json";

export interface EmitOptions {
  /** Overrides the tsconfig's outDir. */
  outDir?: string;
  rootDir: string;
  manifest: Manifest;
  /** Type-check the rewritten files against the SDK's types first (DUR9002 on failure). */
  verifyOutput?: boolean;
  /** Only type-check the compiled program (as `verifyOutput`); emit nothing. */
  checkOnly?: boolean;
  /** Emit only these files (absolute, normalized paths); default: every file of the project. */
  only?: ReadonlySet<string>;
  /**
   * Called with each output (absolute path, final text) as soon as it is emitted, so the caller can
   * start writing while the rest is emitted (see OutputWriter). The caller must not make them
   * visible unless the result has no diagnostics.
   */
  onOutput?: (file: string, text: string) => void;
  /** The files without durable code, emitted ahead of the analysis (`emitAhead`). */
  ahead?: UnchangedEmit;
  /** esbuild's jobs on rewritten files, started while the analysis went on (`EarlyTranspiles`). */
  early?: EarlyTranspiles;
}

export interface EmitResult {
  diagnostics: Diagnostic[];
  /** Absolute path → content, including the manifest. Nothing is written when there are errors. */
  outputs: Map<string, string>;
  outDir: string;
}

/**
 * Emits ESM JavaScript, `.js.map` (chained back to the original source) and `.d.ts` for the
 * project, with the rewritten text of files that had durable code.
 *
 * The JavaScript of a file that needs no type information comes from esbuild, on another thread,
 * while this one emits declarations (isolated-emit.ts, transpiler.ts). TypeScript's analysed
 * program, whose type checker is already warm, emits every declaration file and the JavaScript of
 * the other unchanged files; the JavaScript of the other rewritten files comes from a second
 * program sharing every unchanged source file, with type checking off and the modules the
 * rewrites import (the SDK, durablec/internal, zod) left unresolved, so their declarations are
 * never parsed. The `.d.ts` of a rewritten file is the original file's declarations reshaped the
 * way the rewrites reshape its durable functions (emit/declarations.ts). `verifyOutput`
 * type-checks the rewritten files against the real SDK types first, which costs a program with
 * every SDK declaration in it.
 */
export function emitProject(project: Project, rewritten: ReadonlyMap<string, RewrittenFile>, options: EmitOptions): EmitResult {
  const oldProgram = project.getProgram().compilerObject;
  const base = oldProgram.getCompilerOptions();
  const outDir = outDirOf(base, options.outDir, options.rootDir);
  const byName = new Map([...rewritten.values()].map((r) => [path.normalize(r.fileName), r]));

  if (options.verifyOutput || options.checkOnly) {
    const diagnostics = checkRewrittenOutput(project, rewritten);
    if (diagnostics.length > 0 || options.checkOnly) return { diagnostics, outputs: new Map(), outDir };
  }
  if (base.noEmit || base.outFile || base.emitDeclarationOnly) {
    throw new Error("emitProject needs a program whose options allow emitting modules (see project/load-project.ts)");
  }

  const outputs = new Map<string, string>();
  const onOutput = options.onOutput;
  const output = (file: string, text: string) => {
    outputs.set(file, text);
    onOutput?.(file, text);
  };
  const relocate = relocator(base, outDir, options.rootDir, output);
  // The source map of a rewritten file maps the rewritten text: chained back to the original.
  const rewrittenOutput = (r: RewrittenFile) => relocator(base, outDir, options.rootDir, (file, text) => output(file, file.endsWith(".map") ? chainMap(text, r, base) : text));

  const emitDiagnostics: ts.Diagnostic[] = [];
  const internal: Diagnostic[] = [];
  const rootNames = new Set(oldProgram.getRootFileNames().map((f) => path.normalize(f)));
  const wanted = (fileName: string) => rootNames.has(fileName) && (!options.only || options.only.has(fileName));
  const allSources = oldProgram.getSourceFiles().filter((sf) => !sf.isDeclarationFile && wanted(path.normalize(sf.fileName)));

  // Files emitted ahead of the analysis (compile() does that): their outputs are there already.
  const ahead = options.ahead;
  const done = new Set<string>();
  if (ahead) {
    ahead.emit(onOutput ?? (() => {}));
    for (const [fileName, emitted] of ahead.emitted) {
      if (byName.has(path.normalize(fileName)) || !wanted(path.normalize(fileName))) continue;
      for (const [file, text] of emitted) outputs.set(file, text);
      done.add(fileName);
    }
    emitDiagnostics.push(...ahead.diagnostics);
  }
  const sources = allSources.filter((sf) => !done.has(sf.fileName));
  const isRewritten = (sf: ts.SourceFile) => byName.has(path.normalize(sf.fileName));

  // esbuild works on the rewritten files and on the unchanged ones while this thread emits
  // declarations. A rewritten file esbuild refused, or a thread that is gone, is emitted by a
  // program that knows the user's modules.
  const isolated = isolatedEmit(oldProgram);
  const byEsbuild = isolated ? sources.filter((sf) => isRewritten(sf) && isolated.accepts(sf)) : [];
  const jobOf = new Map<ts.SourceFile, TranspileJob>();
  const late: ts.SourceFile[] = [];
  for (const sf of byEsbuild) {
    const early = options.early?.take(byName.get(path.normalize(sf.fileName))!);
    if (early) jobOf.set(sf, early);
    else late.push(sf);
  }
  const inputs = late.map((sf) => isolated!.input(sf.fileName, byName.get(path.normalize(sf.fileName))!.code));
  const job = inputs.length > 0 ? sharedTranspiler().transpile(inputs, isolated!.options) : undefined;
  for (const sf of late) jobOf.set(sf, job!);
  const unchanged = startUnchangedEmit(
    oldProgram,
    sources.filter((sf) => !isRewritten(sf)),
    (write) => relocator(base, outDir, options.rootDir, write),
  );
  const withTypes = [...byName.values()].filter((r) => wanted(path.normalize(r.fileName)) && !byEsbuild.includes(oldProgram.getSourceFile(r.fileName)!));

  if (base.declaration) {
    for (const sf of sources.filter(isRewritten)) {
      const r = byName.get(path.normalize(sf.fileName))!;
      const reshape = reshapeDeclarations(r.declarations ?? []);
      emitDiagnostics.push(...oldProgram.emit(sf, relocate, undefined, true, { afterDeclarations: [reshape.transformer] }).diagnostics);
      const missing = reshape.missing();
      if (missing.length) internal.push(createDiagnostic("InternalError", { problem: `no declaration of ${missing.join(", ")} in the declarations of ${path.normalize(sf.fileName)}` }));
    }
  }
  unchanged.emit(output);
  emitDiagnostics.push(...unchanged.diagnostics);
  for (const sf of byEsbuild) {
    const r = byName.get(path.normalize(sf.fileName))!;
    const result = jobOf.get(sf)!.results()?.get(sf.fileName);
    if (!transpiled(result)) withTypes.push(r);
    else for (const [file, text] of isolated!.outputs(sf.fileName, result)) rewrittenOutput(r)(file, text, false);
  }
  if (withTypes.length > 0) {
    const program = javaScriptProgram(oldProgram, byName, lightPrograms.get(project));
    lightPrograms.set(project, program);
    for (const r of withTypes) emitDiagnostics.push(...program.emit(sourceFileOf(program, r), rewrittenOutput(r)).diagnostics);
  }
  const diagnostics: Diagnostic[] = [...internal, ...emitDiagnostics.map((d) => ({ code: `TS${d.code}`, category: "error" as const, data: { message: ts.flattenDiagnosticMessageText(d.messageText, " ") } }))];
  if (diagnostics.length > 0) return { diagnostics, outputs: new Map(), outDir };

  output(path.join(outDir, MANIFEST_FILE), JSON.stringify(options.manifest, null, 2) + "\n");
  return { diagnostics, outputs, outDir };
}

/**
 * Emits files as they are (nothing rewritten): JavaScript from esbuild (on the transpiler's thread)
 * where the isolated-emit policy accepts the file, from TypeScript otherwise or when esbuild
 * refused it; declarations from TypeScript. The job starts when this is created; `emit` emits the
 * declarations while esbuild works, then takes its JavaScript.
 *
 * compile() uses it to emit the files without durable code ahead of the analysis (`emitAhead`):
 * `handOver` gives esbuild's JavaScript to the writer as soon as it is ready (between two files of
 * the type check), `emit` runs once the check has passed, and `emitProject` takes what was
 * emitted (`EmitOptions.ahead`). Everything written is final: a file the emit later treats
 * differently (it turned out to be rewritten) has the same outputs emitted again, and the writer
 * keeps the last text written under a name; a build that fails discards everything queued.
 */
export class UnchangedEmit {
  /** What was emitted, by source file: [output file, text]. */
  readonly emitted = new Map<string, [file: string, text: string][]>();
  readonly diagnostics: ts.Diagnostic[] = [];
  readonly #program: ts.Program;
  readonly #files: readonly ts.SourceFile[];
  readonly #job: TranspileJob | undefined;
  readonly #relocate: (write: (file: string, text: string) => void) => ts.WriteFileCallback;
  /** Files whose JavaScript `handOver` gave out. */
  readonly #handedOver = new Set<string>();
  #handOverDone = false;
  #emitDone = false;

  constructor(program: ts.Program, files: readonly ts.SourceFile[], job: TranspileJob | undefined, relocate: (write: (file: string, text: string) => void) => ts.WriteFileCallback) {
    this.#program = program;
    this.#files = files;
    this.#job = job;
    this.#relocate = relocate;
  }

  /** The esbuild job (undefined when the program's options rule esbuild out). */
  get job(): TranspileJob | undefined {
    return this.#job;
  }

  /** Gives esbuild's JavaScript to `write` if the job is done (does not wait), once. */
  handOver(write: (file: string, text: string) => void): void {
    if (this.#handOverDone || !this.#job?.ready()) return;
    this.#handOverDone = true;
    const isolated = isolatedEmit(this.#program)!;
    for (const [fileName, result] of this.#job.results() ?? []) {
      if (!transpiled(result)) continue;
      this.#handedOver.add(fileName);
      const relocate = this.#relocate(this.#recorder(fileName, write));
      for (const [file, text] of isolated.outputs(fileName, result)) relocate(file, text, false);
    }
  }

  /**
   * Emits what is left (declarations; JavaScript esbuild did not produce or the policy refuses,
   * which replaces esbuild's), once. Needs the type check to have passed.
   */
  emit(write: (file: string, text: string) => void): void {
    if (this.#emitDone) return;
    this.#emitDone = true;
    this.handOver(write);
    const isolated = isolatedEmit(this.#program);
    const byEsbuild = new Set(this.#files.filter((sf) => this.#job?.files.has(sf.fileName) && isolated!.accepts(sf)));
    const declarations = !!this.#program.getCompilerOptions().declaration;
    const relocate = (sf: ts.SourceFile) => this.#relocate(this.#recorder(sf.fileName, write));
    if (declarations) for (const sf of byEsbuild) this.diagnostics.push(...this.#program.emit(sf, relocate(sf), undefined, true).diagnostics);
    const results = byEsbuild.size > 0 ? this.#job?.results() : undefined;
    for (const sf of this.#files) {
      const result = results?.get(sf.fileName);
      if (!byEsbuild.has(sf)) this.diagnostics.push(...this.#program.emit(sf, relocate(sf)).diagnostics);
      else if (!transpiled(result)) this.diagnostics.push(...this.#program.emit(sf, javaScriptOnly(relocate(sf))).diagnostics);
      else if (!this.#handedOver.has(sf.fileName)) for (const [file, text] of isolated!.outputs(sf.fileName, result)) relocate(sf)(file, text, false);
    }
  }

  /** `write`, remembering each output under its source file (a later text replaces an earlier one). */
  #recorder(fileName: string, write: (file: string, text: string) => void): (file: string, text: string) => void {
    return (file, text) => {
      let outputs = this.emitted.get(fileName);
      if (!outputs) this.emitted.set(fileName, (outputs = []));
      const at = outputs.findIndex(([f]) => f === file);
      if (at >= 0) outputs[at] = [file, text];
      else outputs.push([file, text]);
      write(file, text);
    };
  }
}

/**
 * esbuild's work on rewritten files, started as each file is rewritten (compile() passes `start` to
 * the analysis as `onRewritten`), so their JavaScript is ready by the time `emitProject` needs it
 * instead of being waited for there. `emitProject` takes a job only for the text it emits (a file
 * rewritten again gets a new job) and transpiles the rest itself.
 */
export class EarlyTranspiles {
  readonly #program: ts.Program;
  readonly #jobs = new Map<string, { code: string; job: TranspileJob }>();

  constructor(program: ts.Program) {
    this.#program = program;
  }

  /** Starts esbuild on `r` if the isolated-emit policy accepts its file (asks the type checker). */
  start(r: RewrittenFile): void {
    const isolated = isolatedEmit(this.#program);
    const sf = this.#program.getSourceFile(r.fileName);
    if (!isolated || !sf || !isolated.accepts(sf)) return;
    const name = path.normalize(r.fileName);
    this.#jobs.get(name)?.job.abandon();
    this.#jobs.set(name, { code: r.code, job: sharedTranspiler().transpile([isolated.input(r.fileName, r.code)], isolated.options) });
  }

  /** The job started on exactly `r`'s text, once. */
  take(r: RewrittenFile): TranspileJob | undefined {
    const name = path.normalize(r.fileName);
    const started = this.#jobs.get(name);
    if (!started || started.code !== r.code) return undefined;
    this.#jobs.delete(name);
    return started.job;
  }

  /** Drops every job not taken (a build that failed, or one whose emit took other files). */
  abandon(): void {
    for (const { job } of this.#jobs.values()) job.abandon();
    this.#jobs.clear();
  }
}

/** Starts emitting `files` as they are: esbuild begins on the ones it can take (see `UnchangedEmit`). */
function startUnchangedEmit(program: ts.Program, files: readonly ts.SourceFile[], relocate: (write: (file: string, text: string) => void) => ts.WriteFileCallback): UnchangedEmit {
  const isolated = isolatedEmit(program);
  const candidates = isolated ? files.filter((sf) => isolated.candidate(sf)) : [];
  const job = candidates.length > 0 ? sharedTranspiler().transpile(candidates.map((sf) => isolated!.input(sf.fileName, sf.text)), isolated!.options) : undefined;
  return new UnchangedEmit(program, files, job, relocate);
}

/**
 * Starts emitting the files of `project` without durable code ("use durable" nowhere in their
 * text: nothing in them is rewritten) ahead of the analysis (see `UnchangedEmit`).
 */
export function emitAhead(project: Project, options: { rootDir: string; outDir?: string }): UnchangedEmit {
  const program = project.getProgram().compilerObject;
  const roots = new Set(program.getRootFileNames().map((f) => path.normalize(f)));
  const files = program.getSourceFiles().filter((sf) => roots.has(path.normalize(sf.fileName)) && !sf.isDeclarationFile && !sf.text.includes("use durable"));
  const base = program.getCompilerOptions();
  const outDir = outDirOf(base, options.outDir, options.rootDir);
  return startUnchangedEmit(program, files, (write) => relocator(base, outDir, options.rootDir, write));
}

/** `write` for the JavaScript and its map only (the declarations were emitted already). */
function javaScriptOnly(write: ts.WriteFileCallback): ts.WriteFileCallback {
  return (fileName, ...rest) => {
    if (!/\.d\.[cm]?ts(\.map)?$/.test(fileName)) write(fileName, ...rest);
  };
}

/** The rewritten file in `program` (emitting `undefined` would emit every file). */
function sourceFileOf(program: ts.Program, r: RewrittenFile): ts.SourceFile {
  const sf = program.getSourceFile(r.fileName);
  if (!sf) throw new Error(`${r.fileName} is missing from the program that emits it`);
  return sf;
}

/** A rewritten file's emitted `.js.map` (of the rewritten text) chained back to its original source. */
function chainMap(text: string, r: RewrittenFile, base: ts.CompilerOptions): string {
  const map = JSON.parse(text) as RawSourceMap;
  return JSON.stringify(chainSourceMaps(map, r.mappings, base.inlineSources ? r.original : undefined));
}

/** Where a build writes: `--outDir`, else the tsconfig's `outDir`, else next to the sources. */
function outDirOf(base: ts.CompilerOptions, requested: string | undefined, rootDir: string): string {
  return path.resolve(requested ?? (base.outDir as string | undefined) ?? rootDir);
}

/**
 * A `WriteFileCallback` that hands what a program emits to `output`, moved from the
 * program's own outDir to `outDir` (source maps keep pointing at their sources).
 */
function relocator(base: ts.CompilerOptions, outDir: string, rootDir: string, output: (file: string, text: string) => void): ts.WriteFileCallback {
  const baseOut = path.resolve((base.outDir as string | undefined) ?? (base.rootDir as string | undefined) ?? rootDir);
  return (fileName, text) => {
    const target = path.join(outDir, path.relative(baseOut, path.resolve(fileName)));
    if (target !== path.resolve(fileName) && fileName.endsWith(".map")) {
      const map = JSON.parse(text) as RawSourceMap;
      map.sources = map.sources.map((s) => path.relative(path.dirname(target), path.resolve(path.dirname(fileName), map.sourceRoot ?? "", s)).split(path.sep).join("/"));
      delete map.sourceRoot;
      text = JSON.stringify(map);
    }
    output(target, text);
  };
}

/**
 * A program for the JavaScript emit of rewritten files: unchanged files are the analysed program's
 * own source files, so import elision and const enums see the user's modules as they are; modules
 * only the rewrites import stay unresolved (their imports are values, or `import type`).
 */
function javaScriptProgram(oldProgram: ts.Program, rewritten: ReadonlyMap<string, RewrittenFile>, previous: ts.Program | undefined): ts.Program {
  const options: ts.CompilerOptions = { ...oldProgram.getCompilerOptions(), noCheck: true, declaration: false, declarationMap: false, noEmitOnError: false };
  const host = hostOver(oldProgram, rewritten, options);
  const moduleCache = ts.createModuleResolutionCache(host.getCurrentDirectory(), host.getCanonicalFileName, options);
  host.getModuleResolutionCache = () => moduleCache;
  const added = new Map<string, Set<string>>();
  for (const r of rewritten.values()) {
    const before = new Set(ts.preProcessFile(r.original, true, true).importedFiles.map((f) => f.fileName));
    added.set(path.normalize(r.fileName), new Set(ts.preProcessFile(r.code, true, true).importedFiles.map((f) => f.fileName).filter((f) => !before.has(f))));
  }
  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, compilerOptions, containingSourceFile) => {
    const introduced = added.get(path.normalize(containingFile));
    return literals.map((literal) => {
      if (introduced?.has(literal.text)) return { resolvedModule: undefined };
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, compilerOptions);
      return ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, moduleCache, redirectedReference, mode);
    });
  };
  // In watch mode the previous build's program shares every unchanged file, the rewritten ones
  // included, so TypeScript reuses its structure and module resolutions.
  return ts.createProgram({ rootNames: oldProgram.getRootFileNames(), options, host, oldProgram: previous ?? oldProgram });
}

/** The last JavaScript program of each Project (watch mode). */
const lightPrograms = new WeakMap<Project, ts.Program>();
/** Parsed rewritten texts: a rewritten file a rebuild reuses keeps its SourceFile. */
const parsedRewritten = new WeakMap<RewrittenFile, ts.SourceFile>();

/**
 * A compiler host that serves the rewritten text of rewritten files and the analysed program's
 * source files for everything else (TypeScript's lib files included: ts-morph keeps them in
 * memory), so a program built on it parses only the rewritten files again.
 */
function hostOver(oldProgram: ts.Program, rewritten: ReadonlyMap<string, RewrittenFile>, options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const byName = new Map([...rewritten.values()].map((r) => [path.normalize(r.fileName), r]));
  const libFile = oldProgram.getSourceFiles().find((f) => oldProgram.isSourceFileDefaultLibrary(f));
  if (libFile) {
    const libDir = path.posix.dirname(libFile.fileName);
    host.getDefaultLibLocation = () => libDir;
    host.getDefaultLibFileName = (o) => path.posix.join(libDir, ts.getDefaultLibFileName(o));
  }
  // TypeScript asks twice for a changed file when it cannot reuse the old program's structure.
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const r = byName.get(path.normalize(fileName));
    if (!r) return oldProgram.getSourceFile(fileName) ?? getSourceFile(fileName, languageVersion, onError, shouldCreate);
    let sf = parsedRewritten.get(r);
    if (!sf) parsedRewritten.set(r, (sf = ts.createSourceFile(fileName, r.code, languageVersion, true)));
    return sf;
  };
  host.fileExists = (fileName) => byName.has(path.normalize(fileName)) || !!oldProgram.getSourceFile(fileName) || fileExists(fileName);
  host.readFile = (fileName) => byName.get(path.normalize(fileName))?.code ?? oldProgram.getSourceFile(fileName)?.text ?? readFile(fileName);
  return host;
}

/**
 * The compiled program as TypeScript sees it: the rewritten files with the SDK's real types.
 * Costly (every SDK declaration is parsed); for verification, not for emit.
 */
export function compiledProgram(project: Project, rewritten: ReadonlyMap<string, RewrittenFile>, overrides: ts.CompilerOptions = {}): ts.Program {
  const oldProgram = project.getProgram().compilerObject;
  const options: ts.CompilerOptions = { ...oldProgram.getCompilerOptions(), ...overrides };
  return ts.createProgram({ rootNames: oldProgram.getRootFileNames(), options, host: hostOver(oldProgram, rewritten, options), oldProgram });
}

/**
 * Type-checks the rewritten files against the SDK's real types: a compiled program that does not
 * type-check is an internal error (DUR9002). The test suite does this for every fixture;
 * `durablec build --verify` does it for a project.
 */
export function checkRewrittenOutput(project: Project, rewritten: ReadonlyMap<string, RewrittenFile>): Diagnostic[] {
  const program = compiledProgram(project, rewritten, { noEmit: true });
  const diagnostics: Diagnostic[] = [];
  for (const r of rewritten.values()) {
    const sf = program.getSourceFile(r.fileName);
    if (!sf) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      if (d.category !== ts.DiagnosticCategory.Error) continue;
      const at = d.start !== undefined ? lineAndColumn(r.code, d.start) : undefined;
      const where = at ? ` at compiled line ${at.line}, column ${at.column}` : "";
      diagnostics.push(createDiagnostic("OutputDoesNotTypeCheck", { problem: `TS${d.code}${where}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}` }, { file: r.fileName, start: 0, length: 0 }));
    }
  }
  return diagnostics;
}

/** Writes every output; called only when the whole build succeeded, so no partial output is left. */
export function writeOutputs(outputs: ReadonlyMap<string, string>): void {
  const made = new Set<string>();
  for (const [file, text] of outputs) {
    const dir = path.dirname(file);
    if (!made.has(dir)) fs.mkdirSync(dir, { recursive: true });
    made.add(dir);
    fs.writeFileSync(file, text);
  }
}
