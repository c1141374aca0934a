import { Node, type Type } from "../project/ts-morph.js";
import { isVoid } from "./type-descriptor.js";
import { buildZod, JSON_SCHEMA_DIALECT, type InputSchema, type ZodBuilder } from "../../runtime/internal/input-schema.js";
import { isThenable } from "./thenable.js";

export type { InputSchema };

/** A part of an input type no JSON value can have (a function, a Map…): accepted as is. */
export interface UnvalidatedPart {
  path: string;
  kind: string;
}

const MAX_DEPTH = 10;
const OPTIONAL = "x-durablec-optional";

/**
 * The schema of a JSON value of a TypeScript type (an entry's event, a callback's payload): the
 * one description both the generated zod code and the manifest's `eventSchema` come from (see
 * runtime/internal/input-schema.ts). Objects keep unknown keys; `Date` accepts what
 * `new Date(value)` reads (ISO strings, numbers), as dates cross JSON as strings. Recursive
 * references are accepted unchecked.
 */
export function inputSchemaOf(type: Type, at: Node, root: string): { schema: InputSchema; unvalidated: UnvalidatedPart[] } {
  const unvalidated: UnvalidatedPart[] = [];
  const stack = new Set<Type>();

  const walk = (t: Type, path: string, depth: number): InputSchema => {
    if (depth > MAX_DEPTH) return {};
    if (t.isAny()) return { "x-durablec": "any" };
    if (t.isUnknown() || t.isTypeParameter()) return {};
    if (t.isNever()) return { not: {} };
    if (t.isUndefined() || isVoid(t)) return { not: {}, "x-durablec": "undefined" };
    if (t.isNull()) return { type: "null" };
    if (t.isString()) return { type: "string" };
    if (t.isNumber()) return { type: "number" };
    if (t.isBoolean()) return { type: "boolean" };
    if (t.isBigInt()) return { anyOf: [{ type: "string", pattern: "^-?[0-9]+$" }, { type: "integer" }], "x-durablec": "bigint" };
    if (t.isStringLiteral() || t.isNumberLiteral()) return { const: t.getLiteralValue() as string | number };
    if (t.isBooleanLiteral()) return { const: t.getText() === "true" };
    if (t.isTemplateLiteral()) return { type: "string" };
    if (t.isUnion()) {
      const members = t.getUnionTypes();
      const optional = members.some((m) => m.isUndefined());
      const nullable = members.some((m) => m.isNull());
      let rest = members.filter((m) => !m.isUndefined() && !m.isNull());
      let parts: InputSchema[] = [];
      if (rest.some((m) => m.isBooleanLiteral() && m.getText() === "true") && rest.some((m) => m.isBooleanLiteral() && m.getText() === "false")) {
        parts.push({ type: "boolean" });
        rest = rest.filter((m) => !m.isBooleanLiteral());
      }
      // The checker lists a union's members in the order their types were created, which depends
      // on what else the program contains: sorted, the schema (and the generated code) is the
      // same for a whole-project build, one file through esbuild, or `durablec transform`.
      if (rest.length > 1 && rest.every((m) => m.isStringLiteral())) parts.push({ enum: rest.map((m) => m.getLiteralValue() as string).sort() });
      else parts = [...parts, ...rest.map((m) => walk(m, path, depth)).sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b)))];
      if (parts.length === 0) parts.push({ not: {} });
      if (nullable) parts.push({ type: "null" });
      const schema: InputSchema = parts.length === 1 ? parts[0]! : { anyOf: parts };
      return optional ? { ...schema, [OPTIONAL]: true } : schema;
    }
    if (stack.has(t)) return {};
    stack.add(t);
    try {
      return walkObject(t, path, depth);
    } finally {
      stack.delete(t);
    }
  };

  const walkObject = (t: Type, path: string, depth: number): InputSchema => {
    const unchecked = (kind: string): InputSchema => {
      unvalidated.push({ path, kind });
      return { "x-durablec": "any" };
    };
    if (t.getCallSignatures().length > 0) return unchecked("a function");
    const name = t.getSymbol()?.getName() ?? "";
    if (name === "Date") return { type: "string", format: "date-time", "x-durablec": "date" };
    if (["Map", "Set", "WeakMap", "WeakSet", "Promise", "RegExp"].includes(name) || isThenable(t.compilerType)) return unchecked(`a ${name || "promise"}`);
    if (t.isArray() || t.isReadonlyArray()) return { type: "array", items: walk(t.getArrayElementTypeOrThrow(), `${path}[number]`, depth + 1) };
    if (t.isTuple()) {
      const prefixItems = t.getTupleElements().map((e, i) => walk(e, `${path}[${i}]`, depth + 1));
      let minItems = prefixItems.length;
      while (minItems > 0 && prefixItems[minItems - 1]![OPTIONAL]) minItems--;
      return { type: "array", prefixItems, items: false, minItems };
    }
    if (!t.isObject() && !t.isIntersection()) return {};
    const props = t.getProperties();
    const index = t.getStringIndexType();
    if (props.length === 0 && index) return { type: "object", additionalProperties: walk(index, `${path}[string]`, depth + 1) };
    const properties: Record<string, InputSchema> = {};
    const required: string[] = [];
    for (const prop of props) {
      const decl = prop.getDeclarations()[0];
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
      const schema = walk(propType, propPath, depth + 1);
      properties[prop.getName()] = schema;
      if (!optional && !schema[OPTIONAL] && schema["x-durablec"] !== "undefined") required.push(prop.getName());
    }
    return { type: "object", properties, ...(required.length ? { required } : {}) };
  };

  const schema = walk(type, root, 0);
  return { schema: { $schema: JSON_SCHEMA_DIALECT, ...schema }, unvalidated };
}

/** zod code text for `z` (the local name of zod's `z`). */
function textBuilder(z: string): ZodBuilder<string> {
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
  return {
    any: () => `${z}.any()`,
    unknown: () => `${z}.unknown()`,
    never: () => `${z}.never()`,
    undefined: () => `${z}.undefined()`,
    null: () => `${z}.null()`,
    string: () => `${z}.string()`,
    number: () => `${z}.number()`,
    boolean: () => `${z}.boolean()`,
    bigint: () => `${z}.coerce.bigint()`,
    date: () => `${z}.coerce.date()`,
    literal: (v) => `${z}.literal(${JSON.stringify(v)})`,
    enum: (values) => `${z}.enum(${JSON.stringify(values)})`,
    union: (members) => `${z}.union([${members.join(", ")}])`,
    nullable: (t) => `${t}.nullable()`,
    optional: (t) => (t.endsWith(".optional()") ? t : `${t}.optional()`),
    array: (t) => `${z}.array(${t})`,
    tuple: (ts) => `${z}.tuple([${ts.join(", ")}])`,
    record: (t) => `${z}.record(${z}.string(), ${t})`,
    object: (fields) => `${z}.looseObject({ ${fields.map(([k, t]) => `${key(k)}: ${t}`).join(", ")} })`,
  };
}

/**
 * Writes zod code that checks a JSON value against a schema from {@link inputSchemaOf}: the
 * runtime builds the same zod schema from the manifest's copy of that schema.
 */
export function zodCodeOf(schema: InputSchema, z: string): string {
  return buildZod(schema, textBuilder(z));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
