import * as path from "node:path";
import { ts } from "../project/ts-morph.js";
import type { TranspileInput, TranspileOptions, Transpiled } from "./transpiler.js";

/**
 * Which files' JavaScript is emitted from their text alone, by esbuild (transpiler.ts), instead of
 * by TypeScript's emitter: esbuild turns a file into JavaScript in a fraction of the time, on
 * another thread, while the main thread type-checks and emits declarations.
 *
 * TypeScript's JavaScript emit consults the type checker only to decide what is a type: imports
 * used only as types are dropped, re-exports of types are dropped, const enum members are inlined,
 * namespaces merged across files are qualified, and decorator metadata names runtime types. An
 * import's fate is decided from its uses inside the file, which a transpiler that sees just that
 * file decides the same way. Everything else on that list needs the other files, so a file is
 * emitted in isolation only when none of it applies (the rules `isolatedModules` enforces, checked
 * here with the analysed program's checker instead of being imposed on the user); the others are
 * emitted by TypeScript. test/compiler/isolated-emit.test.ts checks both emits link every file
 * the same way (imports, exports) and run the same; the fixture runs execute esbuild's output of
 * every compiled fixture.
 *
 * The JavaScript has esbuild's formatting (comments other than legal comments are dropped); its
 * semantics, output paths and source maps are those of the tsconfig.
 */
export interface IsolatedEmit {
  /** esbuild's options for the program's compiler options. */
  readonly options: TranspileOptions;
  /** A file whose kind and module format allow it (no type checker: decided before checking). */
  candidate(sf: ts.SourceFile): boolean;
  /** A candidate whose JavaScript cannot depend on other files (asks the type checker). */
  accepts(sf: ts.SourceFile): boolean;
  /** What esbuild gets for `fileName` with `text` (a rewritten file's text, or its own). */
  input(fileName: string, text: string): TranspileInput;
  /** The JavaScript and source map files of a transpiled file, where the program would emit them. */
  outputs(fileName: string, result: { code: string; map: string }): [file: string, text: string][];
}

/** How `program` emits files in isolation, or `undefined` when its options rule it out. */
export function isolatedEmit(program: ts.Program): IsolatedEmit | undefined {
  if (!emits.has(program)) emits.set(program, isolatedEmitOf(program));
  return emits.get(program);
}

const emits = new WeakMap<ts.Program, IsolatedEmit | undefined>();

function isolatedEmitOf(program: ts.Program): IsolatedEmit | undefined {
  const compilerOptions = program.getCompilerOptions();
  const options = transpileOptions(compilerOptions);
  const candidate = options && candidates(program);
  if (!options || !candidate) return undefined;
  // The analysed program's output layout: its computed common source directory, pinned.
  const rootDir = (program as ts.Program & { getCommonSourceDirectory(): string }).getCommonSourceDirectory();
  const layout: ts.ParsedCommandLine = { options: { ...compilerOptions, rootDir, declaration: false, declarationMap: false }, fileNames: [...program.getRootFileNames()], errors: [] };
  const ignoreCase = !ts.sys.useCaseSensitiveFileNames;
  const paths = new Map<string, readonly string[]>();
  const outputsOf = (fileName: string) => {
    let out = paths.get(fileName);
    if (!out) paths.set(fileName, (out = ts.getOutputFileNames(layout, fileName, ignoreCase)));
    return out;
  };
  /** The source as the map names it: relative to the JavaScript file, like tsc's maps. */
  const source = (fileName: string) => path.relative(path.dirname(outputsOf(fileName)[0]!), fileName).split(path.sep).join("/");
  let checker: ts.TypeChecker | undefined;
  return {
    options,
    candidate,
    accepts: (sf) => candidate(sf) && isolatedEmitSafe(sf, (checker ??= program.getTypeChecker())),
    input(fileName, text) {
      return { fileName, text, sourcefile: source(fileName) };
    },
    outputs(fileName, result) {
      const [js, map] = outputsOf(fileName) as [string, string?];
      if (!map) return [[js, result.code]];
      // The map names its source even when the file has no code (esbuild lists none then).
      const raw = JSON.parse(result.map) as Record<string, unknown>;
      const text = JSON.stringify({ version: raw.version, file: path.basename(js), sources: [source(fileName)], ...(raw.sourcesContent ? { sourcesContent: raw.sourcesContent } : {}), names: raw.names, mappings: raw.mappings });
      return [
        [js, `${result.code}//# sourceMappingURL=${path.basename(map)}`],
        [map, text],
      ];
    },
  };
}

