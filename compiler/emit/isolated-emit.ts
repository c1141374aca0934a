import { ts } from "../project/ts-morph.js";

/**
 * Which files' JavaScript can be emitted from their text alone, with the same bytes the
 * type-checked program would emit. durablec emits its rewritten files this way: a program of just
 * those texts needs no lib and no type checker over the whole project, where a program that
 * resolves the user's modules costs a second checker (~150 ms on a 300-file project).
 *
 * TypeScript's JavaScript emit consults the type checker only to decide what is a type: imports
 * used only as types are dropped, re-exports of types are dropped, const enum members are inlined,
 * namespaces merged across files are qualified, and decorator metadata names runtime types. An
 * import's fate is decided from its uses inside the file, which a program holding just that file
 * sees too. Everything else on that list needs the other files, so a file is emitted in isolation
 * only when none of it applies (the rules `isolatedModules` enforces, checked here with the
 * analysed program's checker instead of being imposed on the user); the others go through the
 * program that resolves the user's modules. Both emits are compared byte for byte by
 * test/compiler/isolated-emit.test.ts (the cases the rules exist for) and fixtures.test.ts (every
 * rewritten fixture).
 */
export function isolatedEmitPolicy(program: ts.Program): ((sf: ts.SourceFile) => boolean) | undefined {
  if (!policies.has(program)) policies.set(program, policyOf(program));
  return policies.get(program);
}

const policies = new WeakMap<ts.Program, ((sf: ts.SourceFile) => boolean) | undefined>();

/**
 * A program over `files` (their texts as given) that emits them with the outputs, paths and
 * source maps `analysed` would produce: nothing resolved, no lib, no type checking, and the
 * analysed program's output layout (its computed common source directory) pinned as `rootDir`.
 */
export function isolatedEmitProgram(analysed: ts.Program, files: readonly { fileName: string; text: string }[]): ts.Program {
  const commonSourceDirectory = (analysed as ts.Program & { getCommonSourceDirectory(): string }).getCommonSourceDirectory();
  const options: ts.CompilerOptions = { ...analysed.getCompilerOptions(), rootDir: commonSourceDirectory, noResolve: true, noLib: true, noCheck: true, types: [], declaration: false, declarationMap: false };
  const texts = new Map(files.map((f) => [f.fileName, f.text]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = texts.get(fileName);
    return text === undefined ? getSourceFile(fileName, languageVersion, onError, shouldCreate) : ts.createSourceFile(fileName, text, languageVersion);
  };
  return ts.createProgram({ rootNames: [...texts.keys()], options, host });
}

function policyOf(program: ts.Program): ((sf: ts.SourceFile) => boolean) | undefined {
  const options = program.getCompilerOptions();
  if (options.emitDecoratorMetadata || options.rewriteRelativeImportExtensions || options.outFile) return undefined;
  if (!emitsEsModules(options)) return undefined;
  // A const enum anywhere (a declaration file included) may be inlined into any file.
  if (program.getSourceFiles().some((f) => CONST_ENUM.test(f.text))) return undefined;
  const checker = program.getTypeChecker();
  // Node16/NodeNext decide each file's format (package.json "type"); only ES module files qualify.
  const nodeModules = options.module! >= ts.ModuleKind.Node16 && options.module! <= ts.ModuleKind.NodeNext;
  const packageJsons = ts.createModuleResolutionCache(program.getCurrentDirectory(), (f) => f, options).getPackageJsonInfoCache();
  const isEsModule = (sf: ts.SourceFile) => !nodeModules || ts.getImpliedNodeFormatForFile(sf.fileName, packageJsons, ts.sys, options) === ts.ModuleKind.ESNext;
  return (sf) => isEsModule(sf) && isolatedEmitSafe(sf, checker);
}

const CONST_ENUM = /\bconst\s+enum\b/;

function emitsEsModules(options: ts.CompilerOptions): boolean {
  const module = options.module;
  if (module === undefined) return false;
  return (module >= ts.ModuleKind.ES2015 && module <= ts.ModuleKind.ESNext) || (module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext);
}

function isolatedEmitSafe(sf: ts.SourceFile, checker: ts.TypeChecker): boolean {
  if (!/\.m?ts$/.test(sf.fileName) || sf.isDeclarationFile || !ts.isExternalModule(sf)) return false;
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
