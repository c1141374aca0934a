/**
 * `durablec/compiler`: the programmatic API under the CLI.
 *
 * @example
 * ```ts
 * import { compile, formatDiagnostics } from "durablec/compiler";
 * const result = compile({ tsconfig: "tsconfig.json" });
 * if (result.diagnostics.length) console.error(formatDiagnostics(result.diagnostics));
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Project } from "./project/ts-morph.js";
import { transformProject, type RewrittenFile } from "./compile.js";
import type { BuildCache } from "./incremental.js";
import { createDiagnostic, hasErrors, type Diagnostic } from "./diagnostics/diagnostic.js";
import { formatDiagnostics as formatWith, type FormatOptions } from "./diagnostics/format.js";
import { EarlyTranspiles, emitAhead, emitProject, writeOutputs } from "./emit/emit-project.js";
import { inlineSourceMaps, InlineSourceMapWriter } from "./emit/inline-source-maps.js";
import { OutputWriter, OutputWriterStopped } from "./emit/output-writer.js";
import { sharedTranspiler } from "./emit/transpiler.js";
import { Timings, type Phase } from "./timings.js";
import type { Manifest } from "./emit/manifest.js";
import { loadDurableConfig, parseDurableConfig, type DurableConfig } from "./project/config.js";
import { inlinesSourceMaps, loadProjectFromFiles, loadProjectFromTsconfig } from "./project/load-project.js";

export interface CompileOptions {
  /** Path of a tsconfig.json. Default: `tsconfig.json` in the current directory, unless `files` is given. */
  tsconfig?: string;
  /** In-memory sources (path → text), resolved against `baseDir` (imports still resolve on disk). */
  files?: Record<string, string>;
  /** Base directory of `files` (default: cwd). */
  baseDir?: string;
  /** Output directory; overrides the tsconfig's `outDir`. */
  outDir?: string;
  /** Write the outputs to disk (default true when compiling a tsconfig). */
  write?: boolean;
  /** Skip emitting: analyse and rewrite only (what `durablec check` does). */
  noEmit?: boolean;
  /** Overrides `durable.config.json`. */
  config?: DurableConfig;
  /**
   * Type-check the compiled program against the SDK's types before emitting (DUR9002 when it
   * does not type-check). Slower: the SDK's declarations join the program.
   */
  verifyOutput?: boolean;
  /** Reuse an existing ts-morph Project (watch mode). */
  project?: Project;
  /**
   * Watch mode: what the previous builds of the same `project` computed (a new, empty cache with
   * a new project). Only files an
   * edit can affect are checked, analysed, rewritten and emitted again (see incremental.ts).
   */
  cache?: BuildCache;
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Rewritten TypeScript of the files with durable code. */
  files: Map<string, RewrittenFile>;
  manifest: Manifest;
  /** Emitted files (absolute path → text); empty when there are errors or `noEmit`. */
  outputs: Map<string, string>;
  outDir?: string;
  rootDir: string;
  project?: Project;
  /** Where the build spent its time: load, check, analysis, emit, write (those it reached). */
  timings: Phase[];
}

/** Compiles a project: analysis, rewrites, emit. No output is written when there is any error. */
export function compile(options: CompileOptions = {}): CompileResult {
  const timings = new Timings();
  const cwd = process.cwd();
  // Started first: the thread is ready by the time the first file is emitted.
  const writer = (options.write ?? !options.files) && !options.noEmit ? outputWriter() : undefined;
  // And esbuild's (see emitAhead), warm by the time the project is loaded.
  if (!options.noEmit) sharedTranspiler();
  let loaded;
  if (options.project) loaded = { project: options.project, rootDir: options.baseDir ?? cwd, diagnostics: [] as Diagnostic[] };
  else if (options.files && !options.tsconfig) loaded = loadProjectFromFiles(options.files, path.resolve(options.baseDir ?? cwd));
  else loaded = loadProjectFromTsconfig(options.tsconfig ?? path.join(cwd, "tsconfig.json"));
  const rootDir = loaded.rootDir;
  const empty = { files: new Map(), manifest: { version: 1 as const, entries: {} }, outputs: new Map(), rootDir, timings: timings.phases };
  if (hasErrors(loaded.diagnostics) || !loaded.project) return { ...empty, diagnostics: loaded.diagnostics };

  let config = options.config;
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  if (!config) {
    const c = loadDurableConfig(rootDir);
    diagnostics.push(...c.diagnostics);
    config = c.config;
  }
  if (hasErrors(diagnostics)) return { ...empty, diagnostics, project: loaded.project };

  const cache = options.cache;
  const project = loaded.project;
  timings.mark("load");
  // The files without durable code are emitted ahead of the analysis: esbuild turns them into
  // JavaScript on another core while this one type-checks, and the writer thread creates their
  // files while this one analyses and emits the rest (a watch-mode rebuild knows what to emit
  // only after the analysis).
  const ahead = options.noEmit || cache?.filled ? undefined : emitAhead(project, { rootDir, ...(options.outDir ? { outDir: options.outDir } : {}) });
  // With `inlineSourceMap`, each JavaScript file goes to the writer with its map inside.
  const inline = inlinesSourceMaps(project);
  const inlineWriter = writer && inline ? new InlineSourceMapWriter((file, text) => writer.write(file, text)) : undefined;
  const write = (file: string, text: string) => (inlineWriter ?? writer)?.write(file, text);
  // esbuild starts on each rewritten file while the others are analysed and rewritten.
  const early = options.noEmit ? undefined : new EarlyTranspiles(project.getProgram().compilerObject);
  const transformed = transformProject(project, {
    rootDir,
    config,
    timings,
    ...(cache ? { cache } : {}),
    ...(ahead && writer ? { onFileChecked: () => ahead.handOver(write) } : {}),
    ...(early ? { onRewritten: (file: RewrittenFile) => early.start(file) } : {}),
    ...(ahead
      ? {
          afterCheck: () => {
            ahead.emit(write);
            timings.mark("emit-ahead");
          },
        }
      : {}),
  });
  diagnostics.push(...transformed.diagnostics);
  const base = { files: transformed.files, manifest: transformed.manifest, rootDir, project, timings: timings.phases };
  if (hasErrors(diagnostics) || options.noEmit) {
    // Outputs emitted ahead of the analysis are not put in place.
    if (writer) discard(writer);
    ahead?.job?.abandon();
    early?.abandon();
    return { ...base, diagnostics, outputs: new Map() };
  }

  const only = cache?.pendingEmit;
  let emitted;
  try {
    emitted = emitProject(project, transformed.files, { rootDir, manifest: transformed.manifest, ...(options.outDir ? { outDir: options.outDir } : {}), ...(options.verifyOutput ? { verifyOutput: true } : {}), ...(only ? { only } : {}), ...(ahead ? { ahead } : {}), ...(early ? { early } : {}), ...(writer ? { onOutput: write } : {}) });
  } catch (error) {
    if (writer) discard(writer);
    throw error;
  } finally {
    early?.abandon();
  }
  timings.mark("emit");
  diagnostics.push(...emitted.diagnostics);
  if (hasErrors(diagnostics)) {
    if (writer) discard(writer);
    return { ...base, diagnostics, outputs: new Map(), outDir: emitted.outDir };
  }
  const outputs = inline ? inlineSourceMaps(emitted.outputs) : emitted.outputs;
  try {
    inlineWriter?.flush();
    writer?.commit();
  } catch (error) {
    if (!(error instanceof OutputWriterStopped)) {
      diagnostics.push(createDiagnostic("OutputNotWritten", { problem: (error as Error).message }));
      return { ...base, diagnostics, outputs: new Map(), outDir: emitted.outDir };
    }
    // The thread is gone, not the outputs: write them here (and start a new thread next time).
    sharedWriter = undefined;
    writeOutputs(outputs);
  }
  if (writer) timings.mark("write");
  cache?.pendingEmit.clear();
  return { ...base, diagnostics, outputs, outDir: emitted.outDir };
}

