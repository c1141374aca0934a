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
import { sharedTranspiler, type TranspileJob, type Transpiled } from "./transpiler.js";

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
  /** esbuild's JavaScript of unchanged files, started before the analysis (`transpileUnchangedFiles`). */
  transpiled?: EarlyTranspile;
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
  const sources = oldProgram.getSourceFiles().filter((sf) => !sf.isDeclarationFile && wanted(path.normalize(sf.fileName)));

  // esbuild's work: what compile() started early (ready by now: its outputs go to the writer
  // first), and a job for the rest (rewritten files among them) that runs while this thread
  // emits declarations. A file esbuild refused, or a thread that is gone, is emitted by TypeScript.
  const isolated = isolatedEmit(oldProgram);
  const byEsbuild = new Set(isolated ? sources.filter((sf) => isolated.accepts(sf)) : []);
  const early = options.transpiled;
  const isLate = (sf: ts.SourceFile) => byName.has(path.normalize(sf.fileName)) || !early?.job.files.has(sf.fileName);
  const late = [...byEsbuild].filter(isLate);
  const lateInputs = late.map((sf) => isolated!.input(sf.fileName, byName.get(path.normalize(sf.fileName))?.code ?? sf.text));
  const job = lateInputs.length > 0 ? sharedTranspiler().transpile(lateInputs, isolated!.options) : undefined;
  const withTypes = [...byName.values()].filter((r) => wanted(path.normalize(r.fileName)) && !byEsbuild.has(oldProgram.getSourceFile(r.fileName)!));
  const useTranspiled = (files: readonly ts.SourceFile[], results: ReadonlyMap<string, Transpiled> | undefined) => {
    for (const sf of files) {
      const r = byName.get(path.normalize(sf.fileName));
      const result = results?.get(sf.fileName);
      if (transpiled(result)) {
        const write = r ? rewrittenOutput(r) : relocate;
        for (const [file, text] of isolated!.outputs(sf.fileName, result)) write(file, text, false);
      } else if (r) withTypes.push(r);
      else emitDiagnostics.push(...oldProgram.emit(sf, javaScriptOnly(relocate)).diagnostics);
    }
  };
  if (early) {
    const ready = [...byEsbuild].filter((sf) => !isLate(sf));
    // What was handed to the writer while the check ran is there already.
    for (const sf of ready) for (const [file, text] of early.handedOver.get(sf.fileName) ?? []) outputs.set(file, text);
    useTranspiled(
      ready.filter((sf) => !early.handedOver.has(sf.fileName)),
      early.job.results(),
    );
  }

  for (const sf of sources) {
    const fileName = path.normalize(sf.fileName);
    const r = byName.get(fileName);
    if (!r) {
      if (!byEsbuild.has(sf)) emitDiagnostics.push(...oldProgram.emit(sf, relocate).diagnostics);
      else if (base.declaration) emitDiagnostics.push(...oldProgram.emit(sf, relocate, undefined, true).diagnostics);
      continue;
    }
    if (base.declaration) {
      const reshape = reshapeDeclarations(r.declarations ?? []);
      emitDiagnostics.push(...oldProgram.emit(sf, relocate, undefined, true, { afterDeclarations: [reshape.transformer] }).diagnostics);
      const missing = reshape.missing();
      if (missing.length) internal.push(createDiagnostic("InternalError", { problem: `no declaration of ${missing.join(", ")} in the declarations of ${fileName}` }));
    }
  }
  useTranspiled(late, job?.results());
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
 * esbuild's work on the project's files that will most likely be emitted as they are (those
 * without "use durable" in their text), started as soon as the program is loaded. By the time the
 * build emits, their JavaScript is ready; `handOver` gives it to the writer earlier still, while
 * the type check runs, so that creating those files overlaps the check. `emitProject` uses the
 * rest (`EmitOptions.transpiled`).
 *
 * Whatever is handed over is final: a file the emit then does not take from esbuild (the policy
 * refuses it once the checker has spoken, or it turns out to have durable code) has the same
 * outputs emitted again, and the writer keeps the last text written under a name.
 */
export class EarlyTranspile {
  /** Outputs already handed to the writer: source file → [output file, text]. */
  readonly handedOver = new Map<string, [file: string, text: string][]>();
  readonly #outputs: (fileName: string, result: { code: string; map: string }) => [string, string][];
  #handed = false;

  constructor(
    readonly job: TranspileJob,
    outputs: (fileName: string, result: { code: string; map: string }) => [string, string][],
  ) {
    this.#outputs = outputs;
  }

  /** Hands the outputs to `write` if the job is done (does not wait), once. */
  handOver(write: (file: string, text: string) => void): void {
    if (this.#handed || !this.job.ready()) return;
    this.#handed = true;
    for (const [fileName, result] of this.job.results() ?? []) {
      if (!transpiled(result)) continue;
      const outputs = this.#outputs(fileName, result);
      this.handedOver.set(fileName, outputs);
      for (const [file, text] of outputs) write(file, text);
    }
  }
}

/** Starts esbuild on the files of `project` without durable code (see `EarlyTranspile`). */
export function transpileUnchangedFiles(project: Project, options: { rootDir: string; outDir?: string }): EarlyTranspile | undefined {
  const program = project.getProgram().compilerObject;
  const isolated = isolatedEmit(program);
  if (!isolated) return undefined;
  const roots = new Set(program.getRootFileNames().map((f) => path.normalize(f)));
  const files = program.getSourceFiles().filter((sf) => roots.has(path.normalize(sf.fileName)) && isolated.candidate(sf) && !sf.text.includes("use durable"));
  const job = sharedTranspiler().transpile(
    files.map((sf) => isolated.input(sf.fileName, sf.text)),
    isolated.options,
  );
  const base = program.getCompilerOptions();
  const outDir = outDirOf(base, options.outDir, options.rootDir);
  return new EarlyTranspile(job, (fileName, result) => {
    const relocated: [string, string][] = [];
    const relocate = relocator(base, outDir, options.rootDir, (file, text) => relocated.push([file, text]));
    for (const [file, text] of isolated.outputs(fileName, result)) relocate(file, text, false);
    return relocated;
  });
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
