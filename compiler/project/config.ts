import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as Zod from "zod";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

/** An HTTP field name (RFC 9110 token). */
const HTTP_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The header name of the IETF draft (and Stripe, Adyen, PayPal…). */
export const DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key";

/**
 * `durable.config.json`, next to the tsconfig. Every field is optional.
 *
 * ```json
 * { "effects": { "deterministic": ["lodash#cloneDeep", "src/clock.ts#today"],
 *                "effectful": ["./src/cache.ts#lookup", "left-pad#leftPad"] } }
 * ```
 * A reference is `<module>#<name>`: `<module>` is a package name (`stripe`, `@aws-sdk/client-s3`,
 * `node:fs`) or a project file path relative to the config file; `<name>` is the exported
 * function, or `Class.method`, or `*` for every function of the module.
 * `{ "idempotency": { "fetchHeader": true } }` adds an `Idempotency-Key` header to effectful `fetch` calls.
 */
export function durableConfigSchema() {
  return (schema ??= configSchema(createRequire(import.meta.url)("zod") as typeof Zod));
}

/**
 * zod is loaded only to validate a config file: most projects have none, and its 95 modules cost
 * ~65 ms of every build's start-up.
 */
let schema: ReturnType<typeof configSchema> | undefined;

function configSchema({ z }: typeof Zod) {
  return z
    .object({
      effects: z
        .object({
          deterministic: z.array(z.string().regex(/^[^#]+#[\w$.*]+$/, "expected '<module>#<name>'")).default([]),
          effectful: z.array(z.string().regex(/^[^#]+#[\w$.*]+$/, "expected '<module>#<name>'")).default([]),
        })
        .strict()
        .default({ deterministic: [], effectful: [] }),
      /** Default `maxConcurrency` of loops compiled to `context.map` (LANGUAGE §3.3); 1 keeps source order. */
      loops: z
        .object({ concurrency: z.union([z.number().int().positive(), z.literal("unbounded")]).optional() })
        .strict()
        .optional(),
      /** Retries of compiled effect steps (transient failures only); delays in seconds. */
      retry: z
        .object({
          attempts: z.number().int().min(1).optional(),
          initialDelaySeconds: z.number().positive().optional(),
          maxDelaySeconds: z.number().positive().optional(),
          backoffRate: z.number().min(1).optional(),
        })
        .strict()
        .optional(),
      /**
       * `fetchHeader`: send the idempotency key of a `fetch` with a method other than GET, HEAD and
       * OPTIONS as an HTTP header; `true` names it `Idempotency-Key`, a string names it (off by default).
       */
      idempotency: z
        .object({
          fetchHeader: z
            .union([z.boolean(), z.string().regex(HTTP_HEADER_NAME, "not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces)")], {
              error: 'expected true, false or an HTTP header name such as "Idempotency-Key"',
            })
            .optional(),
        })
        .strict()
        .optional(),
    })
    .strict();
}

/** The header a `fetch` carries its idempotency key in, or undefined when the project does not ask for one. */
export function fetchIdempotencyHeader(config: DurableConfig): string | undefined {
  const header = config.idempotency?.fetchHeader;
  if (header === true) return DEFAULT_IDEMPOTENCY_HEADER;
  return typeof header === "string" ? header : undefined;
}

export type DurableConfig = Zod.infer<ReturnType<typeof configSchema>>;

export const CONFIG_FILE_NAME = "durable.config.json";

export function defaultConfig(): DurableConfig {
  return { effects: { deterministic: [], effectful: [] } };
}

/** Reads and validates `durable.config.json` in `dir`; a missing file is the default config. */
export function loadDurableConfig(dir: string): { config: DurableConfig; diagnostics: Diagnostic[]; file?: string } {
  const file = path.join(dir, CONFIG_FILE_NAME);
  if (!fs.existsSync(file)) return { config: defaultConfig(), diagnostics: [] };
  return parseDurableConfig(fs.readFileSync(file, "utf8"), file);
}

export function parseDurableConfig(text: string, file: string): { config: DurableConfig; diagnostics: Diagnostic[]; file: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      config: defaultConfig(),
      file,
      diagnostics: [createDiagnostic("InvalidConfig", { problem: `not valid JSON (${(error as Error).message})` }, { file, start: 0, length: 1 })],
    };
  }
  const result = durableConfigSchema().safeParse(json);
  if (!result.success) {
    const problem = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return { config: defaultConfig(), file, diagnostics: [createDiagnostic("InvalidConfig", { problem }, { file, start: 0, length: 1 })] };
  }
  return { config: result.data, diagnostics: [], file };
}
