import { z } from "zod";
import { buildZod, type InputSchema, type ZodBuilder } from "../internal/input-schema.js";
import { pathText } from "../internal/validation.js";

/** One reason a value does not match its schema: where (`event.items[0].quantity`) and what. */
export interface InputProblem {
  path: string;
  message: string;
}

const zodBuilder: ZodBuilder<z.ZodType> = {
  any: () => z.any(),
  unknown: () => z.unknown(),
  never: () => z.never(),
  undefined: () => z.undefined(),
  null: () => z.null(),
  string: () => z.string(),
  number: () => z.number(),
  boolean: () => z.boolean(),
  bigint: () => z.coerce.bigint(),
  date: () => z.coerce.date(),
  literal: (v) => z.literal(v),
  enum: (values) => z.enum(values as [string, ...string[]]),
  union: (members) => z.union(members as [z.ZodType, z.ZodType, ...z.ZodType[]]),
  nullable: (t) => t.nullable(),
  optional: (t) => t.optional(),
  array: (t) => z.array(t),
  tuple: (ts) => z.tuple(ts as [z.ZodType, ...z.ZodType[]]),
  record: (t) => z.record(z.string(), t),
  object: (fields) => z.looseObject(Object.fromEntries(fields)),
};

/**
 * A checker for values of `schema` (an entry's `eventSchema` from durable.manifest.json): the same
 * zod schema the compiled entry checks its event with, so a value it accepts starts an execution
 * whose own check passes. Returns undefined when the schema cannot be built (a hand-edited or
 * foreign manifest): then nothing is checked before the start.
 */
export function inputChecker(schema: unknown, root = "event"): ((value: unknown) => InputProblem[]) | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  let zod: z.ZodType;
  try {
    zod = buildZod(schema as InputSchema, zodBuilder);
  } catch {
    return undefined;
  }
  return (value) => {
    const r = zod.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => ({ path: pathText(root, i.path), message: i.message }));
  };
}
