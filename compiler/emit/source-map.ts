/**
 * Source map chaining: TypeScript's emit maps JS to the rewritten TypeScript; magic-string maps
 * the rewritten TypeScript to the user's source. Composing them makes a stack trace or a
 * diagnostic in compiled code point at the user's line. The VLQ coding is
 * @jridgewell/sourcemap-codec's (magic-string's own).
 */
import { decode, encode, type SourceMapMappings, type SourceMapSegment } from "@jridgewell/sourcemap-codec";

export interface RawSourceMap {
  version: number;
  file?: string;
  sourceRoot?: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/** [generatedColumn, sourceIndex, sourceLine, sourceColumn, nameIndex?], all 0-based. */
export type Segment = SourceMapSegment;
export type DecodedMappings = SourceMapMappings;

/** A map's `mappings` string ⇄ segments per generated line. */
export { decode as decodeMappings, encode as encodeMappings };

/** The comment that carries a source map (its JSON text) inside its file, as tsc writes it for `inlineSourceMap`. */
export function inlineSourceMapComment(json: string): string {
  return `//# sourceMappingURL=data:application/json;base64,${Buffer.from(json).toString("base64")}`;
}

/** The original position of a generated (line, column) in a decoded map: the segment at or before it. */
export function originalPositionFor(map: DecodedMappings, line: number, column: number): { source: number; line: number; column: number } | undefined {
  const segments = map[line];
  if (!segments) return undefined;
  let found: Segment | undefined;
  for (const seg of segments) {
    if (seg[0] > column) break;
    if (seg.length >= 4) found = seg;
  }
  if (!found || found.length < 4) return undefined;
  const [, source, sourceLine, sourceColumn] = found as [number, number, number, number];
  return { source, line: sourceLine, column: sourceColumn };
}

/**
 * `outer` maps JS → rewritten TS (one source); `inner` maps rewritten TS → original TS.
 * The result maps JS → original TS, with the original text as `sourcesContent`.
 */
export function chainSourceMaps(outer: RawSourceMap, inner: DecodedMappings, originalText?: string): RawSourceMap {
  const decoded = decode(outer.mappings);
  const chained: DecodedMappings = decoded.map((line) => {
    const out: Segment[] = [];
    for (const seg of line) {
      if (seg.length < 4) continue;
      const [column, source, sourceLine, sourceColumn] = seg as [number, number, number, number];
      const pos = originalPositionFor(inner, sourceLine, sourceColumn);
      if (!pos) continue;
      out.push([column, source, pos.line, pos.column]);
    }
    return out;
  });
  return {
    ...outer,
    names: [],
    mappings: encode(chained),
    ...(originalText !== undefined ? { sourcesContent: outer.sources.map(() => originalText) } : {}),
  };
}
