import * as path from "node:path";
import { Node, SyntaxKind, type Project, type SourceFile, type ts } from "./project/ts-morph.js";
import { analyzeDurableFunction, type FunctionAnalysis } from "./analysis/analyze-durable-function.js";
import { checkHandwrittenHandler } from "./analysis/check-handwritten-handler.js";
import { calleeName, descendantsHoldingWhere, resolveAlias, symbolOf, wrap } from "./analysis/compiler-nodes.js";
import { CallClassifier } from "./analysis/classify-call.js";
import { discover, durableFunctionsByDeclaration, loc, type Discovery, type DurableFunction } from "./analysis/discover.js";
import { createDiagnostic, hasErrors, InternalCompilerError, type Diagnostic } from "./diagnostics/diagnostic.js";
import { EditSet, type Edit } from "./edits/edit-set.js";
import { buildManifest, type Manifest } from "./emit/manifest.js";
import type { DurableDeclaration } from "./emit/declarations.js";
import type { DecodedMappings } from "./emit/source-map.js";
import { GeneratedNames, PASSES, type PassContext } from "./passes/index.js";
import { defaultConfig, type DurableConfig } from "./project/config.js";
import { typeScriptDiagnostics } from "./typescript-check.js";
import type { BuildCache } from "./incremental.js";
import type { Timings } from "./timings.js";

/** One file after the rewrites: text, a map back to the original, and the edits that made it. */
export interface RewrittenFile {
  fileName: string;
  original: string;
  code: string;
  /** Decoded mappings (rewritten → original), high resolution. */
  mappings: DecodedMappings;
  edits: readonly Edit[];
  /** Its durable functions, for reshaping the original declarations (emit/declarations.ts). */
  declarations?: DurableDeclaration[];
}

export interface TransformResult {
  diagnostics: Diagnostic[];
  /** Only files with durable code; empty when there are errors. */
  files: Map<string, RewrittenFile>;
  analyses: FunctionAnalysis[];
  discovery?: Discovery;
  manifest: Manifest;
}

export interface TransformProjectOptions {
  rootDir: string;
  config?: DurableConfig;
  /** Files to compile (default: every non-declaration file of the project outside node_modules). */
  files?: readonly SourceFile[];
  /**
   * Report TypeScript's diagnostics first (default true): syntactic, then (for a project loaded
   * from a tsconfig) the options and global diagnostics, then semantic, as `tsc` does.
   */
  typeCheck?: boolean;
  /** Watch mode: results of the previous build, reused for files an edit cannot affect. */
  cache?: BuildCache;
  /** Marks the end of TypeScript's check ("check") and of the analysis and rewrites ("analysis"). */
  timings?: Timings;
  /**
   * Called after TypeScript checked each file: compile() hands esbuild's finished outputs to the
   * writer thread from there, so that writing them overlaps the check.
   */
  onFileChecked?: () => void;
  /** Called once TypeScript's check has passed, before the analysis (compile() emits ahead from there). */
  afterCheck?: () => void;
  /** Called with each file as soon as it is rewritten (compile() starts esbuild on it from there). */
  onRewritten?: (file: RewrittenFile) => void;
}

/**
 * After compilation a durable function takes the context first (non-entries, DUR4007) or is a
 * Lambda handler (entries, DUR4008), so calls from ordinary code no longer do what they say.
 */
function checkCallsFromOrdinaryCode(files: readonly SourceFile[], durableFunctions: readonly DurableFunction[], checker: ts.TypeChecker): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = new Set(durableFunctions.map((f) => f.name));
  let byDeclaration: Map<ts.Node, DurableFunction> | undefined;
  for (const file of files) {
    const callsByName = descendantsHoldingWhere(file.compilerNode, names, (n) => n.kind === SyntaxKind.CallExpression && names.has(calleeName(n, file) ?? ""));
    for (const call of callsByName as ts.CallExpression[]) {
      let callee: ts.Node = call.expression;
      if (callee.kind === SyntaxKind.PropertyAccessExpression) callee = (callee as ts.PropertyAccessExpression).name;
      const declared = (byDeclaration ??= durableFunctionsByDeclaration(durableFunctions));
      const symbol = resolveAlias(symbolOf(callee, checker), checker);
      const target = symbol?.declarations?.map((d) => declared.get(d)).find((f) => f !== undefined);
      if (!target || isInside(call, declared)) continue;
      const at = loc(file, wrap(file, callee));
      out.push(createDiagnostic(target.isEntry ? "EntryCalledFromOrdinaryCode" : "DurableCallerNotDurable", { name: target.name }, at));
    }
  }
  return out;
}

