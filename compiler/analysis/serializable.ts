import { Node, type Type } from "../project/ts-morph.js";
import { isThenable } from "./thenable.js";

/** One reason a step result does not survive the JSON checkpoint. */
export interface SerializationProblem {
  /** `result.customer.save` */
  path: string;
  /** `a function`, `a symbol`, `a promise`, `a bigint`, `a Date`… */
  kind: string;
  /** Lossy values come back different on replay (warning); the others cannot be stored (error). */
  lossy: boolean;
  /** For lossy values: what replay returns instead. */
  becomes?: string;
}

const TYPED_ARRAYS = ["Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Uint8ClampedArray", "Buffer"];
const LOSSY: Record<string, string> = {
  Date: "an ISO string",
  Map: "an empty object",
  Set: "an empty object",
  RegExp: "an empty object",
  ArrayBuffer: "an empty object",
  ...Object.fromEntries(TYPED_ARRAYS.map((t) => [t, "an object keyed by index"])),
};

/**
 * Walks the static type of a step result and returns the first value that JSON cannot represent
 * (functions, symbols, promises, bigints, class instances with methods) or does not round-trip
 * (Date, Map, Set).
 */
export function findSerializationProblem(type: Type, at: Node, path = "result"): SerializationProblem | undefined {
  return walk(type, at, path, 0, new Set());
}

function walk(type: Type, at: Node, path: string, depth: number, seen: Set<Type>): SerializationProblem | undefined {
  if (depth > 6 || seen.has(type)) return undefined;
  if (type.isAny() || type.isUnknown() || type.isNever() || type.isUndefined() || type.isNull()) return undefined;
  if (type.isString() || type.isNumber() || type.isBoolean() || type.isLiteral() || type.isEnum() || type.isEnumLiteral()) return undefined;
  if (type.isTypeParameter()) return undefined;
  const text = type.getText();
  if (text === "void") return undefined;
  if (type.isBigInt() || type.isBigIntLiteral?.()) return { path, kind: "a bigint", lossy: false };
  if (/^(unique )?symbol$/.test(text) || type.getFlags() & 4096 /* ESSymbol */ || type.getFlags() & 8192 /* UniqueESSymbol */) {
    return { path, kind: "a symbol", lossy: false };
  }
  if (type.isUnion()) {
    for (const t of type.getUnionTypes()) {
      const p = walk(t, at, path, depth, seen);
      if (p) return p;
    }
    return undefined;
  }
  if (type.isIntersection()) {
    for (const t of type.getIntersectionTypes()) {
      const p = walk(t, at, path, depth, seen);
      if (p) return p;
    }
    return undefined;
  }
  seen.add(type);
  try {
    if (type.getCallSignatures().length > 0) return { path, kind: "a function", lossy: false };
    if (isThenable(type.compilerType)) return { path, kind: "a promise", lossy: false };
    const symbolName = type.getSymbol()?.getName();
    if (symbolName && LOSSY[symbolName]) return { path, kind: `a ${symbolName}`, lossy: true, becomes: LOSSY[symbolName] };
    if (type.isArray()) return walk(type.getArrayElementTypeOrThrow(), at, `${path}[number]`, depth + 1, seen);
    if (type.isTuple()) {
      const elements = type.getTupleElements();
      for (let i = 0; i < elements.length; i++) {
        const p = walk(elements[i]!, at, `${path}[${i}]`, depth + 1, seen);
        if (p) return p;
      }
      return undefined;
    }
    if (type.isObject()) {
      for (const prop of type.getProperties()) {
        const decl = prop.getDeclarations()[0];
        if (decl && (Node.isMethodDeclaration(decl) || Node.isMethodSignature(decl))) {
          return { path: `${path}.${prop.getName()}`, kind: "a function", lossy: false };
        }
        const p = walk(prop.getTypeAtLocation(at), at, `${path}.${prop.getName()}`, depth + 1, seen);
        if (p) return p;
      }
    }
    return undefined;
  } finally {
    seen.delete(type);
  }
}

/** The type a promise resolves to (`Promise<T>` → `T`), or the type itself. */
export function awaitedType(type: Type): Type {
  if (type.isUnion()) {
    const promise = type.getUnionTypes().find((t) => isThenable(t.compilerType));
    if (!promise) return type;
    return awaitedType(promise);
  }
  const symbolName = type.getSymbol()?.getName() ?? type.getAliasSymbol()?.getName();
  if (isThenable(type.compilerType) && (symbolName === "Promise" || symbolName === "DurablePromise" || symbolName === "PromiseLike")) {
    const arg = type.getTypeArguments()[0];
    if (arg) return awaitedType(arg);
  }
  return type;
}