/** True when esbuild produced JavaScript for the file. */
export function transpiled(result: Transpiled | undefined): result is { code: string; map: string } {
  return result !== undefined && !("error" in result);
}

/**
 * esbuild's transform options for `options`, or `undefined` for options esbuild cannot honour
 * the same way (a source map or output layout it does not produce, a target below ES2015).
 */
export function transpileOptions(options: ts.CompilerOptions): TranspileOptions | undefined {
  if (options.emitDecoratorMetadata || options.rewriteRelativeImportExtensions || options.outFile) return undefined;
  if (options.sourceRoot || options.mapRoot || options.emitBOM || options.newLine === ts.NewLineKind.CarriageReturnLineFeed) return undefined;
  if (!emitsEsModules(options)) return undefined;
  const target = computed.getEmitScriptTarget(options);
  if (target < ts.ScriptTarget.ES2015) return undefined;
  return {
    target: target >= ts.ScriptTarget.ESNext ? "esnext" : `es${2015 + target - ts.ScriptTarget.ES2015}`,
    sourcemap: !!options.sourceMap,
    sourcesContent: !!options.inlineSources,
    tsconfigRaw: {
      compilerOptions: {
        useDefineForClassFields: computed.getUseDefineForClassFields(options),
        verbatimModuleSyntax: options.verbatimModuleSyntax,
        experimentalDecorators: options.experimentalDecorators,
      },
    },
  };
}

/** The program's candidates for isolated emit: ES module `.ts`/`.mts` files with no const enum around. */
function candidates(program: ts.Program): ((sf: ts.SourceFile) => boolean) | undefined {
  const options = program.getCompilerOptions();
  // A const enum anywhere (a declaration file included) may be inlined into any file.
  if (program.getSourceFiles().some((f) => CONST_ENUM.test(f.text))) return undefined;
  // Node16/NodeNext decide each file's format (package.json "type"); only ES module files qualify.
  const nodeModules = options.module! >= ts.ModuleKind.Node16 && options.module! <= ts.ModuleKind.NodeNext;
  const packageJsons = ts.createModuleResolutionCache(program.getCurrentDirectory(), (f) => f, options).getPackageJsonInfoCache();
  const isEsModule = (sf: ts.SourceFile) => !nodeModules || ts.getImpliedNodeFormatForFile(sf.fileName, packageJsons, ts.sys, options) === ts.ModuleKind.ESNext;
  return (sf) => /\.m?ts$/.test(sf.fileName) && !sf.isDeclarationFile && ts.isExternalModule(sf) && isEsModule(sf);
}

const CONST_ENUM = /\bconst\s+enum\b/;

/** TypeScript's defaults for unset options (exported at run time, missing from its public types). */
const computed = ts as unknown as {
  getEmitScriptTarget(options: ts.CompilerOptions): ts.ScriptTarget;
  getUseDefineForClassFields(options: ts.CompilerOptions): boolean;
};

function emitsEsModules(options: ts.CompilerOptions): boolean {
  const module = options.module;
  if (module === undefined) return false;
  return (module >= ts.ModuleKind.ES2015 && module <= ts.ModuleKind.ESNext) || (module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext);
}

function isolatedEmitSafe(sf: ts.SourceFile, checker: ts.TypeChecker): boolean {
  for (const statement of sf.statements) {
    if (ts.isModuleDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) return false;
    if (ts.isExportAssignment(statement)) {
      if (statement.isExportEquals) return false;
      if (ts.isIdentifier(statement.expression) && !isValue(checker.getSymbolAtLocation(statement.expression), checker)) return false;
    }
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
      const clause = statement.exportClause;
      // `export * from`: whether it survives depends on what the other module exports.
      if (!clause) return false;
      if (ts.isNamedExports(clause)) {
        for (const specifier of clause.elements) {
          if (!specifier.isTypeOnly && !isValue(checker.getExportSpecifierLocalTargetSymbol(specifier), checker)) return false;
        }
      }
    }
  }
  return !(sf.text.includes("@") && hasDecorator(sf));
}

/** True when the symbol (followed through imports) has a runtime value. */
function isValue(symbol: ts.Symbol | undefined, checker: ts.TypeChecker): boolean {
  if (!symbol) return false;
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return (target.flags & ts.SymbolFlags.Value) !== 0 && !(target.flags & ts.SymbolFlags.ConstEnum);
}

function hasDecorator(node: ts.Node): boolean {
  return ts.isDecorator(node) || (ts.forEachChild(node, (child) => (hasDecorator(child) ? true : undefined)) ?? false);
}
