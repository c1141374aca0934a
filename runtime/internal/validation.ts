/**
 * Validation of what enters an execution from outside: the entry's event and callback payloads,
 * against zod schemas the compiler generates from their static types.
 */

/** The part of a zod schema durablec uses (so this module does not depend on zod's types). */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}
interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** Where `issue` is, as a TypeScript-like path: `event.items[0].quantity`. */
export function pathText(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return out;
}

/** A value from outside the execution does not have the type the code declares. */
export class DurablecValidationError extends Error {
  readonly code: string = "DURABLEC_INVALID_INPUT";
  /** Every problem, `path: message`. */
  readonly problems: string[];
  constructor(what: string, root: string, issues: readonly Issue[]) {
    const problems = issues.map((i) => `${pathText(root, i.path)}: ${i.message}`);
    super(`${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "DurablecValidationError";
    this.problems = problems;
  }
}

/**
 * The entry's event does not match its parameter type. Thrown before any operation runs, so the
 * execution fails at once.
 */
export class InvalidEventError extends DurablecValidationError {
  override readonly code = "DURABLEC_INVALID_EVENT";
  constructor(entry: string, issues: readonly Issue[]) {
    super(`Invalid event for '${entry}'`, "event", issues);
    this.name = "InvalidEventError";
  }
}

/**
 * A callback was completed with a payload that does not match the type the code waits for.
 * Catch it around the `await` to handle a bad payload (ask again, compensate…).
 *
 * @example
 * try { approval = await waitForCallback<Approval>(send, { timeout: "1d" }); }
 * catch (e) { if (e instanceof CallbackPayloadError) approval = { approved: false }; else throw e; }
 */
export class CallbackPayloadError extends DurablecValidationError {
  override readonly code = "DURABLEC_INVALID_CALLBACK_PAYLOAD";
  constructor(operation: string, issues: readonly Issue[]) {
    super(`Invalid payload for callback '${operation}'`, "payload", issues);
    this.name = "CallbackPayloadError";
  }
}

/**
 * Returns the event as the schema parsed it (dates from ISO strings), or throws
 * {@link InvalidEventError} listing every problem. Typed by the event parameter, which the schema
 * was generated from.
 */
export function validateEvent<T>(entry: string, schema: Schema<unknown>, event: T): T {
  const result = schema.safeParse(event);
  if (!result.success) throw new InvalidEventError(entry, result.error.issues);
  return result.data as T;
}

function checkPayload<T>(operation: string, schema: Schema<unknown>, payload: T): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new CallbackPayloadError(operation, result.error.issues);
  return result.data as T;
}

/** `await validatedCallback(ctx.waitForCallback(…), name, schema)`: the payload, checked. */
export async function validatedCallback<T>(pending: PromiseLike<T>, operation: string, schema: Schema<unknown>): Promise<T> {
  return checkPayload(operation, schema, await pending);
}

/**
 * `createCallback` returns `[promise, callbackId]`: the promise is checked when it is awaited.
 * The wrapper is lazy, like the SDK's promise, so an unawaited callback does not block.
 */
export async function validatedCreateCallback<R extends readonly [PromiseLike<unknown>, string]>(
  pending: PromiseLike<R>,
  operation: string,
  schema: Schema<unknown>,
): Promise<R> {
  const [promise, id] = await pending;
  let checked: Promise<unknown> | undefined;
  const run = () => (checked ??= Promise.resolve(promise).then((v) => checkPayload(operation, schema, v)));
  const lazy = {
    then: (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => run().then(ok, fail),
    catch: (fail?: (e: unknown) => unknown) => run().catch(fail),
    finally: (f?: () => void) => run().finally(f),
    [Symbol.toStringTag]: "Promise",
  };
  return [lazy, id] as unknown as R;
}
