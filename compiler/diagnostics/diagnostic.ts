import { Codes, type CodeKey, type DiagnosticCategory } from "./codes.js";

/** A diagnostic is data until formatted: text is produced once, in `format.ts`. */
export interface Diagnostic {
  /** `DUR1001`, or `TS2322` for TypeScript's own diagnostics. */
  code: string;
  category: DiagnosticCategory;
  /** Absolute path, or undefined for project-level problems. */
  file?: string;
  /** UTF-16 offset into the file's original text. */
  start?: number;
  length?: number;
  /** Placeholder values of the message template; `message` when the text is precomputed (TS). */
  data: Record<string, string | number>;
  related?: Diagnostic[];
}

export function createDiagnostic(
  key: CodeKey,
  data: Record<string, string | number>,
  location?: { file: string; start: number; length: number },
): Diagnostic {
  const def = Codes[key];
  return { code: def.code, category: def.category, data, ...(location ?? {}) };
}

/** Thrown only for broken invariants; user mistakes are returned as diagnostics. */
export class InternalCompilerError extends Error {
  readonly code = "DUR9001";
  constructor(message: string) {
    super(message);
    this.name = "InternalCompilerError";
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.category === "error");
}
