import type { HistoryEvent, Invocation, Operation } from "./api.js";
import { formatDuration, h } from "./dom.js";

/** One line of the timeline: an operation at its nesting depth. */
export interface Row {
  op: Operation;
  depth: number;
  label: string;
  kind: string;
  start?: number;
  end?: number;
  /** Times at which earlier attempts of a step failed (retries). */
  retries: number[];
}

const KIND: Record<string, string> = {
  Step: "step",
  Wait: "wait",
  Callback: "callback",
  RunInChildContext: "child context",
  Map: "map",
  MapIteration: "map item",
  Parallel: "parallel",
  ParallelBranch: "branch",
  WaitForCallback: "wait for callback",
  WaitForCondition: "wait for condition",
  ChainedInvoke: "invoke",
};

export function kindOf(op: Operation): string {
  return (op.SubType && KIND[op.SubType]) ?? op.Type.toLowerCase().replace(/_/g, " ");
}

/** A name for display: unnamed children of a named operation read `parent › kind`, map items their index. */
export function labelOf(op: Operation, byId: Map<string, Operation>, index: number): string {
  if (op.Name) return op.Name;
  if (op.SubType === "MapIteration") return `item ${index}`;
  if (op.SubType === "ParallelBranch") return `branch ${index}`;
  const parent = op.ParentId ? byId.get(op.ParentId) : undefined;
  return parent?.Name ? `${parent.Name} › ${kindOf(op)}` : kindOf(op);
}

const ms = (t: string | undefined) => (t ? Date.parse(t) : undefined);

/**
 * Orders operations depth-first by context (a context's children right under it, in start order)
 * and gives each its depth, label, span and retries. O(n) in the number of operations.
 */
export function buildRows(operations: readonly Operation[], events: readonly HistoryEvent[]): Row[] {
  const byId = new Map(operations.map((o) => [o.Id, o]));
  const children = new Map<string, Operation[]>();
  const roots: Operation[] = [];
  for (const op of operations) {
    if (op.Type === "EXECUTION") continue;
    const parent = op.ParentId && byId.has(op.ParentId) && byId.get(op.ParentId)!.Type !== "EXECUTION" ? op.ParentId : undefined;
    if (parent) {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(op);
    } else roots.push(op);
  }
  const retries = new Map<string, number[]>();
  for (const e of events) {
    if (e.EventType === "StepFailed" && e.Id && (e.StepFailedDetails as { RetryDetails?: { NextAttemptDelaySeconds?: number } } | undefined)?.RetryDetails?.NextAttemptDelaySeconds !== undefined) {
      let list = retries.get(e.Id);
      if (!list) retries.set(e.Id, (list = []));
      list.push(Date.parse(e.EventTimestamp));
    }
  }
  const rows: Row[] = [];
  const visit = (list: Operation[], depth: number) => {
    list.forEach((op, i) => {
      rows.push({ op, depth, label: labelOf(op, byId, i), kind: kindOf(op), start: ms(op.StartTimestamp), end: ms(op.EndTimestamp), retries: retries.get(op.Id) ?? [] });
      const kids = children.get(op.Id);
      if (kids) visit(kids, depth + 1);
    });
  };
  visit(roots, 0);
  return rows;
}

export const ROW_HEIGHT = 26;

export interface TimelineOptions {
  rows: Row[];
  invocations: Invocation[];
  t0: number;
  t1: number;
  selectedId?: string;
  onSelect(op: Operation): void;
}

/**
 * The timeline: a label column and a bar per operation, with a vertical marker where each
 * invocation started (a replay boundary). Only the rows in view are in the DOM, so an execution
 * of thousands of operations scrolls as smoothly as one of ten.
 */
