/**
 * Stable operation names (LANGUAGE §4): derived from where an operation is in the code's
 * structure, never from positions in the text, so whitespace, comments and edits elsewhere in the
 * file leave every name unchanged.
 *
 *   checkout: price(a); charge(x); price(b); sleep("1h")
 *   → checkout/price, checkout/charge, checkout/price#2, checkout/sleep
 */

/** What the namer needs to know about one operation, in source order within its function. */
export interface NameRequest {
  /** The callee as written (`payments.charge`, `fetch`, `Date.now`, `sleep`), or the bound variable. */
  label: string;
  /** An explicit step name (`step("reserve stock", …)`), used verbatim. */
  explicitName?: string;
}

export interface AssignedName {
  name: string;
  /** 1 for the first operation with this base name in the function, 2 for the next… */
  ordinal: number;
  /** True when an explicit name was already used earlier in the same function. */
  duplicateExplicit: boolean;
}

/**
 * Names every operation of one durable function. Pure: the result depends only on the function
 * name and the sequence of labels, so it is stable under unrelated edits.
 */
export function assignStableNames(functionName: string, requests: readonly NameRequest[]): AssignedName[] {
  const seen = new Map<string, number>();
  return requests.map((r) => {
    const base = r.explicitName !== undefined ? r.explicitName : `${functionName}/${normalizeLabel(r.label)}`;
    const ordinal = (seen.get(base) ?? 0) + 1;
    seen.set(base, ordinal);
    return {
      name: ordinal === 1 ? base : `${base}#${ordinal}`,
      ordinal,
      duplicateExplicit: r.explicitName !== undefined && ordinal > 1,
    };
  });
}

/** Collapses whitespace and comments out of a label so formatting never changes a name. */
export function normalizeLabel(label: string): string {
  return label
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/\s*\.\s*/g, ".")
    .replace(/\s+/g, " ")
    .replace(/^this\./, "")
    .trim();
}
