import type { ts } from "../project/ts-morph.js";

/**
 * Whether a type has a `then` property (a promise or another thenable): ts-morph's
 * `type.getProperty("then")` as a test, on the checker's property symbols, so that the type's
 * properties (some forty for an array) are not each wrapped in a ts-morph symbol first.
 */
export function isThenable(type: ts.Type): boolean {
  // `escapedName` is the name itself unless it starts with `__` (or is a `#private` one).
  return type.getProperties().some((p) => p.escapedName === "then");
}
