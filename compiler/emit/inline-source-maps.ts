/**
 * `inlineSourceMap` in a tsconfig: each JavaScript file carries its source map in a data URL
 * instead of a `.map` file beside it, as tsc emits it. durablec emits the maps as files first (a
 * rewritten file's map is chained back to the original source, and esbuild's are relocated the
 * same way) and moves each into its JavaScript file on the way out: into the writer thread as the
 * pair arrives (`InlineSourceMapWriter`), and into the outputs compile() returns
 * (`inlineSourceMaps`). Declaration maps (`declarationMap`) stay files, as with tsc.
 */

import { inlineSourceMapComment } from "./source-map.js";

const JAVASCRIPT = /\.[cm]?js$/;
const URL_COMMENT = /\/\/# sourceMappingURL=[^\n]*\n?$/;

/** `js` with `map` as its source map's data URL (replacing the comment that named the file). */
export function withInlineMap(js: string, map: string): string {
  const comment = inlineSourceMapComment(map);
  return URL_COMMENT.test(js) ? js.replace(URL_COMMENT, comment) : `${js}\n${comment}`;
}

/** The JavaScript file a source map belongs to, or undefined for any other file (a declaration map). */
function javaScriptOf(mapFile: string): string | undefined {
  const js = mapFile.slice(0, -".map".length);
  return mapFile.endsWith(".map") && JAVASCRIPT.test(js) ? js : undefined;
}

/** The outputs with every JavaScript file's map inside it and no JavaScript `.map` file. */
export function inlineSourceMaps(outputs: ReadonlyMap<string, string>): Map<string, string> {
  const inlined = new Map<string, string>();
  for (const [file, text] of outputs) {
    const js = javaScriptOf(file);
    if (js !== undefined && outputs.has(js)) continue;
    const map = JAVASCRIPT.test(file) ? outputs.get(`${file}.map`) : undefined;
    inlined.set(file, map === undefined ? text : withInlineMap(text, map));
  }
  return inlined;
}

/**
 * A sink that holds each JavaScript file until its map arrives (or the map until its file) and
 * passes on the file with the map inside; everything else passes through. A file emitted again
 * is paired again, so the last pair wins, as in the writer.
 */
export class InlineSourceMapWriter {
  readonly #write: (file: string, text: string) => void;
  readonly #pending = new Map<string, { js?: string; map?: string }>();

  constructor(write: (file: string, text: string) => void) {
    this.#write = write;
  }

  write(file: string, text: string): void {
    const isJavaScript = JAVASCRIPT.test(file);
    const js = isJavaScript ? file : javaScriptOf(file);
    if (js === undefined) return this.#write(file, text);
    const pair = this.#pending.get(js) ?? {};
    if (isJavaScript) pair.js = text;
    else pair.map = text;
    if (pair.js !== undefined && pair.map !== undefined) {
      this.#pending.delete(js);
      this.#write(js, withInlineMap(pair.js, pair.map));
    } else this.#pending.set(js, pair);
  }

  /** Passes on the JavaScript files whose map never came, as they are; forgets lone maps. */
  flush(): void {
    for (const [file, { js }] of this.#pending) if (js !== undefined) this.#write(file, js);
    this.#pending.clear();
  }
}
