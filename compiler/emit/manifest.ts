import * as path from "node:path";
import type { FunctionAnalysis, PlannedOperation } from "../analysis/analyze-durable-function.js";
import type { DurableFunction } from "../analysis/discover.js";
import type { InputSchema } from "../analysis/zod-schema.js";
import { lineAndColumn } from "../diagnostics/format.js";

/** `durable.manifest.json`: every operation of every entry, in execution (source) order. */
export interface Manifest {
  version: 1;
  entries: Record<string, ManifestEntry>;
}

export interface ManifestEntry {
  /** The exported handler name and module, relative to the project root. */
  export: string;
  file: string;
  line: number;
  column: number;
  operations: ManifestOperation[];
  /**
   * The JSON Schema of the entry's event, from its parameter type (absent when the event is not
   * typed): the same schema the compiled entry checks its event with, so the runtime can refuse
   * an invalid input before it starts an execution. Added after version 1 was released: older
   * manifests lack it.
   */
  eventSchema?: InputSchema;
}

export interface ManifestOperation {
  name: string;
  /** SDK operation: step, wait, waitForCallback, createCallback, waitForCondition, invoke, childContext. */
  kind: string;
  /** Why it is an operation: effect, nondeterministic, intrinsic, timer-wait, durable-call. */
  origin: string;
  callee: string;
  options?: Record<string, unknown>;
  file: string;
  line: number;
  column: number;
  /** The operations of a child context (a durable function called from durable code). */
  children?: ManifestOperation[];
  /** Set when a child context calls itself (directly or not): its operations are listed once above. */
  recursive?: true;
}

/**
 * `analyses` may include durable functions of other modules (for the operations of child
 * contexts); only those in `entriesOf` (default: all) are listed as entries.
 */
export function buildManifest(analyses: readonly FunctionAnalysis[], rootDir: string, entriesOf?: ReadonlySet<DurableFunction>): Manifest {
  const byFn = new Map<DurableFunction, FunctionAnalysis>(analyses.map((a) => [a.fn, a]));
  const rel = (f: string) => path.relative(rootDir, f).split(path.sep).join("/");
  const position = (node: { getSourceFile(): { getFullText(): string }; getStart(): number }) => lineAndColumn(node.getSourceFile().getFullText(), node.getStart());

  const describe = (op: PlannedOperation, stack: Set<DurableFunction>): ManifestOperation => {
    const { line, column } = position(op.call);
    const out: ManifestOperation = {
      name: op.name,
      kind: op.kind,
      origin: op.classification.kind,
      callee: op.label,
      ...(Object.keys(op.options).length ? { options: op.options } : {}),
      file: rel(op.fn.sourceFile.getFilePath()),
      line,
      column,
    };
    if (op.classification.kind === "durable-call") {
      const target = op.classification.target;
      if (stack.has(target)) out.recursive = true;
      else {
        const child = byFn.get(target);
        if (child) out.children = child.operations.map((o) => describe(o, new Set([...stack, target])));
      }
    }
    return out;
  };

  const entries: Record<string, ManifestEntry> = {};
  const sorted = [...analyses].sort((a, b) => a.fn.sourceFile.getFilePath().localeCompare(b.fn.sourceFile.getFilePath()) || a.fn.node.getStart() - b.fn.node.getStart());
  for (const a of sorted) {
    if (!a.fn.isEntry || (entriesOf && !entriesOf.has(a.fn))) continue;
    const { line, column } = position(a.fn.node);
    const file = rel(a.fn.sourceFile.getFilePath());
    const key = Object.prototype.hasOwnProperty.call(entries, a.fn.name) ? `${file}#${a.fn.name}` : a.fn.name;
    entries[key] = {
      export: a.fn.name,
      file,
      line,
      column,
      operations: a.operations.map((o) => describe(o, new Set([a.fn]))),
      ...(a.eventSchema ? { eventSchema: a.eventSchema } : {}),
    };
  }
  return { version: 1, entries };
}
