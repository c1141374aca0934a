/**
 * The `.d.ts` of a rewritten file, from the original file's declarations: the rewrites change no
 * type except the signatures of durable functions, so the analysed program (whose checker is warm)
 * emits the original declarations and this transformer reshapes those signatures the way
 * rewrite-entries-to-handlers.ts reshapes the code:
 *
 *   export declare function checkout(order: Order): Promise<Receipt>;
 *     →  export declare function checkout$durable(ctx: DurableContext, order: Order): Promise<Receipt>;
 *        export declare const checkout: DurableLambdaHandler;
 *   export declare function price(item: Item): Promise<number>;      (durable, not an entry)
 *     →  export declare function price(ctx: DurableContext, item: Item): Promise<number>;
 */
import { ts } from "../project/ts-morph.js";
import { SDK_MODULE } from "../analysis/discover.js";

/** A durable function of a rewritten file, as its declaration must look after compilation. */
export interface DurableDeclaration {
  name: string;
  /** The generated name of an entry's implementation (`checkout$durable`). */
  inner?: string;
  isDefault: boolean;
  /** Visible from other modules: its declaration must be in the `.d.ts`. */
  exported: boolean;
  /** An entry exported by an export list (`export { checkout }`): its implementation is exported by one too. */
  exportedByList: boolean;
  /** The name of the context parameter in the compiled code. */
  ctx: string;
}

export interface DeclarationReshaper {
  transformer: ts.TransformerFactory<ts.SourceFile | ts.Bundle>;
  /** Exported durable functions whose declaration was not found (a bug if not empty). */
  missing(): string[];
}

function hasModifier(statement: ts.Statement, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(statement) && !!ts.getModifiers(statement)?.some((m) => m.kind === kind);
}

export function reshapeDeclarations(durable: readonly DurableDeclaration[]): DeclarationReshaper {
  const found = new Set<DurableDeclaration>();
  const transformer: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => (node) => {
    if (!ts.isSourceFile(node) || durable.length === 0) return node;
    const f = context.factory;
    const sdkType = (name: string) => f.createImportTypeNode(f.createLiteralTypeNode(f.createStringLiteral(SDK_MODULE)), undefined, f.createIdentifier(name));
    const ctxParameter = (d: DurableDeclaration) => f.createParameterDeclaration(undefined, undefined, d.ctx, undefined, sdkType("DurableContext"));
    const taken = new Set<string>();
    node.forEachChild(function collect(n) {
      if (ts.isIdentifier(n)) taken.add(n.text);
      n.forEachChild(collect);
    });
    const fresh = (base: string) => {
      let name = base;
      for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
      taken.add(name);
      return name;
    };
    const byName = new Map(durable.filter((d) => !d.isDefault).map((d) => [d.name, d]));
    const defaultEntry = durable.find((d) => d.isDefault);
    const exportDeclare = (modifiers: readonly ts.ModifierLike[] | undefined) => (modifiers ?? []).filter((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword);
    const handlerConst = (modifiers: readonly ts.ModifierLike[], name: string) =>
      f.createVariableStatement(modifiers, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, sdkType("DurableLambdaHandler"))], ts.NodeFlags.Const));
    const declareModifier = [f.createModifier(ts.SyntaxKind.DeclareKeyword)];
    const exportList = (name: string) => f.createExportDeclaration(undefined, false, f.createNamedExports([f.createExportSpecifier(false, undefined, name)]));

    const statements: ts.Statement[] = [];
    for (const statement of node.statements) {
      if (ts.isFunctionDeclaration(statement)) {
        const isDefault = hasModifier(statement, ts.SyntaxKind.DefaultKeyword);
        const d = isDefault ? defaultEntry : statement.name ? byName.get(statement.name.text) : undefined;
        if (d) {
          found.add(d);
          const parameters = [ctxParameter(d), ...statement.parameters];
          if (!d.inner) {
            statements.push(f.updateFunctionDeclaration(statement, statement.modifiers, statement.asteriskToken, statement.name, statement.typeParameters, parameters, statement.type, statement.body));
          } else if (isDefault) {
            // The implementation is not exported: only the handler is the module's default.
            const local = fresh("_default");
            statements.push(handlerConst(declareModifier, local), f.createExportAssignment(undefined, undefined, f.createIdentifier(local)));
          } else {
            statements.push(f.updateFunctionDeclaration(statement, statement.modifiers, statement.asteriskToken, f.createIdentifier(d.inner), statement.typeParameters, parameters, statement.type, statement.body));
            statements.push(handlerConst(exportDeclare(statement.modifiers), d.name));
            if (d.exportedByList) statements.push(exportList(d.inner));
          }
          continue;
        }
      }
      if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1) {
        const declaration = statement.declarationList.declarations[0]!;
        const d = ts.isIdentifier(declaration.name) ? byName.get(declaration.name.text) : undefined;
        const type = declaration.type;
        if (d && type && ts.isFunctionTypeNode(type)) {
          found.add(d);
          const reshaped = f.updateFunctionTypeNode(type, type.typeParameters, f.createNodeArray([ctxParameter(d), ...type.parameters]), type.type);
          const name = d.inner ?? d.name;
          const list = f.updateVariableDeclarationList(statement.declarationList, [f.updateVariableDeclaration(declaration, f.createIdentifier(name), undefined, reshaped, undefined)]);
          statements.push(f.updateVariableStatement(statement, statement.modifiers, list));
          if (d.inner) statements.push(handlerConst(exportDeclare(statement.modifiers), d.name));
          if (d.inner && d.exportedByList) statements.push(exportList(d.inner));
          continue;
        }
      }
      statements.push(statement);
    }
    return f.updateSourceFile(node, statements);
  };
  return { transformer, missing: () => durable.filter((d) => d.exported && !found.has(d)).map((d) => d.name) };
}