export function renderTimeline(container: HTMLElement, o: TimelineOptions): void {
  const span = Math.max(1, o.t1 - o.t0);
  const pct = (t: number) => `${(((t - o.t0) / span) * 100).toFixed(3)}%`;
  const prevScroll = container.querySelector<HTMLElement>(".tl-scroll")?.scrollTop ?? 0;
  const axis = h(
    "div",
    { class: "tl-axis" },
    h("div", { class: "tl-label-col muted" }, `${o.rows.length} operation${o.rows.length === 1 ? "" : "s"} · ${formatDuration(span)}`),
    h(
      "div",
      { class: "tl-track" },
      o.invocations.map((inv) =>
        h("span", { class: "tl-inv-label", style: { left: pct(Date.parse(inv.startTime)) }, title: `Invocation ${inv.invocation}: ${inv.outcome}` }, `#${inv.invocation}`),
      ),
      [0, 0.25, 0.5, 0.75].map((f) => h("span", { class: "tl-tick", style: { left: `${f * 100}%` } }, f === 0 ? "0" : `+${formatDuration(span * f)}`)),
    ),
    h("div", { class: "tl-meta muted" }, "invocations: ", String(o.invocations.length)),
  );
  const markers = h(
    "div",
    { class: "tl-markers", "aria-hidden": "true" },
    o.invocations.map((inv) => h("div", { class: `tl-inv o-${inv.outcome.toLowerCase()}`, style: { left: pct(Date.parse(inv.startTime)) } })),
  );
  const rowsLayer = h("div", { class: "tl-rows" });
  const inner = h("div", { class: "tl-inner", style: { height: `${Math.max(1, o.rows.length) * ROW_HEIGHT}px` } }, markers, rowsLayer);
  // As tall as its rows, up to most of the screen; then it scrolls.
  const scroll = h("div", { class: "tl-scroll", role: "list", "aria-label": "Timeline", style: { height: `min(60vh, ${Math.max(3, o.rows.length) * ROW_HEIGHT + 2}px)` } }, inner);
  const draw = () => {
    const first = Math.max(0, Math.floor(scroll.scrollTop / ROW_HEIGHT) - 10);
    const last = Math.min(o.rows.length, Math.ceil((scroll.scrollTop + (scroll.clientHeight || 600)) / ROW_HEIGHT) + 10);
    rowsLayer.replaceChildren(...o.rows.slice(first, last).map((r, i) => renderRow(r, first + i)));
  };
  const renderRow = (r: Row, index: number) => {
    const start = r.start ?? o.t0;
    const end = r.end ?? o.t1;
    const dur = r.end !== undefined && r.start !== undefined ? r.end - r.start : undefined;
    const status = r.op.Status.toLowerCase();
    return h(
      "button",
      {
        class: `tl-row${r.op.Id === o.selectedId ? " selected" : ""}`,
        role: "listitem",
        style: { top: `${index * ROW_HEIGHT}px` },
        "aria-label": `${r.label} ${r.kind} ${r.op.Status}`,
        "aria-pressed": r.op.Id === o.selectedId ? "true" : "false",
        onclick: () => o.onSelect(r.op),
      },
      h("span", { class: "tl-label-col", style: { paddingLeft: `${8 + r.depth * 16}px` } }, h("span", { class: "tl-name" }, r.label), h("span", { class: "tl-kind" }, r.kind)),
      h(
        "span",
        { class: "tl-track" },
        h(
          "span",
          { class: `tl-bar k-${r.op.Type.toLowerCase()} s-${status}${r.end === undefined ? " open" : ""}`, style: { left: pct(start), width: `max(3px, ${(((end - start) / span) * 100).toFixed(3)}%)` }, title: `${r.label}: ${r.op.Status}${dur !== undefined ? `, ${formatDuration(dur)}` : ""}` },
          r.retries.map((t) => h("span", { class: "tl-retry", style: { left: `${(((t - start) / Math.max(1, end - start)) * 100).toFixed(2)}%` }, title: "attempt failed, retried" })),
        ),
      ),
      h("span", { class: "tl-meta" }, h("span", { class: `status-text s-${status}` }, r.op.Status), dur !== undefined ? ` ${formatDuration(dur)}` : "", r.op.StepDetails?.Attempt && r.op.StepDetails.Attempt > 1 ? ` · ${r.op.StepDetails.Attempt} attempts` : ""),
    );
  };
  scroll.addEventListener("scroll", () => requestAnimationFrame(draw), { passive: true });
  container.replaceChildren(axis, scroll);
  scroll.scrollTop = prevScroll;
  draw();
}
