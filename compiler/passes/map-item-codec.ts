/**
 * Items of a loop compiled to `context.map` return the values their reductions logged
 * (`{ dates: [Date, …] }`); the SDK checkpoints item results and the batch result as JSON, on the
 * first run too, so a Date, Map, Set or bigint in them needs the codec of its type
 * (runtime/internal/serdes.ts), as step results do.
 *
 *   { maxConcurrency: 1, itemNamer: … }  →  { maxConcurrency: 1, itemNamer: …, ...durablec.mapSerdes(["object", {"dates": ["array", "Date"]}]) }
 */
import { Node, type Type } from "../project/ts-morph.js";
import type { MapPlan, PromiseMapPlan } from "../analysis/loops.js";
import { awaitedType } from "../analysis/serializable.js";
import { analyzeResultType, type TypeDescriptor } from "../analysis/type-descriptor.js";
import type { PassContext } from "./pass-context.js";

function loggedType(declaration: Node, spread: boolean): Type {
  const type = declaration.getType();
  if (!spread) return type;
  return type.getArrayElementType() ?? type.getNumberIndexType() ?? type;
}

/** `, ...durablec.mapSerdes(…)` for a mapped loop whose logged values need a codec, else "". */
export function mapItemCodec(context: PassContext, plan: MapPlan): string {
  const props: Record<string, TypeDescriptor> = {};
  for (const r of plan.reductions) {
    const type = loggedType(r.declaration, r.spread);
    let d = analyzeResultType(type, r.declaration).descriptor;
    if (d === 0 && (type.isUndefined() || (type.isUnion() && type.getUnionTypes().some((m) => m.isUndefined())))) d = "undefined";
    if (d !== 0) props[r.variable] = ["array", d];
  }
  if (Object.keys(props).length === 0) return "";
  context.imports.internal = true;
  return `, ...${context.names.internal}.mapSerdes(${JSON.stringify(["object", props])})`;
}

/** Adds `extra` (`, key: value`) to an object literal's text `{ … }`. */
export function withConfigEntry(config: string, extra: string): string {
  if (!extra) return config;
  return config.replace(/\s*\}$/, `${extra} }`);
}

/** `, ...durablec.mapSerdes(…)` for `Promise.all(xs.map(async …))` whose callback returns values that need a codec, else "". */
export function promiseMapCodec(context: PassContext, plan: PromiseMapPlan): string {
  const callback = plan.callback;
  if (!Node.isArrowFunction(callback) && !Node.isFunctionExpression(callback)) return "";
  const d = analyzeResultType(awaitedType(callback.getReturnType()), callback).descriptor;
  if (d === 0) return "";
  context.imports.internal = true;
  return `, ...${context.names.internal}.mapSerdes(${JSON.stringify(d)})`;
}
