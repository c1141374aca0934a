import { Node, type Type } from "ts-morph";

/** A part of an input type no JSON value can have (a function, a Map…): accepted as is. */
export interface UnvalidatedPart {
  path: string;
  kind: string;
}

const MAX_DEPTH = 10;

/**
 * Writes zod code that checks a JSON value against a TypeScript type (an entry's event, a
 * callback's payload). Objects keep unknown keys (`z.looseObject`), so the code receives the
 * value the source would; `Date` accepts ISO strings and numbers (`z.coerce.date()`), as dates
 * cross JSON as strings. Recursive references are accepted unchecked (`z.unknown()`).
 */
export function zodSchemaOf(type: Type, at: Node, z: string, root: string): { code: string; unvalidated: UnvalidatedPart[] } {
  const unvalidated: UnvalidatedPart[] = [];
  const stack = new Set<Type>();

  const walk = (t: Type, path: string, depth: number): string => {
    if (depth > MAX_DEPTH) return `${z}.unknown()`;
    if (t.isAny()) return `${z}.any()`;
    if (t.isUnknown() || t.isTypeParameter()) return `${z}.unknown()`;
    if (t.isNever()) return `${z}.never()`;
    if (t.isUndefined() || t.getText() === "void") return `${z}.undefined()`;
    if (t.isNull()) return `${z}.null()`;
    if (t.isString()) return `${z}.string()`;
    if (t.isNumber()) return `${z}.number()`;
    if (t.isBoolean()) return `${z}.boolean()`;
    if (t.isBigInt()) return `${z}.coerce.bigint()`;
    if (t.isStringLiteral() || t.isNumberLiteral()) return `${z}.literal(${JSON.stringify(t.getLiteralValue())})`;
    if (t.isBooleanLiteral()) return `${z}.literal(${t.getText()})`;
    if (t.isTemplateLiteral()) return `${z}.string()`;
    if (t.isUnion()) {
      const members = t.getUnionTypes();
      const optional = members.some((m) => m.isUndefined());
      const nullable = members.some((m) => m.isNull());
      let rest = members.filter((m) => !m.isUndefined() && !m.isNull());
      let parts: string[] = [];
      if (rest.some((m) => m.getText() === "true") && rest.some((m) => m.getText() === "false")) {
        parts.push(`${z}.boolean()`);
        rest = rest.filter((m) => !m.isBooleanLiteral());
      }
      if (rest.length > 1 && rest.every((m) => m.isStringLiteral())) parts.push(`${z}.enum(${JSON.stringify(rest.map((m) => m.getLiteralValue()))})`);
      else parts = [...parts, ...rest.map((m) => walk(m, path, depth))];
      let code = parts.length === 0 ? `${z}.never()` : parts.length === 1 ? parts[0]! : `${z}.union([${parts.join(", ")}])`;
      if (nullable) code += ".nullable()";
      if (optional) code += ".optional()";
      return code;
    }
    if (stack.has(t)) return `${z}.unknown()`;
    stack.add(t);
    try {
      return walkObject(t, path, depth);
    } finally {
      stack.delete(t);
    }
  };

  const walkObject = (t: Type, path: string, depth: number): string => {
    const unchecked = (kind: string) => {
      unvalidated.push({ path, kind });
      return `${z}.any()`;
    };
    if (t.getCallSignatures().length > 0) return unchecked("a function");
    const name = t.getSymbol()?.getName() ?? "";
    if (name === "Date") return `${z}.coerce.date()`;
    if (["Map", "Set", "WeakMap", "WeakSet", "Promise", "RegExp"].includes(name) || t.getProperty("then")) return unchecked(`a ${name || "promise"}`);
    if (t.isArray() || t.isReadonlyArray()) return `${z}.array(${walk(t.getArrayElementTypeOrThrow(), `${path}[number]`, depth + 1)})`;
    if (t.isTuple()) return `${z}.tuple([${t.getTupleElements().map((e, i) => walk(e, `${path}[${i}]`, depth + 1)).join(", ")}])`;
    if (!t.isObject() && !t.isIntersection()) return `${z}.unknown()`;
    const props = t.getProperties();
    const index = t.getStringIndexType();
    if (props.length === 0 && index) return `${z}.record(${z}.string(), ${walk(index, `${path}[string]`, depth + 1)})`;
    const fields: string[] = [];
    for (const prop of props) {
      const decl = prop.getDeclarations()[0];
      const key = /^[A-Za-z_$][\w$]*$/.test(prop.getName()) ? prop.getName() : JSON.stringify(prop.getName());
      const propPath = `${path}.${prop.getName()}`;
      if (decl && (Node.isMethodDeclaration(decl) || Node.isMethodSignature(decl))) {
        unvalidated.push({ path: propPath, kind: "a function" });
        continue;
      }
      const optional = prop.isOptional();
      let propType = prop.getTypeAtLocation(at);
      if (optional && propType.isUnion()) {
        const defined = propType.getUnionTypes().filter((m) => !m.isUndefined());
        if (defined.length === 1) propType = defined[0]!;
      }
      let code = walk(propType, propPath, depth + 1);
      if (optional && !code.endsWith(".optional()")) code += ".optional()";
      fields.push(`${key}: ${code}`);
    }
    return `${z}.looseObject({ ${fields.join(", ")} })`;
  };

  const code = walk(type, root, 0);
  return { code, unvalidated };
}