let sharedWriter: OutputWriter | undefined;
/** One writer thread per process (watch mode builds many times). */
function outputWriter(): OutputWriter {
  return (sharedWriter ??= new OutputWriter());
}

/** Forgets what a failed build queued; a writer whose thread is gone is replaced next time. */
function discard(writer: OutputWriter): void {
  try {
    writer.abort();
  } catch (error) {
    if (!(error instanceof OutputWriterStopped)) throw error;
    sharedWriter = undefined;
  }
}

export interface TransformOutput {
  /** The rewritten TypeScript (the input unchanged when it has no durable code). */
  code: string;
  diagnostics: Diagnostic[];
  manifest: Manifest;
  file?: RewrittenFile;
}

/**
 * Rewrites one file and returns the TypeScript source (what `durablec transform` prints).
 * The file's imports resolve on disk from its directory.
 */
export function transform(fileName: string, source?: string, options: { config?: DurableConfig } = {}): TransformOutput {
  const abs = path.resolve(fileName);
  let text = source;
  if (text === undefined) {
    try {
      text = fs.readFileSync(abs, "utf8");
    } catch (error) {
      return { code: "", manifest: { version: 1, entries: {} }, diagnostics: [createDiagnostic("ConfigNotFound", { path: fileName, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message })] };
    }
  }
  const dir = path.dirname(abs);
  const { project } = loadProjectFromFiles({ [abs]: text }, dir);
  let config = options.config;
  const diagnostics: Diagnostic[] = [];
  if (!config) {
    const c = loadDurableConfig(dir);
    diagnostics.push(...c.diagnostics);
    config = c.config;
  }
  const result = transformProject(project, { rootDir: dir, config, files: [project.getSourceFileOrThrow(abs)] });
  diagnostics.push(...result.diagnostics);
  const file = result.files.get(path.normalize(abs));
  return { code: file?.code ?? text, diagnostics, manifest: result.manifest, ...(file ? { file } : {}) };
}

/** Diagnostics in tsc's format (`src/a.ts(12,5): error DUR1001: …`), relative to `cwd`. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: Partial<FormatOptions> = {}): string {
  const cache = new Map<string, string | undefined>();
  const readFile =
    options.readFile ??
    ((f: string) => {
      if (!cache.has(f)) {
        try {
          cache.set(f, fs.readFileSync(f, "utf8"));
        } catch {
          cache.set(f, undefined);
        }
      }
      return cache.get(f);
    });
  return formatWith(diagnostics, { ...options, readFile });
}

export { Codes, CodesByNumber, type DiagnosticCategory, type DiagnosticDefinition } from "./diagnostics/codes.js";
export { type Diagnostic, hasErrors } from "./diagnostics/diagnostic.js";
export { diagnosticMessage, formatErrorsBaseline } from "./diagnostics/format.js";
export { assignStableNames } from "./naming/stable-names.js";
export { durableConfigSchema, parseDurableConfig, type DurableConfig } from "./project/config.js";
export type { Manifest, ManifestEntry, ManifestOperation } from "./emit/manifest.js";
export { transformProject, type RewrittenFile, type TransformResult } from "./compile.js";
export { BuildCache, refreshProject } from "./incremental.js";
