/**
 * Replay compatibility (LANGUAGE.md §6): compares the ordered durable skeleton of every entry of
 * a previous `durable.manifest.json` with the current one.
 *
 * The SDK gives operations positional ids (the n-th operation of a context is "n", of a child
 * context "3-n") and, on replay, checks that the operation now at each recorded position has the
 * recorded type and name (else NonDeterministicExecutionError). So, for executions in flight:
 * operations appended after the old ones are safe; anything that shifts, renames or changes the
 * kind of an operation at an existing position is not.
 *
 * Pure: manifests in, classified changes out.
 */
import type { Manifest, ManifestEntry, ManifestOperation } from "../emit/manifest.js";

export type ChangeKind =
  | "appended"
  | "inserted"
  | "removed"
  | "reordered"
  | "renamed"
  | "kind-changed"
  | "options-changed"
  | "entry-added"
  | "entry-removed";

export interface OperationRef {
  name: string;
  kind: string;
  /** 1-based position path in the entry's skeleton, as the SDK numbers operations ("2", "3-1"). */
  position: string;
  file: string;
  line: number;
  column: number;
}

export interface SkeletonChange {
  entry: string;
  kind: ChangeKind;
  /** Safe for executions in flight (they replay unchanged). */
  safe: boolean;
  /** The operation in the previous build, if any. */
  previous?: OperationRef;
  /** The operation in the current build, if any. */
  current?: OperationRef;
  reason: string;
}

export interface Compatibility {
  /** True when every change is safe for executions in flight. */
  compatible: boolean;
  changes: SkeletonChange[];
  /** Counts per entry of unchanged operations (for the summary line). */
  unchanged: number;
}

/** What a replay compares: the SDK type behind each manifest kind, and the checkpointed name. */
function replayKey(op: ManifestOperation): string {
  return `${sdkType(op.kind)}\u0000${op.name}`;
}

/** The SDK operation type (and subtype, when validated) recorded for a manifest kind. */
export function sdkType(kind: string): string {
  switch (kind) {
    case "step":
      return "STEP";
    case "waitForCondition":
      return "STEP/WaitForCondition";
    case "wait":
      return "WAIT";
    case "createCallback":
      return "CALLBACK";
    case "invoke":
      return "CHAINED_INVOKE";
    case "waitForCallback":
      return "CONTEXT/WaitForCallback";
    case "childContext":
      return "CONTEXT/RunInChildContext";
    case "map":
      return "CONTEXT/Map";
    case "parallel":
      return "CONTEXT/Parallel";
    default:
      return kind;
  }
}

function ref(op: ManifestOperation, position: string): OperationRef {
  return { name: op.name, kind: op.kind, position, file: op.file, line: op.line, column: op.column };
}

const at = (o: OperationRef) => `${o.file}:${o.line}:${o.column}`;
const describeOp = (o: OperationRef) => `${o.kind} '${o.name}'`;

