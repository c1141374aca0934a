/**
 * The schema of what enters an execution from outside (an entry's event, a callback's payload),
 * as the compiler derives it from the static type: a JSON Schema (draft 2020-12) that both the
 * compiled code's zod check and the runtime's check before a start are built from, so the two
 * accept exactly the same values.
 *
 * Standard keywords say what a JSON value must look like. Two annotations, which other JSON Schema
 * tools ignore, carry what JSON Schema cannot say:
 * - `x-durablec`: `"date"` (a `Date`: what `new Date(value)` reads as a valid date, usually an
 *   ISO 8601 string), `"bigint"` (what `BigInt(value)` accepts), `"any"` (not checked: a part no
 *   JSON value can have, such as a function) and `"undefined"` (only an absent value).
 * - `x-durablec-optional`: the value may be absent (`T | undefined` outside an object property;
 *   an object's optional properties are simply not `required`).
 */
export interface InputSchema {
  $schema?: string;
  type?: "string" | "number" | "integer" | "boolean" | "null" | "object" | "array";
  format?: string;
  pattern?: string;
  const?: string | number | boolean;
  enum?: string[];
  anyOf?: InputSchema[];
  not?: InputSchema;
  items?: InputSchema | false;
  prefixItems?: InputSchema[];
  minItems?: number;
  properties?: Record<string, InputSchema>;
  required?: string[];
  additionalProperties?: InputSchema;
  "x-durablec"?: "date" | "bigint" | "any" | "undefined";
  "x-durablec-optional"?: true;
}

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** The zod constructors a schema is built from: code text in the compiler, zod itself in the runtime. */
export interface ZodBuilder<T> {
  any(): T;
  unknown(): T;
  never(): T;
  undefined(): T;
  null(): T;
  string(): T;
  number(): T;
  boolean(): T;
  bigint(): T;
  date(): T;
  literal(value: string | number | boolean): T;
  enum(values: string[]): T;
  /** Two or more members. */
  union(members: T[]): T;
  nullable(inner: T): T;
  optional(inner: T): T;
  array(element: T): T;
  tuple(elements: T[]): T;
  record(value: T): T;
  /** Unknown keys are kept (`z.looseObject`). */
  object(fields: [key: string, schema: T][]): T;
}

const isNull = (s: InputSchema) => s.type === "null" && Object.keys(s).length === 1;

/**
 * Builds the zod schema of an {@link InputSchema} with `b`. One traversal serves the compiler's
 * generated code and the runtime's check, so they cannot drift apart. A keyword combination
 * durablec does not write is accepted unchecked.
 */
export function buildZod<T>(schema: InputSchema, b: ZodBuilder<T>): T {
  const core = (s: InputSchema): T => {
    switch (s["x-durablec"]) {
      case "any":
        return b.any();
      case "undefined":
        return b.undefined();
      case "date":
        return b.date();
      case "bigint":
        return b.bigint();
    }
    if (s.const !== undefined) return b.literal(s.const);
    if (Array.isArray(s.enum)) return b.enum(s.enum);
    if (Array.isArray(s.anyOf)) {
      const nullable = s.anyOf.length > 1 && isNull(s.anyOf[s.anyOf.length - 1]!);
      const rest = nullable ? s.anyOf.slice(0, -1) : s.anyOf;
      const inner = rest.length === 0 ? b.never() : rest.length === 1 ? build(rest[0]!) : b.union(rest.map(build));
      return nullable ? b.nullable(inner) : inner;
    }
    if (s.not) return b.never();
    switch (s.type) {
      case "null":
        return b.null();
      case "string":
        return b.string();
      case "number":
        return b.number();
      case "boolean":
        return b.boolean();
      case "array":
        if (Array.isArray(s.prefixItems)) return b.tuple(s.prefixItems.map(build));
        return b.array(s.items ? build(s.items) : b.unknown());
      case "object": {
        if (!s.properties && s.additionalProperties && typeof s.additionalProperties === "object") return b.record(build(s.additionalProperties));
        const required = new Set(s.required ?? []);
        return b.object(
          Object.entries(s.properties ?? {}).map(([key, prop]) => {
            const code = build(prop);
            const mayBeAbsent = !required.has(key) && !prop["x-durablec-optional"] && prop["x-durablec"] !== "undefined";
            return [key, mayBeAbsent ? b.optional(code) : code];
          }),
        );
      }
    }
    return b.unknown();
  };
  const build = (s: InputSchema): T => {
    if (typeof s !== "object" || s === null) return b.unknown();
    const t = core(s);
    return s["x-durablec-optional"] ? b.optional(t) : t;
  };
  return build(schema);
}