/** Whether one of the nodes that enclose `node` is a key of `declarations`. */
function isInside(node: ts.Node, declarations: ReadonlyMap<ts.Node, unknown>): boolean {
  for (let at = node.parent; at; at = at.parent) if (declarations.has(at)) return true;
  return false;
}

export function projectSourceFiles(project: Project): SourceFile[] {
  return project.getSourceFiles().filter((f) => !f.isDeclarationFile() && !f.isInNodeModules());
}

/**
 * Analyses the unmodified program and rewrites every file with durable code. User mistakes come
 * back as diagnostics; nothing is rewritten when there is an error.
 */
export function transformProject(project: Project, options: TransformProjectOptions): TransformResult {
  const files = options.files ?? projectSourceFiles(project);
  const empty: TransformResult = { diagnostics: [], files: new Map(), analyses: [], manifest: { version: 1, entries: {} } };
  const cache = options.files ? undefined : options.cache;
  // Files whose results are computed again; the others' come from the cache (watch mode).
  const dirtyNames = cache?.startBuild(project, files);
  const nameOf = (file: SourceFile) => path.normalize(file.getFilePath());
  const isDirty = (file: SourceFile) => !dirtyNames || dirtyNames.has(nameOf(file));

  // TypeScript's diagnostics that are not errors (warnings) are reported with durablec's.
  let tsDiagnostics: Diagnostic[] = [];
  if (options.typeCheck !== false) {
    const program = project.getProgram().compilerObject;
    // The project-level diagnostics are the tsconfig's: a compilation of chosen files (durablec
    // transform, the esbuild plugin) or of in-memory files under durablec's default options has none.
    const projectLevel = !options.files && program.getCompilerOptions().configFilePath !== undefined;
    tsDiagnostics = typeScriptDiagnostics(program, files, { projectLevel, isDirty, ...(cache ? { cache } : {}), ...(options.onFileChecked ? { onFileChecked: options.onFileChecked } : {}) });
    options.timings?.mark("check");
    if (hasErrors(tsDiagnostics)) return { ...empty, diagnostics: tsDiagnostics };
  }
  options.afterCheck?.();

  // Durable functions are discovered in the whole project (a call into another module's durable
  // function is a child context even when only this file is compiled); only `files` are rewritten.
  const selected = new Set(files);
  const everything = discover(options.files ? [...new Set([...projectSourceFiles(project), ...files])] : files);
  const discovery: Discovery = {
    functions: everything.functions.filter((f) => selected.has(f.sourceFile)),
    fileDirectives: new Map([...everything.fileDirectives].filter(([f]) => selected.has(f))),
    handwritten: everything.handwritten.filter((h) => selected.has(h.sourceFile)),
    diagnostics: everything.diagnostics.filter((d) => !d.file || files.some((f) => path.normalize(f.getFilePath()) === d.file)),
  };
  const config = options.config ?? defaultConfig();
  const checker = project.getTypeChecker().compilerObject;
  const classifier = new CallClassifier(everything.functions, config, options.rootDir, checker);
  const diagnostics: Diagnostic[] = [...tsDiagnostics, ...discovery.diagnostics];
  const analyses: FunctionAnalysis[] = [];
  for (const file of files) {
    const name = nameOf(file);
    let own = isDirty(file) ? undefined : cache?.analyses.get(name);
    if (!own) {
      const analysed = discovery.functions.filter((f) => f.sourceFile === file).map((fn) => analyzeDurableFunction(fn, classifier));
      const found = analysed.flatMap((a) => a.diagnostics);
      for (const h of discovery.handwritten) if (h.sourceFile === file) found.push(...checkHandwrittenHandler(h, classifier));
      found.push(...checkCallsFromOrdinaryCode([file], everything.functions, checker));
      own = { analyses: analysed, diagnostics: found };
      cache?.analyses.set(name, own);
    }
    analyses.push(...own.analyses);
    diagnostics.push(...own.diagnostics);
  }
  // Durable functions of other modules called from these files: analysed for the manifest only.
  const forManifest = [...analyses];
  const analysed = new Set(analyses.map((a) => a.fn));
  for (let i = 0; i < forManifest.length; i++) {
    for (const op of forManifest[i]!.operations) {
      if (op.classification.kind !== "durable-call" || analysed.has(op.classification.target)) continue;
      analysed.add(op.classification.target);
      forManifest.push(analyzeDurableFunction(op.classification.target, classifier));
    }
  }
  const manifest = buildManifest(forManifest, options.rootDir, new Set(analyses.map((a) => a.fn)));
  if (hasErrors(diagnostics)) return { diagnostics, files: new Map(), analyses, discovery, manifest };
  const namesByFile = new Map<SourceFile, GeneratedNames>();
  const namesOf = (file: SourceFile) => {
    let names = namesByFile.get(file);
    if (!names) namesByFile.set(file, (names = new GeneratedNames(file)));
    return names;
  };
  const rewritten = new Map<string, RewrittenFile>();
  const touched = new Set<SourceFile>([...discovery.fileDirectives.keys(), ...analyses.map((a) => a.fn.sourceFile)]);
  try {
    for (const file of touched) {
      const fileName = nameOf(file);
      const cached = isDirty(file) ? undefined : cache?.rewritten.get(fileName);
      if (cached) {
        rewritten.set(fileName, cached);
        continue;
      }
      const edits = new EditSet(fileName, file.getFullText());
      const fileDirective = discovery.fileDirectives.get(file);
      const context: PassContext = {
        file,
        edits,
        functions: analyses.filter((a) => a.fn.sourceFile === file),
        names: namesOf(file),
        namesOf,
        imports: { withDurableExecution: false, DurableContext: false, internal: false, inners: new Map() },
        ...(fileDirective ? { fileDirective } : {}),
      };
      for (const pass of PASSES) pass.run(context);
      const s = edits.apply();
      const map = s.generateDecodedMap({ hires: true, source: fileName, includeContent: false });
      const declarations = context.functions.map(({ fn }): DurableDeclaration => {
        const isDefault = Node.isFunctionDeclaration(fn.node) && fn.node.isDefaultExport();
        const hasExportKeyword = Node.isFunctionDeclaration(fn.declaration) ? fn.declaration.hasExportKeyword() : !!fn.declaration.getVariableStatement()?.hasExportKeyword();
        const exportedByList = fn.isEntry && !isDefault && !hasExportKeyword;
        return { name: fn.name, isDefault, exported: fn.isEntry || fn.declaration.isExported(), exportedByList, ctx: context.names.ctx, ...(fn.isEntry ? { inner: context.names.inner(fn.name) } : {}) };
      });
      const output: RewrittenFile = { fileName, original: edits.original, code: s.toString(), mappings: map.mappings as DecodedMappings, edits: edits.edits, declarations };
      rewritten.set(fileName, output);
      cache?.rewritten.set(fileName, output);
      options.onRewritten?.(output);
    }
  } catch (error) {
    const problem = error instanceof InternalCompilerError ? error.message : (error as Error).stack ?? String(error);
    return { diagnostics: [...diagnostics, createDiagnostic("InternalError", { problem })], files: new Map(), analyses, discovery, manifest };
  }
  options.timings?.mark("analysis");
  return { diagnostics, files: rewritten, analyses, discovery, manifest };
}
