/**
 * ts-morph, loaded with `require`. Node's ES module loader lexes a CommonJS package for its export
 * names before running it; for ts-morph's 1 MB bundle that costs about 85 ms on every `durablec
 * build` (an `import` of ts-morph took ~314 ms, this `require` ~229 ms, and ~165 ms with the V8 code
 * cache bin/durablec.js enables). The compiler imports ts-morph's values from here; its types are
 * re-exported unchanged.
 */
import { createRequire } from "node:module";
import type * as M from "ts-morph";

const require = createRequire(import.meta.url);
const morph = require("ts-morph") as typeof M;

export const Node = morph.Node;
export type Node<T extends M.ts.Node = M.ts.Node> = M.Node<T>;
export const SyntaxKind = morph.SyntaxKind;
export type SyntaxKind = M.SyntaxKind;
export type Project = M.Project;
export const ts = morph.ts;
/** The TypeScript types the compiler names as `ts.X`: add one here when tsc reports it missing. */
export declare namespace ts {
  export type ArrowFunction = M.ts.ArrowFunction;
  export type Block = M.ts.Block;
  export type Bundle = M.ts.Bundle;
  export type CallExpression = M.ts.CallExpression;
  export type ClassDeclaration = M.ts.ClassDeclaration;
  export type CompilerHost = M.ts.CompilerHost;
  export type CompilerOptions = M.ts.CompilerOptions;
  export type Diagnostic = M.ts.Diagnostic;
  export type Expression = M.ts.Expression;
  export type ElementAccessExpression = M.ts.ElementAccessExpression;
  export type ExpressionStatement = M.ts.ExpressionStatement;
  export type FunctionExpression = M.ts.FunctionExpression;
  export type FunctionLikeDeclaration = M.ts.FunctionLikeDeclaration;
  export type Identifier = M.ts.Identifier;
  export type ImportDeclaration = M.ts.ImportDeclaration;
  export type ImportSpecifier = M.ts.ImportSpecifier;
  export type InterfaceDeclaration = M.ts.InterfaceDeclaration;
  export type JSDoc = M.ts.JSDoc;
  export type ModifierLike = M.ts.ModifierLike;
  export type NewExpression = M.ts.NewExpression;
  export type Node = M.ts.Node;
  export type ParsedCommandLine = M.ts.ParsedCommandLine;
  export type Program = M.ts.Program;
  export type PropertyAccessExpression = M.ts.PropertyAccessExpression;
  export type PropertyAssignment = M.ts.PropertyAssignment;
  export type PropertyDeclaration = M.ts.PropertyDeclaration;
  export type ScriptTarget = M.ts.ScriptTarget;
  export type SourceFile = M.ts.SourceFile;
  export type Statement = M.ts.Statement;
  export type StringLiteral = M.ts.StringLiteral;
  export type StringLiteralLike = M.ts.StringLiteralLike;
  export type Symbol = M.ts.Symbol;
  export type SyntaxKind = M.ts.SyntaxKind;
  export type TransformerFactory<T extends M.ts.Node> = M.ts.TransformerFactory<T>;
  export type Type = M.ts.Type;
  export type TypeChecker = M.ts.TypeChecker;
  export type VariableDeclaration = M.ts.VariableDeclaration;
  export type WriteFileCallback = M.ts.WriteFileCallback;
}
export type * from "ts-morph";

/**
 * Declarations that only TypeScript's checker reads: its lib files (1.3 MB for lib.dom.d.ts) and
 * DefinitelyTyped packages (@types/node: 2 MB, mostly JSDoc). durablec looks for JSDoc tags
 * (`@deterministic`, `@effectful`) in the user's code and in packages, never there.
 */
const CHECKER_ONLY_DECLARATIONS = /[\\/]node_modules[\\/](?:typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts|@types[\\/])/;

interface SourceFileFactory {
  getStandardizedAbsolutePath(filePath: string): string;
}

/**
 * ts-morph's cache of parsed files, with TypeScript's lib files and `@types` parsed as `tsc`
 * parses them: without the JSDoc the type checker does not need, and with parent pointers left to
 * the binder. ts-morph parses every file with full JSDoc and a separate pass setting parent
 * pointers; for those declaration files that cost ~0.1 s of every build. ts-morph creates a
 * Project's registry as `new common.DocumentRegistry(…)`, so `createProject` swaps the class while
 * it creates one (test/compiler/ts-morph-registry.test.ts checks it still works); other users of
 * ts-morph in the same process keep ts-morph's own.
 */
const common = createRequire(require.resolve("ts-morph"))("@ts-morph/common") as { DocumentRegistry: new (fs: SourceFileFactory) => object };
const MorphDocumentRegistry = common.DocumentRegistry;
type ScriptSnapshot = M.ts.IScriptSnapshot;

