/**
 * The walks on the checker's own nodes (compiler/analysis/compiler-nodes.ts) stand for ts-morph
 * traversals: they must find the same nodes in the same order, on every fixture's source and on
 * JSDoc inside function bodies.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { Project } from "ts-morph";
import { SyntaxKind } from "../../compiler/project/ts-morph.js";
import { calleeName, descendantsHoldingWhere, descendantsOfKind, forEachChildDescendantsWhere, identifiersNamed } from "../../compiler/analysis/compiler-nodes.js";
import { listFixtures } from "./fixture-runner.js";

const KINDS = [SyntaxKind.Identifier, SyntaxKind.StringLiteral, SyntaxKind.ThisKeyword] as const;

const JSDOC_IN_BODIES = `
/** @param x the input @returns {string} */
export function f(x: string): string {
  /** @type {number} */
  let n = 1;
  for (const c of x) {
    /** Counted with {@link n}. */
    n += c.length;
  }
  return \`\${this}\${n}\` + "done";
}
`;

function sameNodesAsMorph(text: string): void {
  const file = new Project({ useInMemoryFileSystem: true }).createSourceFile("/a.ts", text);
  for (const root of [file, ...file.getStatements()]) {
    for (const kind of KINDS) expect(descendantsOfKind(root, kind)).toEqual(root.getDescendantsOfKind(kind));
  }
}

describe("descendantsOfKind", () => {
  it("finds what getDescendantsOfKind finds, JSDoc included", () => {
    const file = new Project({ useInMemoryFileSystem: true }).createSourceFile("/a.ts", JSDOC_IN_BODIES);
    const ids = descendantsOfKind(file.getFunctionOrThrow("f"), SyntaxKind.Identifier).map((id) => id.getText());
    // JSDoc tag names and `{@link n}` are identifiers too, listed before the node they document.
    expect(ids).toEqual(["param", "x", "returns", "f", "x", "type", "n", "c", "x", "n", "n", "c", "length", "n"]);
    sameNodesAsMorph(JSDOC_IN_BODIES);
  });

  it("finds what getDescendantsOfKind finds in every fixture", () => {
    const fixtures = listFixtures();
    expect(fixtures.length).toBeGreaterThan(100);
    for (const f of fixtures) sameNodesAsMorph(fs.readFileSync(f.input, "utf8"));
  });
});

describe("descendantsHoldingWhere", () => {
  it("finds the calls of the names forEachChildDescendantsWhere finds, in every fixture", () => {
    const names = new Set(["step", "sleep", "fetch", "charge", "Date"]);
    let found = 0;
    for (const f of listFixtures()) {
      const file = new Project({ useInMemoryFileSystem: true }).createSourceFile("/a.ts", fs.readFileSync(f.input, "utf8"));
      const isCall = (n: Parameters<typeof calleeName>[0]) => n.kind === SyntaxKind.CallExpression && names.has(calleeName(n, file) ?? "");
      const calls = descendantsHoldingWhere(file.compilerNode, names, isCall);
      expect(calls).toEqual(forEachChildDescendantsWhere(file.compilerNode, isCall));
      found += calls.length;
    }
    expect(found).toBeGreaterThan(100);
  });
});

describe("identifiersNamed", () => {
  it("finds the identifiers of a name that getDescendantsOfKind finds, JSDoc included", () => {
    const file = new Project({ useInMemoryFileSystem: true }).createSourceFile("/a.ts", JSDOC_IN_BODIES);
    expect(identifiersNamed(file, "n").map((id) => id.getParentOrThrow().getKindName())).toEqual(["VariableDeclaration", "JSDocLink", "BinaryExpression", "TemplateSpan"]);
    for (const f of listFixtures()) {
      const fixture = new Project({ useInMemoryFileSystem: true }).createSourceFile("/a.ts", fs.readFileSync(f.input, "utf8"));
      for (const name of ["step", "sleep", "x", "input"]) {
        expect(identifiersNamed(fixture, name)).toEqual(fixture.getDescendantsOfKind(SyntaxKind.Identifier).filter((id) => id.getText() === name));
      }
    }
  });
});
