/**
 * ts-morph, loaded with `require`. Node's ES module loader lexes a CommonJS package for its export
 * names before running it; for ts-morph's 1 MB bundle that costs about 85 ms on every `durablec
 * build` (an `import` of ts-morph took ~314 ms, this `require` ~229 ms, and ~165 ms with the V8 code
 * cache bin/durablec.js enables). The compiler imports ts-morph's values from here; its types are
 * re-exported unchanged.
 */
import { createRequire } from "node:module";
import type * as M from "ts-morph";

const morph = createRequire(import.meta.url)("ts-morph") as typeof M;

export const Node = morph.Node;
export type Node<T extends M.ts.Node = M.ts.Node> = M.Node<T>;
export const SyntaxKind = morph.SyntaxKind;
export type SyntaxKind = M.SyntaxKind;
export const Project = morph.Project;
export type Project = M.Project;
export const ts = morph.ts;
/** The TypeScript types the compiler names as `ts.X`: add one here when tsc reports it missing. */
export declare namespace ts {
  export type Bundle = M.ts.Bundle;
  export type CallExpression = M.ts.CallExpression;
  export type CompilerHost = M.ts.CompilerHost;
  export type CompilerOptions = M.ts.CompilerOptions;
  export type Diagnostic = M.ts.Diagnostic;
  export type ModifierLike = M.ts.ModifierLike;
  export type Node = M.ts.Node;
  export type ParsedCommandLine = M.ts.ParsedCommandLine;
  export type Program = M.ts.Program;
  export type PropertyAccessExpression = M.ts.PropertyAccessExpression;
  export type ScriptTarget = M.ts.ScriptTarget;
  export type SourceFile = M.ts.SourceFile;
  export type Statement = M.ts.Statement;
  export type StringLiteralLike = M.ts.StringLiteralLike;
  export type Symbol = M.ts.Symbol;
  export type SyntaxKind = M.ts.SyntaxKind;
  export type TransformerFactory<T extends M.ts.Node> = M.ts.TransformerFactory<T>;
  export type TypeChecker = M.ts.TypeChecker;
  export type WriteFileCallback = M.ts.WriteFileCallback;
}
export type * from "ts-morph";
