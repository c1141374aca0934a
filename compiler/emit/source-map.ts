/**
 * Source map chaining: TypeScript's emit maps JS to the rewritten TypeScript; magic-string maps
 * the rewritten TypeScript to the user's source. Composing them makes a stack trace or a
 * diagnostic in compiled code point at the user's line.
 */

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
export type Segment = [number] | [number, number, number, number] | [number, number, number, number, number];
export type DecodedMappings = Segment[][];

const CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INDEX = new Map([...CHARS].map((c, i) => [c, i]));

export function decodeMappings(mappings: string): DecodedMappings {
  const lines: DecodedMappings = [];
  const state = [0, 0, 0, 0, 0];
  for (const lineText of mappings.split(";")) {
    const line: Segment[] = [];
    state[0] = 0;
    if (lineText) {
      for (const segText of lineText.split(",")) {
        if (!segText) continue;
        const values: number[] = [];
        let value = 0;
        let shift = 0;
        for (const ch of segText) {
          const digit = INDEX.get(ch);
          if (digit === undefined) throw new Error(`invalid base64 VLQ character '${ch}'`);
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        for (let i = 0; i < values.length; i++) state[i] = state[i]! + values[i]!;
        line.push(values.length === 1 ? [state[0]!] : values.length === 4 ? [state[0]!, state[1]!, state[2]!, state[3]!] : [state[0]!, state[1]!, state[2]!, state[3]!, state[4]!]);
      }
    }
    lines.push(line);
  }
  return lines;
}

function encodeValue(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += CHARS[digit];
  } while (v > 0);
  return out;
}

export function encodeMappings(lines: DecodedMappings): string {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((line) => {
      state[0] = 0;
      return line
        .map((seg) => {
          let out = "";
          for (let i = 0; i < seg.length; i++) {
            out += encodeValue(seg[i]! - state[i]!);
            state[i] = seg[i]!;
          }
          return out;
        })
        .join(",");
    })
    .join(";");
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
  const decoded = decodeMappings(outer.mappings);
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
    mappings: encodeMappings(chained),
    ...(originalText !== undefined ? { sourcesContent: outer.sources.map(() => originalText) } : {}),
  };
}