class DocumentRegistry extends MorphDocumentRegistry {
  readonly #files = new Map<string, M.ts.SourceFile>();
  readonly #fileSystem: SourceFileFactory;

  constructor(fileSystem: SourceFileFactory) {
    super(fileSystem);
    this.#fileSystem = fileSystem;
  }

  createOrUpdateSourceFile(fileName: string, settings: M.ts.CompilerOptions, snapshot: ScriptSnapshot, scriptKind?: M.ts.ScriptKind): M.ts.SourceFile {
    const previous = this.#files.get(fileName);
    const version = previous ? String((parseInt(this.getSourceFileVersion(previous), 10) || 0) + 1) : "0";
    return this.#parse(fileName, settings, snapshot, version, scriptKind);
  }

  acquireDocument(fileName: string, settings: M.ts.CompilerOptions, snapshot: ScriptSnapshot, version: string, scriptKind?: M.ts.ScriptKind): M.ts.SourceFile {
    const standardized = this.#fileSystem.getStandardizedAbsolutePath(fileName);
    const cached = this.#files.get(standardized);
    return cached && this.getSourceFileVersion(cached) === version ? cached : this.#parse(standardized, settings, snapshot, version, scriptKind);
  }

  /**
   * What TypeScript's program passes its hosts for a file (its `getCreateSourceFileOptions`): the
   * file's module format under Node16/NodeNext (package.json `"type"`, `.mts`/`.cts`) and the
   * tsconfig's `moduleDetection`. ts-morph's registry passes only the target, so every file's
   * format was unknown: an ES module file's extensionless import went unreported (TS2835) and a
   * CommonJS package's files were emitted as ES modules.
   */
  #createOptions(fileName: string, settings: M.ts.CompilerOptions): M.ts.CreateSourceFileOptions {
    const format = internal.getImpliedNodeFormatForFileWorker(fileName, this.#packageJsons(settings), ts.sys, settings);
    return {
      ...(typeof format === "object" ? format : { impliedNodeFormat: format }),
      languageVersion: internal.getEmitScriptTarget(settings),
      setExternalModuleIndicator: internal.getSetExternalModuleIndicator(settings),
    };
  }

  #packageJsonCache: M.ts.PackageJsonInfoCache | undefined;
  #packageJsons(settings: M.ts.CompilerOptions): M.ts.PackageJsonInfoCache {
    return (this.#packageJsonCache ??= ts.createModuleResolutionCache(ts.sys.getCurrentDirectory(), (f) => f, settings).getPackageJsonInfoCache());
  }

  removeSourceFile(fileName: string): void {
    this.#files.delete(fileName);
  }

  getSourceFileVersion(sourceFile: M.ts.SourceFile): string {
    return (sourceFile as M.ts.SourceFile & { version?: string }).version || "0";
  }

  #parse(fileName: string, settings: M.ts.CompilerOptions, snapshot: ScriptSnapshot, version: string, scriptKind?: M.ts.ScriptKind): M.ts.SourceFile {
    const checkerOnly = CHECKER_ONLY_DECLARATIONS.test(fileName);
    const options = { ...this.#createOptions(fileName, settings), jsDocParsingMode: checkerOnly ? ts.JSDocParsingMode.ParseForTypeErrors : ts.JSDocParsingMode.ParseAll };
    const sourceFile = ts.createLanguageServiceSourceFile(fileName, snapshot, options, version, !checkerOnly, scriptKind);
    this.#files.set(fileName, sourceFile);
    return sourceFile;
  }
}

/** TypeScript functions its program uses to create source files (exported at run time, not typed). */
const internal = ts as unknown as {
  getImpliedNodeFormatForFileWorker(fileName: string, packageJsons: M.ts.PackageJsonInfoCache, host: M.ts.ModuleResolutionHost, options: M.ts.CompilerOptions): M.ts.ResolutionMode | { impliedNodeFormat: M.ts.ResolutionMode; packageJsonLocations: readonly string[]; packageJsonScope: unknown } | undefined;
  getEmitScriptTarget(options: M.ts.CompilerOptions): M.ts.ScriptTarget;
  getSetExternalModuleIndicator(options: M.ts.CompilerOptions): (file: M.ts.SourceFile) => void;
};

/** A ts-morph Project that parses lib files and `@types` packages as `tsc` does (see above). */
export function createProject(options?: M.ProjectOptions): M.Project {
  common.DocumentRegistry = DocumentRegistry;
  try {
    return new morph.Project(options);
  } finally {
    common.DocumentRegistry = MorphDocumentRegistry;
  }
}

