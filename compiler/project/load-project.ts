import * as fs from "node:fs";
import * as path from "node:path";
import { createProject, ts, type Project } from "./ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

export interface LoadedProject {
  project: Project;
  /** Directory of the tsconfig (or the base directory of in-memory files). */
  rootDir: string;
  tsconfigPath?: string;
  diagnostics: Diagnostic[];
}

/** Compiler options used when no tsconfig is given (in-memory files, `durablec transform`). */
export const DEFAULT_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  declaration: true,
  sourceMap: true,
  lib: ["lib.es2023.d.ts"],
  types: ["node"],
};

/**
 * Options durablec sets over the tsconfig's: the analysed program also emits the project (one
 * program, one warm type checker), as ES modules with `.js.map` files it can chain.
 */
export const EMIT_OVERRIDES: ts.CompilerOptions = {
  noEmit: false,
  emitDeclarationOnly: false,
  noEmitOnError: false,
  inlineSourceMap: false,
  incremental: false,
  composite: false,
  tsBuildInfoFile: undefined,
  outFile: undefined,
};

/**
 * What the tsconfig asks for that EMIT_OVERRIDES turns off: `inlineSourceMap` is emitted as
 * external maps (`sourceMap`), which compile() then moves into their JavaScript files
 * (emit/inline-source-maps.ts).
 */
function emitOptions(options: ts.CompilerOptions): ts.CompilerOptions {
  return { ...(options.inlineSourceMap ? { sourceMap: true } : {}), ...EMIT_OVERRIDES };
}

const inlineMaps = new WeakSet<Project>();

/** True when the project's tsconfig (or options) asked for `inlineSourceMap`. */
export function inlinesSourceMaps(project: Project): boolean {
  return inlineMaps.has(project);
}

/**
 * Loads a ts-morph Project from a tsconfig.json; problems come back as diagnostics. The tsconfig is
 * parsed as `tsc -p` parses it: its problems, and those TypeScript finds in the compiler options
 * later (`getOptionsDiagnostics`), point into tsconfig.json.
 */
export function loadProjectFromTsconfig(tsconfigPath: string): LoadedProject {
  const abs = path.resolve(tsconfigPath);
  const rootDir = path.dirname(abs);
  if (!fs.existsSync(abs)) {
    return { project: undefined as never, rootDir, diagnostics: [createDiagnostic("ConfigNotFound", { path: tsconfigPath, reason: "no such file" })] };
  }
  try {
    const config = ts.readJsonConfigFile(abs, ts.sys.readFile);
    const parsed = ts.parseJsonSourceFileConfigFileContent(config, ts.sys, rootDir, undefined, abs);
    const diagnostics = ts.getConfigFileParsingDiagnostics(parsed).map(fromTsDiagnostic);
    // Declaration files and packages the sources import stay plain TypeScript source files of the
    // program (no ts-morph wrappers for hundreds of .d.ts files); sources outside the tsconfig's
    // `include` that the project imports are added, as tsc checks them too.
    // `configFile` (not enumerable in TypeScript's result) locates the options' diagnostics in it.
    const project = createProject({ compilerOptions: { ...parsed.options, ...impliedByComposite(parsed.options, rootDir), ...emitOptions(parsed.options), configFile: config }, skipAddingFilesFromTsConfig: true });
    if (parsed.options.inlineSourceMap) inlineMaps.add(project);
    for (const file of parsed.fileNames) if (fs.existsSync(file)) project.addSourceFileAtPath(file);
    const program = project.getProgram().compilerObject;
    const imported = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !program.isSourceFileFromExternalLibrary(f) && !project.getSourceFile(f.fileName));
    for (const f of imported) project.addSourceFileAtPath(f.fileName);
    return { project, rootDir, tsconfigPath: abs, diagnostics };
  } catch (error) {
    return { project: undefined as never, rootDir, diagnostics: [createDiagnostic("ConfigNotFound", { path: tsconfigPath, reason: (error as Error).message })] };
  }
}

/**
 * What `composite` implies, kept when durablec builds the project without it: the sources are laid
 * out from the tsconfig's directory without a rootDir (tsc does not ask for one, TS5011), and
 * declarations are emitted.
 */
function impliedByComposite(options: ts.CompilerOptions, tsconfigDir: string): ts.CompilerOptions {
  if (!options.composite) return {};
  return { rootDir: options.rootDir ?? tsconfigDir, declaration: options.declaration ?? true };
}

/**
 * A Project over in-memory file contents, resolved against the real file system (node_modules)
 * from `baseDir`. Used by tests and by `durablec transform`.
 */
export function loadProjectFromFiles(files: Record<string, string>, baseDir: string, options?: ts.CompilerOptions): LoadedProject {
  const project = createProject({ compilerOptions: { ...DEFAULT_COMPILER_OPTIONS, ...options, ...emitOptions({ ...DEFAULT_COMPILER_OPTIONS, ...options }) }, skipAddingFilesFromTsConfig: true });
  if (options?.inlineSourceMap) inlineMaps.add(project);
  for (const [name, text] of Object.entries(files)) {
    project.createSourceFile(path.resolve(baseDir, name), text, { overwrite: true });
  }
  // Local modules they import become part of the project (for discovery across modules).
  project.resolveSourceFileDependencies();
  return { project, rootDir: baseDir, diagnostics: [] };
}

/** A TypeScript diagnostic as a durablec diagnostic (code `TSnnnn`). */
export function fromTsDiagnostic(d: ts.Diagnostic): Diagnostic {
  const category = d.category === ts.DiagnosticCategory.Error ? "error" : d.category === ts.DiagnosticCategory.Warning ? "warning" : "info";
  return {
    code: `TS${d.code}`,
    category,
    ...(d.file ? { file: d.file.fileName, start: d.start ?? 0, length: d.length ?? 1 } : {}),
    data: { message: ts.flattenDiagnosticMessageText(d.messageText, "\n") },
  };
}
