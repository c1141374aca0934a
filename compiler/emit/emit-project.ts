import * as fs from "node:fs";
import * as path from "node:path";
import { ts, type Project } from "ts-morph";
import type { RewrittenFile } from "../compile.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { lineAndColumn } from "../diagnostics/format.js";
import type { Manifest } from "./manifest.js";
import { chainSourceMaps, type RawSourceMap } from "./source-map.js";

export const MANIFEST_FILE = "durable.manifest.json";

export interface EmitOptions {
  /** Overrides the tsconfig's outDir. */
  outDir?: string;
  rootDir: string;
  manifest: Manifest;
  /** Only type-check the compiled program; emit nothing. */
  checkOnly?: boolean;
}

export interface EmitResult {
  diagnostics: Diagnostic[];
  /** Absolute path → content, including the manifest. Nothing is written when there are errors. */
  outputs: Map<string, string>;
  outDir: string;
}

/**
 * Emits ESM JavaScript, `.js.map` (chained back to the original source) and `.d.ts` for the whole
 * project, with the rewritten text of files that had durable code. The output is type-checked
 * first; a compiled program that does not type-check is an internal error.
 */
export function emitProject(project: Project, rewritten: ReadonlyMap<string, RewrittenFile>, options: EmitOptions): EmitResult {
  const base = project.getCompilerOptions();
  const outDir = path.resolve(options.outDir ?? (base.outDir as string | undefined) ?? options.rootDir);
  const compilerOptions: ts.CompilerOptions = { ...base, outDir, noEmit: false, emitDeclarationOnly: false, noEmitOnError: false };
  delete compilerOptions.inlineSourceMap;
  delete compilerOptions.tsBuildInfoFile;
  delete compilerOptions.incremental;
  if (!compilerOptions.rootDir) compilerOptions.rootDir = options.rootDir;

  // Unchanged files (and TypeScript's lib files, which ts-morph keeps in memory) come from the
  // analysed program, so only rewritten files are parsed again.
  const oldProgram = project.getProgram().compilerObject;
  const libFile = oldProgram.getSourceFiles().find((f) => oldProgram.isSourceFileDefaultLibrary(f));
  const host = ts.createCompilerHost(compilerOptions, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const byName = new Map([...rewritten.values()].map((r) => [path.normalize(r.fileName), r]));
  if (libFile) {
    const libDir = path.posix.dirname(libFile.fileName);
    host.getDefaultLibLocation = () => libDir;
    host.getDefaultLibFileName = (o) => path.posix.join(libDir, ts.getDefaultLibFileName(o));
  }
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const r = byName.get(path.normalize(fileName));
    if (r) return ts.createSourceFile(fileName, r.code, languageVersion, true);
    return oldProgram.getSourceFile(fileName) ?? getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => byName.has(path.normalize(fileName)) || !!oldProgram.getSourceFile(fileName) || fileExists(fileName);
  host.readFile = (fileName) => byName.get(path.normalize(fileName))?.code ?? oldProgram.getSourceFile(fileName)?.text ?? readFile(fileName);

  const rootNames = oldProgram.getRootFileNames();
  const program = ts.createProgram({ rootNames, options: compilerOptions, host, oldProgram });
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
  const outputs = new Map<string, string>();
  if (diagnostics.length > 0 || options.checkOnly) return { diagnostics, outputs, outDir };

  // Files without durable code are emitted by the analysed program, whose checker is already
  // warm (declaration emit needs types); the new program emits only the rewritten files.
  const reuseAnalysed = !base.noEmit && !base.outFile && !base.emitDeclarationOnly;
  const emitDiagnostics: ts.Diagnostic[] = [];
  const write = (fileName: string, text: string) => outputs.set(path.resolve(fileName), text);
  if (reuseAnalysed) {
    const baseOut = path.resolve((base.outDir as string | undefined) ?? (base.rootDir as string | undefined) ?? options.rootDir);
    const relocate = (fileName: string, text: string) => {
      const target = path.join(outDir, path.relative(baseOut, path.resolve(fileName)));
      if (target !== path.resolve(fileName) && fileName.endsWith(".map")) {
        const map = JSON.parse(text) as RawSourceMap;
        map.sources = map.sources.map((s) => path.relative(path.dirname(target), path.resolve(path.dirname(fileName), map.sourceRoot ?? "", s)).split(path.sep).join("/"));
        delete map.sourceRoot;
        text = JSON.stringify(map);
      }
      outputs.set(target, text);
    };
    for (const sf of oldProgram.getSourceFiles()) {
      if (sf.isDeclarationFile || byName.has(path.normalize(sf.fileName)) || oldProgram.isSourceFileFromExternalLibrary(sf) || oldProgram.isSourceFileDefaultLibrary(sf)) continue;
      if (!rootNames.includes(sf.fileName)) continue;
      emitDiagnostics.push(...oldProgram.emit(sf, relocate).diagnostics);
    }
    for (const r of rewritten.values()) {
      const sf = program.getSourceFile(r.fileName);
      if (sf) emitDiagnostics.push(...program.emit(sf, write).diagnostics);
    }
  } else {
    emitDiagnostics.push(...program.emit(undefined, write).diagnostics);
  }
  for (const d of emitDiagnostics) diagnostics.push({ code: `TS${d.code}`, category: "error", data: { message: ts.flattenDiagnosticMessageText(d.messageText, " ") } });
  if (diagnostics.length > 0) return { diagnostics, outputs: new Map(), outDir };

  for (const [fileName, text] of outputs) {
    if (!fileName.endsWith(".map")) continue;
    const map = JSON.parse(text) as RawSourceMap;
    const source = map.sources[0];
    if (!source) continue;
    const sourcePath = path.resolve(path.dirname(fileName), map.sourceRoot ?? "", source);
    const r = byName.get(path.normalize(sourcePath));
    if (!r) continue;
    outputs.set(fileName, JSON.stringify(chainSourceMaps(map, r.mappings, compilerOptions.inlineSources ? r.original : undefined)));
  }
  outputs.set(path.join(outDir, MANIFEST_FILE), JSON.stringify(options.manifest, null, 2) + "\n");
  return { diagnostics, outputs, outDir };
}

/** Writes every output; called only when the whole build succeeded, so no partial output is left. */
export function writeOutputs(outputs: ReadonlyMap<string, string>): void {
  for (const [file, text] of outputs) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}
