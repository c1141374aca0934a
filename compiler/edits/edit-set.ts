import MagicString from "magic-string";
import { InternalCompilerError } from "../diagnostics/diagnostic.js";

/**
 * One insertion or replacement in a file's original text. Rewrites change the head and tail of a
 * construct and leave its body alone, so edits inside the body compose with edits around it.
 */
export type Edit =
  | {
      kind: "insert";
      at: number;
      text: string;
      /** The construct this insertion opens (`head`) or closes (`tail`); orders inserts at one position. */
      side: "head" | "tail";
      span: { start: number; end: number };
      pass: string;
    }
  | { kind: "replace"; start: number; end: number; text: string; pass: string };

/**
 * All text edits of one file, from every pass, applied at once on the original text with
 * magic-string (which gives exact source maps). Overlapping edits are a broken invariant.
 */
export class EditSet {
  readonly edits: Edit[] = [];
  constructor(readonly fileName: string, readonly original: string) {}

  /** Inserts `text` before the construct spanning [start, end). */
  head(start: number, end: number, text: string, pass: string): void {
    this.edits.push({ kind: "insert", at: start, text, side: "head", span: { start, end }, pass });
  }

  /** Inserts `text` after the construct spanning [start, end). */
  tail(start: number, end: number, text: string, pass: string): void {
    this.edits.push({ kind: "insert", at: end, text, side: "tail", span: { start, end }, pass });
  }

  /** Inserts `text` at a position that belongs to no construct (e.g. an import at the top). */
  insert(at: number, text: string, pass: string): void {
    this.edits.push({ kind: "insert", at, text, side: "head", span: { start: at, end: at }, pass });
  }

  replace(start: number, end: number, text: string, pass: string): void {
    if (start > end) throw new InternalCompilerError(`${pass}: replace with start ${start} > end ${end}`);
    this.edits.push({ kind: "replace", start, end, text, pass });
  }

  remove(start: number, end: number, pass: string): void {
    this.replace(start, end, "", pass);
  }

  get isEmpty(): boolean {
    return this.edits.length === 0;
  }

  /** Throws {@link InternalCompilerError} when two replacements overlap, or an insertion falls inside one. */
  assertNoOverlap(): void {
    const replaces = this.edits
      .filter((e): e is Extract<Edit, { kind: "replace" }> => e.kind === "replace")
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < replaces.length; i++) {
      const prev = replaces[i - 1]!;
      const cur = replaces[i]!;
      if (cur.start < prev.end || (cur.start === prev.start && cur.end === prev.end)) {
        throw new InternalCompilerError(
          `overlapping edits in ${this.fileName}: [${prev.start},${prev.end}) by ${prev.pass} and [${cur.start},${cur.end}) by ${cur.pass}`,
        );
      }
    }
    for (const ins of this.edits) {
      if (ins.kind !== "insert") continue;
      const inside = replaces.find((r) => ins.at > r.start && ins.at < r.end);
      if (inside) {
        throw new InternalCompilerError(
          `overlapping edits in ${this.fileName}: insertion at ${ins.at} by ${ins.pass} inside [${inside.start},${inside.end}) by ${inside.pass}`,
        );
      }
    }
  }

  /** Applies every edit; the result carries the text and a high-resolution source map. */
  apply(): MagicString {
    this.assertNoOverlap();
    const s = new MagicString(this.original, { filename: this.fileName });
    for (const e of this.edits) if (e.kind === "replace" && e.end > e.start) s.overwrite(e.start, e.end, e.text);
    for (const e of this.edits) if (e.kind === "replace" && e.end === e.start && e.text) s.appendLeft(e.start, e.text);
    const inserts = this.edits
      .map((e, order) => ({ e, order }))
      .filter((x): x is { e: Extract<Edit, { kind: "insert" }>; order: number } => x.e.kind === "insert");
    // At one position: closers before openers; openers of outer constructs first; closers of
    // inner constructs first; then insertion order.
    inserts.sort((a, b) => {
      if (a.e.at !== b.e.at) return a.e.at - b.e.at;
      if (a.e.side !== b.e.side) return a.e.side === "tail" ? -1 : 1;
      const lenA = a.e.span.end - a.e.span.start;
      const lenB = b.e.span.end - b.e.span.start;
      if (lenA !== lenB) return a.e.side === "head" ? lenB - lenA : lenA - lenB;
      return a.order - b.order;
    });
    for (const { e } of inserts) {
      if (e.at === this.original.length) s.append(e.text);
      else if (e.side === "tail") s.appendLeft(e.at, e.text);
      else s.appendRight(e.at, e.text);
    }
    return s;
  }
}