/** Longest common subsequence of replay keys: pairs of indices (old, new), increasing. */
function lcs(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

function compareOperations(entry: string, before: readonly ManifestOperation[], after: readonly ManifestOperation[], prefix: string, out: SkeletonChange[]): number {
  const pos = (i: number) => (prefix ? `${prefix}-${i + 1}` : String(i + 1));
  const a = before.map(replayKey);
  const b = after.map(replayKey);
  const pairs = lcs(a, b);
  let unchanged = 0;

  // Gaps between matched operations: what was removed from the old list and inserted into the new one there.
  interface Gap {
    removed: number[];
    inserted: number[];
    /** Inserted operations here come after every old operation. */
    atEnd: boolean;
  }
  const gaps: Gap[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [a.length, b.length] as [number, number]]) {
    const gap: Gap = { removed: [], inserted: [], atEnd: pi === a.length };
    for (; i < pi; i++) gap.removed.push(i);
    for (; j < pj; j++) gap.inserted.push(j);
    if (gap.removed.length || gap.inserted.length) gaps.push(gap);
    i = pi + 1;
    j = pj + 1;
  }

  // Moved: the same operation is removed at one place and inserted at another.
  const removedByKey = new Map<string, number[]>();
  for (const g of gaps) for (const r of g.removed) removedByKey.set(a[r]!, [...(removedByKey.get(a[r]!) ?? []), r]);
  const moved = new Set<number>();
  const movedOld = new Set<number>();
  for (const g of gaps) {
    for (const ins of g.inserted) {
      const candidates = removedByKey.get(b[ins]!);
      const r = candidates?.shift();
      if (r === undefined) continue;
      moved.add(ins);
      movedOld.add(r);
      const previous = ref(before[r]!, pos(r));
      const current = ref(after[ins]!, pos(ins));
      out.push({
        entry,
        kind: "reordered",
        safe: false,
        previous,
        current,
        reason: `${describeOp(current)} moved from position ${previous.position} (${at(previous)}) to position ${current.position} (${at(current)}): executions in flight replay a different operation at each of these positions and fail with NonDeterministicExecutionError.`,
      });
    }
  }

  for (const g of gaps) {
    const removed = g.removed.filter((r) => !movedOld.has(r));
    const inserted = g.inserted.filter((x) => !moved.has(x));
    const paired = Math.min(removed.length, inserted.length);
    for (let k = 0; k < paired; k++) {
      const previous = ref(before[removed[k]!]!, pos(removed[k]!));
      const current = ref(after[inserted[k]!]!, pos(inserted[k]!));
      const sameKind = sdkType(previous.kind) === sdkType(current.kind);
      out.push({
        entry,
        kind: sameKind ? "renamed" : "kind-changed",
        safe: false,
        previous,
        current,
        reason: sameKind
          ? `position ${previous.position} was ${describeOp(previous)} (${at(previous)}) and is now '${current.name}' (${at(current)}): the SDK checks the recorded name on replay, so executions in flight that reached it fail with NonDeterministicExecutionError.`
          : `position ${previous.position} was ${describeOp(previous)} (${at(previous)}) and is now ${describeOp(current)} (${at(current)}): the SDK checks the recorded operation type on replay, so executions in flight that reached it fail with NonDeterministicExecutionError.`,
      });
    }
    for (const r of removed.slice(paired)) {
      const previous = ref(before[r]!, pos(r));
      const next = pairs.find(([pi]) => pi > r);
      const shifted = next ? ` Every later operation shifts back a position, starting with ${describeOp(ref(before[next[0]]!, pos(next[0])))}.` : " It was the last operation, so the SDK cannot notice: executions in flight that already ran it continue as if it had not happened.";
      out.push({
        entry,
        kind: "removed",
        safe: false,
        previous,
        reason: `${describeOp(previous)} at position ${previous.position} (${at(previous)}) was removed: executions in flight that ran it have it in their history.${shifted}`,
      });
    }
    for (const x of inserted.slice(paired)) {
      const current = ref(after[x]!, pos(x));
      if (g.atEnd && x >= a.length) {
        out.push({ entry, kind: "appended", safe: true, current, reason: `${describeOp(current)} (${at(current)}) comes after every previous operation: executions in flight run it when they get there.` });
        continue;
      }
      const next = pairs.find(([, pj]) => pj > x);
      const before_ = next ? ref(before[next[0]]!, pos(next[0])) : undefined;
      out.push({
        entry,
        kind: "inserted",
        safe: false,
        current,
        ...(before_ ? { previous: before_ } : {}),
        reason: `${describeOp(current)} (${at(current)}) was inserted at position ${current.position}${before_ ? `, before ${describeOp(before_)} (${at(before_)}, recorded at position ${before_.position})` : ""}: executions in flight that passed this point replay the shifted positions and fail with NonDeterministicExecutionError.`,
      });
    }
  }

  // Matched operations: options, and the skeletons of child contexts.
  for (const [pi, pj] of pairs) {
    unchanged++;
    const o = before[pi]!;
    const n = after[pj]!;
    if (JSON.stringify(o.options ?? {}) !== JSON.stringify(n.options ?? {})) {
      out.push({
        entry,
        kind: "options-changed",
        safe: true,
        previous: ref(o, pos(pi)),
        current: ref(n, pos(pj)),
        reason: `the options of ${describeOp(ref(n, pos(pj)))} changed (${JSON.stringify(o.options ?? {})} → ${JSON.stringify(n.options ?? {})}): options are not part of the recorded history; executions in flight use the new ones from the next attempt.`,
      });
    }
    if (o.children || n.children) unchanged += compareOperations(entry, o.children ?? [], n.children ?? [], pos(pj), out);
  }
  return unchanged;
}

/**
 * Classifies every difference between the durable skeletons of two manifests.
 *
 * @example
 * ```ts
 * const { compatible, changes } = compareManifests(previous, current);
 * for (const c of changes.filter((c) => !c.safe)) console.error(`${c.entry}: ${c.kind}: ${c.reason}`);
 * ```
 */
export function compareManifests(previous: Manifest, current: Manifest): Compatibility {
  const changes: SkeletonChange[] = [];
  let unchanged = 0;
  const names = [...new Set([...Object.keys(previous.entries), ...Object.keys(current.entries)])].sort();
  for (const name of names) {
    const o: ManifestEntry | undefined = previous.entries[name];
    const n: ManifestEntry | undefined = current.entries[name];
    if (!o && n) {
      changes.push({ entry: name, kind: "entry-added", safe: true, reason: `new entry ${name} (${n.file}:${n.line}:${n.column}): no execution of it is in flight.` });
      continue;
    }
    if (o && !n) {
      changes.push({ entry: name, kind: "entry-removed", safe: false, reason: `entry ${name} (${o.file}:${o.line}:${o.column}) is gone: its executions in flight have no handler to resume with.` });
      continue;
    }
    unchanged += compareOperations(name, o!.operations, n!.operations, "", changes);
  }
  return { compatible: changes.every((c) => c.safe), changes, unchanged };
}

/** One line per change, unsafe first: `error: checkout: inserted step 'checkout/charge' …`. */
export function formatCompatibility(result: Compatibility): string {
  const lines: string[] = [];
  const sorted = [...result.changes].sort((x, y) => Number(x.safe) - Number(y.safe));
  for (const c of sorted) lines.push(`${c.safe ? "safe" : "UNSAFE"}: ${c.entry}: ${c.kind}: ${c.reason}`);
  const unsafe = result.changes.filter((c) => !c.safe).length;
  lines.push(
    unsafe
      ? `durablec: ${unsafe} change(s) unsafe for executions in flight (${result.changes.length - unsafe} safe). Drain or stop in-flight executions first, or keep the old version deployed alongside.`
      : `durablec: replay-compatible: ${result.changes.length} safe change(s), ${result.unchanged} operation(s) unchanged.`,
  );
  return lines.join("\n");
}
