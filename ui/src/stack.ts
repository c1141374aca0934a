import type { ErrorStack, StackFrame } from "./api.js";
import { h } from "./dom.js";

/** Reads source lines around a line of a project file (`GET /source`), as a code block. */
export type SourceView = (src: { file: string; line: number }) => Promise<Node>;

const where = (f: StackFrame) => (f.source ? `${f.source.file}:${f.source.line}:${f.source.column}` : f.file ? `${f.file}:${f.line}:${f.column}` : f.text);

/**
 * A captured stack: the application's frames mapped to the TypeScript source (`src/pay.ts:3:27`),
 * the source lines of the first one, the count of Node.js and node_modules frames, and the raw
 * stack. A stack without a frame of the application (an error the SDK made) is shown raw, folded.
 */
export function stackBlock(s: ErrorStack, title: string, source: SourceView): HTMLElement {
  const app = s.frames.filter((f) => !f.library);
  const hidden = s.frames.length - app.length;
  const top = app.find((f) => f.source);
  const code = h("div", { class: "stack-source" });
  // Only paths inside the project are relative; the server reads no other file.
  if (top?.source && !top.source.file.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(top.source.file)) {
    void source({ file: top.source.file, line: top.source.line }).then((el) => code.replaceChildren(el));
  }
  return h(
    "section",
    { class: "stack", "aria-label": title },
    h("h4", {}, title),
    h("p", { class: "small" }, h("strong", {}, s.errorType), ": ", s.errorMessage),
    top
      ? [
          code,
          h(
            "ol",
            { class: "frames", "aria-label": "Stack frames" },
            app.map((f) => h("li", { class: f.source ? "mono small" : "mono small muted" }, f.fn ? `${f.fn} ` : "", h("span", { class: "at" }, where(f)))),
          ),
          hidden ? h("p", { class: "muted small" }, `${hidden} frame${hidden === 1 ? "" : "s"} in Node.js and node_modules not shown.`) : null,
          h("details", {}, h("summary", {}, "Raw stack"), h("pre", {}, s.stack)),
        ]
      : h("details", {}, h("summary", {}, "Raw stack (no frame of the application's code in it)"), h("pre", {}, s.stack)),
  );
}
