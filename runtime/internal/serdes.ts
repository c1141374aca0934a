/**
 * A checkpoint codec driven by a type descriptor the compiler derives from a step result's static
 * type, so values JSON cannot represent (Date, Map, Set, bigint, typed arrays, `undefined` in
 * arrays) come back from a replay equal to the live run's.
 *
 * Descriptor grammar (compact, emitted as a JSON literal):
 *   0                          plain JSON, nothing to convert
 *   "Date" | "bigint"
 *   "undefined"                plain JSON that may be `undefined` (kept in arrays and tuples)
 *   "Uint8Array" | … | "Buffer" | "ArrayBuffer"   bytes, as base64
 *   ["array", d]               elements of d; `undefined` elements survive
 *   ["tuple", [d0, d1, …]]
 *   ["object", {key: d}]       only the keys that need converting
 *   ["record", d]              every own value
 *   ["map", dKey, dValue]      as [[k, v], …]
 *   ["set", d]                 as [v, …]
 *   ["union", [d0, d1, …]]     members that need converting; tagged with the member that matched
 */
import type { Serdes } from "@aws/durable-execution-sdk-js";

export type TypeDescriptor =
  | 0
  | "Date"
  | "bigint"
  | "undefined"
  | BytesName
  | ["array", TypeDescriptor]
  | ["tuple", TypeDescriptor[]]
  | ["object", Record<string, TypeDescriptor>]
  | ["record", TypeDescriptor]
  | ["map", TypeDescriptor, TypeDescriptor]
  | ["set", TypeDescriptor]
  | ["union", TypeDescriptor[]];

export const BYTES = [
  "Uint8Array",
  "Int8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Buffer",
  "ArrayBuffer",
] as const;
export type BytesName = (typeof BYTES)[number];

const UNDEFINED_MARK = { $undefined: true } as const;

function isBytes(d: TypeDescriptor): d is BytesName {
  return typeof d === "string" && (BYTES as readonly string[]).includes(d);
}

function matches(d: TypeDescriptor, v: unknown): boolean {
  if (d === 0) return true;
  if (d === "Date") return v instanceof Date;
  if (d === "bigint") return typeof v === "bigint";
  if (d === "undefined") return v === undefined;
  if (isBytes(d)) return d === "ArrayBuffer" ? v instanceof ArrayBuffer : ArrayBuffer.isView(v) && (d === "Buffer" ? Buffer.isBuffer(v) : v.constructor?.name === d);
  switch (d[0]) {
    case "array":
    case "tuple":
      return Array.isArray(v);
    case "map":
      return v instanceof Map;
    case "set":
      return v instanceof Set;
    case "object":
    case "record":
      return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Map) && !(v instanceof Set);
    case "union":
      return d[1].some((m) => matches(m, v));
  }
}

/** Converts `value` of the described type to plain JSON data. */
export function encode(d: TypeDescriptor, v: unknown): unknown {
  if (d === 0 || v === null) return v;
  if (v === undefined) return UNDEFINED_MARK;
  if (d === "Date") return v instanceof Date ? (Number.isNaN(v.getTime()) ? null : v.toISOString()) : v;
  if (d === "bigint") return typeof v === "bigint" ? v.toString() : v;
  if (d === "undefined") return v;
  if (isBytes(d)) {
    if (v instanceof ArrayBuffer) return Buffer.from(v).toString("base64");
    if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
    return v;
  }
  switch (d[0]) {
    case "array":
      return Array.isArray(v) ? Array.from(v, (x) => encode(d[1], x)) : v;
    case "tuple":
      return Array.isArray(v) ? Array.from(v, (x, i) => encode(d[1][i] ?? 0, x)) : v;
    case "object": {
      if (typeof v !== "object") return v;
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [k, kd] of Object.entries(d[1])) if (k in out && out[k] !== undefined) out[k] = encode(kd, out[k]);
      return out;
    }
    case "record": {
      if (typeof v !== "object") return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = encode(d[1], x);
      return out;
    }
    case "map":
      return v instanceof Map ? Array.from(v, ([k, x]) => [encode(d[1], k), encode(d[2], x)]) : v;
    case "set":
      return v instanceof Set ? Array.from(v, (x) => encode(d[1], x)) : v;
    case "union": {
      const i = d[1].findIndex((m) => matches(m, v));
      return i < 0 ? { $u: -1, v } : { $u: i, v: encode(d[1][i]!, v) };
    }
  }
}

const isUndefinedMark = (v: unknown) => v !== null && typeof v === "object" && (v as { $undefined?: unknown }).$undefined === true && Object.keys(v).length === 1;

/** Rebuilds the value {@link encode} converted. */
export function decode(d: TypeDescriptor, v: unknown): unknown {
  if (isUndefinedMark(v)) return undefined;
  if (d === 0 || v === null) return v;
  if (d === "Date") return typeof v === "string" ? new Date(v) : v;
  if (d === "bigint") return typeof v === "string" ? BigInt(v) : v;
  if (d === "undefined") return v;
  if (isBytes(d)) {
    if (typeof v !== "string") return v;
    const buf = Buffer.from(v, "base64");
    if (d === "Buffer") return buf;
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    if (d === "ArrayBuffer") return bytes;
    const Ctor = (globalThis as unknown as Record<string, new (b: ArrayBuffer) => unknown>)[d]!;
    return new Ctor(bytes);
  }
  switch (d[0]) {
    case "array":
      return Array.isArray(v) ? v.map((x) => decode(d[1], x)) : v;
    case "tuple":
      return Array.isArray(v) ? v.map((x, i) => decode(d[1][i] ?? 0, x)) : v;
    case "object": {
      if (typeof v !== "object") return v;
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [k, kd] of Object.entries(d[1])) if (k in out) out[k] = decode(kd, out[k]);
      return out;
    }
    case "record": {
      if (typeof v !== "object") return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = decode(d[1], x);
      return out;
    }
    case "map":
      return Array.isArray(v) ? new Map(v.map(([k, x]: [unknown, unknown]) => [decode(d[1], k), decode(d[2], x)])) : v;
    case "set":
      return Array.isArray(v) ? new Set(v.map((x) => decode(d[1], x))) : v;
    case "union": {
      const tagged = v as { $u?: number; v?: unknown };
      if (typeof v !== "object" || typeof tagged.$u !== "number") return v;
      return tagged.$u < 0 ? tagged.v : decode(d[1][tagged.$u] ?? 0, tagged.v);
    }
  }
}

/**
 * The SDK serdes of a step, child context or map whose result has the described type. The SDK
 * runs it on the first run too, so a live run returns exactly what a replay will.
 *
 * @example
 * ctx.step("audit/lastLogin", async () => lastLogin(user), { serdes: serdes("Date") })
 */
export function serdes<T = unknown>(descriptor: TypeDescriptor): Serdes<T> {
  return {
    async serialize(value) {
      if (value === undefined) return undefined;
      return JSON.stringify(encode(descriptor, value));
    },
    async deserialize(data) {
      if (data === undefined) return undefined;
      return decode(descriptor, JSON.parse(data)) as T;
    },
  };
}
