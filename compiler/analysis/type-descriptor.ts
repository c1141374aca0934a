import { Node, ts, type Type } from "../project/ts-morph.js";
import type { TypeDescriptor } from "../../runtime/internal/serdes.js";
import type { SerializationProblem } from "./serializable.js";
import { isThenable } from "./thenable.js";

export type { TypeDescriptor };

/** What the checkpoint needs to know about a step result's static type. */
export interface ResultTypeAnalysis {
  /** 0 when plain JSON round-trips the value; otherwise the codec's descriptor. */
  descriptor: TypeDescriptor;
  /** A value the codec cannot store or rebuild (an error), or one that comes back different (a warning). */
  problem?: SerializationProblem;
  /** The static type is `any` or `unknown`: nothing can be checked. */
  untyped: boolean;
}

const BYTES = new Set(["Uint8Array", "Int8Array", "Uint8ClampedArray", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Buffer", "ArrayBuffer"]);
/** Built-ins the codec does not rebuild: they come back as what JSON makes of them. */
const LOSSY: Record<string, string> = { RegExp: "an empty object", WeakMap: "an empty object", WeakSet: "an empty object", Error: "a plain object without its stack", URL: "a string", URLSearchParams: "an empty object" };
const MAX_DEPTH = 8;

/**
 * Derives the codec descriptor of a step result's static type (see runtime/internal/serdes.ts)
 * and the first value that cannot round-trip, named by its path (`result.customer.save`).
 * Recursive types are fine while they are plain JSON; a recursive type that needs a codec is
 * reported (the descriptor is finite).
 */
export function analyzeResultType(type: Type, at: Node, root = "result"): ResultTypeAnalysis {
  let problem: SerializationProblem | undefined;
  let recursive = false;
  const stack = new Set<Type>();
  const report = (p: SerializationProblem) => {
    if (!problem || (problem.lossy && !p.lossy)) problem = p;
  };

  const walk = (t: Type, path: string, depth: number): TypeDescriptor => {
    if (depth > MAX_DEPTH) return 0;
    if (t.isAny() || t.isUnknown() || t.isNever() || t.isUndefined() || t.isNull() || t.isTypeParameter()) return 0;
    if (t.isString() || t.isNumber() || t.isBoolean() || t.isLiteral() || t.isEnum() || t.isEnumLiteral() || t.isBooleanLiteral()) return 0;
    if (isVoid(t)) return 0;
    if (t.isBigInt() || t.isBigIntLiteral()) return "bigint";
    if (t.getFlags() & ts.TypeFlags.ESSymbolLike) {
      report({ path, kind: "a symbol", lossy: false });
      return 0;
    }
    if (t.isUnion()) {
      const members = t.getUnionTypes().filter((m) => !m.isUndefined() && !m.isNull());
      if (members.every((m) => m.isBooleanLiteral())) return 0;
      const described = members.map((m) => walk(m, path, depth));
      const special = described.filter((d) => d !== 0);
      if (special.length === 0) return 0;
      const unique = dedupe(special);
      if (unique.length === 1 && special.length === described.length) return unique[0]!;
      return ["union", described.some((d) => d === 0) ? [...unique, 0] : unique];
    }
    if (t.isIntersection()) {
      const parts = t.getIntersectionTypes().map((m) => walk(m, path, depth));
      const objects = parts.filter((p): p is ["object", Record<string, TypeDescriptor>] => Array.isArray(p) && p[0] === "object");
      if (objects.length > 0) return ["object", Object.assign({}, ...objects.map((o) => o[1]))];
      return parts.find((p) => p !== 0) ?? 0;
    }
    if (stack.has(t)) {
      recursive = true;
      return 0;
    }
    stack.add(t);
    try {
      return describeObject(t, path, depth);
    } finally {
      stack.delete(t);
    }
  };

  const describeObject = (t: Type, path: string, depth: number): TypeDescriptor => {
    if (t.getCallSignatures().length > 0) {
      report({ path, kind: "a function", lossy: false });
      return 0;
    }
    if (isThenable(t.compilerType)) {
      report({ path, kind: "a promise", lossy: false });
      return 0;
    }
    const name = t.getSymbol()?.getName() ?? "";
    if (name === "Date") return "Date";
    if (BYTES.has(name)) return name as TypeDescriptor;
    const args = t.getTypeArguments();
    if ((name === "Map" || name === "ReadonlyMap") && args.length === 2) return ["map", walk(args[0]!, `${path}.<key>`, depth + 1), walk(args[1]!, `${path}.<value>`, depth + 1)];
    if ((name === "Set" || name === "ReadonlySet") && args.length === 1) return ["set", walk(args[0]!, `${path}.<element>`, depth + 1)];
    if (LOSSY[name]) {
      report({ path, kind: `a ${name}`, lossy: true, becomes: LOSSY[name] });
      return 0;
    }
    if (t.isArray() || t.isReadonlyArray()) {
      const element = t.getArrayElementTypeOrThrow();
      return arrayOf(element, walk(element, `${path}[number]`, depth + 1));
    }
    if (t.isTuple()) {
      const elements = t.getTupleElements().map((e, i) => keepUndefined(e, walk(e, `${path}[${i}]`, depth + 1)));
      return elements.some((e) => e !== 0) ? ["tuple", elements] : 0;
    }
    if (!t.isObject()) return 0;
    const props: Record<string, TypeDescriptor> = {};
    for (const prop of t.getProperties()) {
      const decl = prop.getDeclarations()[0];
      if (decl && (Node.isMethodDeclaration(decl) || Node.isMethodSignature(decl))) {
        report({ path: `${path}.${prop.getName()}`, kind: "a function", lossy: false });
        continue;
      }
      const d = walk(prop.getTypeAtLocation(at), `${path}.${prop.getName()}`, depth + 1);
      if (d !== 0) props[prop.getName()] = d;
    }
    const index = t.getStringIndexType() ?? t.getNumberIndexType();
    if (index && Object.keys(props).length === 0 && t.getProperties().length === 0) {
      const d = walk(index, `${path}[string]`, depth + 1);
      return d === 0 ? 0 : ["record", d];
    }
    return Object.keys(props).length ? ["object", props] : 0;
  };

  const untyped = type.isAny() || type.isUnknown();
  const descriptor = walk(type, root, 0);
  if (recursive && descriptor !== 0) report({ path: root, kind: "a recursive type with Date, Map, Set, bigint or byte values (its codec would be infinite)", lossy: false });
  return { descriptor, untyped, ...(problem ? { problem } : {}) };
}

/** `(T | undefined)[]`: a plain element type must still keep its `undefined`s. */
function arrayOf(element: Type, d: TypeDescriptor): TypeDescriptor {
  const withUndefined = keepUndefined(element, d);
  return withUndefined === 0 ? 0 : ["array", withUndefined];
}

function keepUndefined(t: Type, d: TypeDescriptor): TypeDescriptor {
  if (d !== 0) return d;
  const hasUndefined = t.isUndefined() || (t.isUnion() && t.getUnionTypes().some((m) => m.isUndefined())) || isVoid(t);
  return hasUndefined ? "undefined" : 0;
}

/** `void`, from the type's flags: printing the type to compare its text costs a type-to-string. */
export function isVoid(t: Type): boolean {
  return (t.getFlags() & ts.TypeFlags.Void) !== 0;
}

function dedupe(ds: TypeDescriptor[]): TypeDescriptor[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = JSON.stringify(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
