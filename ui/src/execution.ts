import { api, type ErrorObject, type ErrorStack, type Execution, type FunctionInfo, type HistoryEvent, type Invocation, type Operation, type SourceOperation } from "./api.js";
import { clear, formatDuration, formatTime, h, payload, prettyPayload, statusBadge } from "./dom.js";
import { stackBlock, type SourceView } from "./stack.js";
import { buildRows, kindOf, renderTimeline, type Row } from "./timeline.js";

interface State {
  exec: Execution;
  operations: Operation[];
  /** Stacks of the errors thrown in the runtime's process, per operation attempt. */
  errorStacks: ErrorStack[];
  invocations: Invocation[];
  events: HistoryEvent[];
  rows: Row[];
}

type Tab = "timeline" | "history" | "io";

/**
 * One execution: its timeline (refreshed every second while it runs), the details and source
 * lines of the selected operation, callback completion, stop, input and result, history events.
 */
export function renderExecution(root: HTMLElement, arn: string, functions: FunctionInfo[], signal: AbortSignal): void {
  let state: State | undefined;
  let selectedId: string | undefined;
  let tab: Tab = "timeline";
  let signature = "";
  let ticks = 0;
  const header = h("div", { class: "exec-header" });
  const notice = h("p", { role: "alert", class: "error", hidden: true });
  const tabs = h("div", { role: "tablist", class: "tabs" });
  const main = h("div", { class: "exec-main" });
  const timeline = h("div", { class: "timeline" });
  const details = h("aside", { class: "details", "aria-label": "Operation details" }, h("p", { class: "muted" }, "Select an operation to see its details and source."));
  const invocationsBox = h("section", { class: "invocations", "aria-label": "Invocations" });
  const split = h("div", { class: "split" }, h("div", { class: "timeline-col" }, timeline, invocationsBox), details);
  const sourceCache = new Map<string, Promise<HTMLElement>>();

  const source: SourceView = (src) => {
    const key = `${src.file}:${src.line}`;
    if (!sourceCache.has(key)) sourceCache.set(key, sourceBlock(src));
    return sourceCache.get(key)!.then((el) => el.cloneNode(true));
  };
  /** The operation's stacks, the latest attempt's first and open, earlier ones folded. */
  const stacksOf = (opId: string | undefined, title: string) => {
    const stacks = state!.errorStacks.filter((s) => s.operationId === opId).sort((a, b) => b.attempt - a.attempt);
    const attempt = (s: ErrorStack) => (s.attempt > 0 ? ` (attempt ${s.attempt})` : "");
    return stacks.map((s, i) => (i === 0 ? stackBlock(s, `${title}${attempt(s)}`, source) : h("details", { class: "older-stack" }, h("summary", {}, `${title}${attempt(s)}`), stackBlock(s, `${title}${attempt(s)}`, source))));
  };

  /**
   * Where the execution failed: the handler's own stack when it has a frame of the application;
   * else (the handler rethrew an error the SDK rebuilt, such as a step's `StepError`) the stack of
   * the operation that threw it first, found by its message.
   */
  const executionStack = (error: ErrorObject) => {
    const { operations, errorStacks, rows } = state!;
    const execId = operations.find((o) => o.Type === "EXECUTION")?.Id;
    const own = errorStacks.find((s) => s.operationId === execId);
    const ours = (s: ErrorStack) => s.frames.some((f) => !f.library && f.source);
    if (own && ours(own)) return stackBlock(own, "Where the execution failed", source);
    const order = new Map(operations.map((o, i) => [o.Id, i]));
    const cause = errorStacks
      .filter((s) => s.operationId !== execId && s.errorMessage === error.ErrorMessage && ours(s))
      .sort((a, b) => (order.get(b.operationId) ?? 0) - (order.get(a.operationId) ?? 0) || b.attempt - a.attempt)[0];
    if (!cause) return own ? stackBlock(own, "Where the execution failed", source) : null;
    const label = rows.find((r) => r.op.Id === cause.operationId)?.label ?? cause.operationId;
    return [
      stackBlock(cause, `Where the execution failed: thrown by ${label}${cause.attempt > 0 ? `, attempt ${cause.attempt}` : ""}`, source),
      own ? h("details", { class: "older-stack" }, h("summary", {}, "The handler's own stack"), h("pre", {}, own.stack)) : null,
    ];
  };

  const fail = (e: unknown) => {
    notice.textContent = (e as Error).message;
    notice.hidden = false;
  };

  const refresh = async (force = false) => {
    try {
      const exec = await api.getExecution(arn);
      if (signal.aborted) return;
      const sig = `${exec.status}|${exec.checkpoints}|${exec.endTime}|${exec.nextWakeTime}`;
      // A callback completed from outside changes operations before the next checkpoint: look anyway now and then.
      const periodic = exec.status === "RUNNING" && ++ticks % 5 === 0;
      if (force || sig !== signature || !state || periodic) {
        signature = sig;
        const [ops, invs, hist] = await Promise.all([api.operations(arn), api.invocations(arn), api.history(arn)]);
        if (signal.aborted) return;
        state = { exec, operations: ops.operations, errorStacks: ops.errorStacks ?? [], invocations: invs.invocations, events: hist.events, rows: buildRows(ops.operations, hist.events) };
        notice.hidden = true;
        draw();
      } else {
        // Nothing new: only the clock moved (durations, open bars). Tabs, details and history keep their state.
        state.exec = exec;
        notice.hidden = true;
        drawHeader();
        if (tab === "timeline") drawTimeline();
      }
    } catch (e) {
      fail(e);
    }
  };

  const endOf = (exec: Execution) => (exec.endTime ? Date.parse(exec.endTime) : Date.now());
  const drawTimeline = () => {
    const exec = state!.exec;
    const t0 = Date.parse(exec.startTime);
    renderTimeline(timeline, { rows: state!.rows, invocations: state!.invocations, t0, t1: Math.max(endOf(exec), t0 + 1), selectedId, onSelect: (op) => ((selectedId = op.Id), draw()) });
  };
  const drawHeader = () => {
    const { exec } = state!;
    const end = endOf(exec);
    clear(
      header,
      h("a", { href: "#/", class: "back" }, "← Executions"),
      h("h2", {}, exec.name, " ", statusBadge(exec.status)),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Entry"),
        h("dd", {}, exec.functionName),
        h("dt", {}, "Started"),
        h("dd", {}, formatTime(exec.startTime)),
        h("dt", {}, "Duration"),
        h("dd", {}, formatDuration(end - Date.parse(exec.startTime)), exec.endTime ? "" : " (running)"),
        h("dt", {}, "Invocations"),
        h("dd", {}, String(state!.invocations.length)),
        exec.nextWakeTime ? [h("dt", {}, "Next wake"), h("dd", {}, formatTime(exec.nextWakeTime))] : null,
        exec.parentArn ? [h("dt", {}, "Started by"), h("dd", {}, h("a", { href: `#/executions/${encodeURIComponent(exec.parentArn)}` }, exec.parentArn.split("/").slice(-2, -1)[0] ?? exec.parentArn))] : null,
        h("dt", {}, "ARN"),
        h("dd", { class: "mono small" }, exec.arn),
      ),
      exec.error ? errorBlock("Execution error", exec.error) : null,
      exec.error ? executionStack(exec.error) : null,
      exec.status === "RUNNING"
        ? h(
            "button",
            {
              type: "button",
              class: "danger",
              onclick: async () => {
                try {
                  await api.stop(arn);
                  await refresh(true);
                } catch (e) {
                  fail(e);
                }
              },
            },
            "Stop execution",
          )
        : null,
    );
  };
  const draw = () => {
    if (!state) return;
    const { exec } = state;
    drawHeader();
    clear(
      tabs,
      (
        [
          ["timeline", "Timeline"],
          ["history", `History (${state.events.length})`],
          ["io", "Input & result"],
        ] as const
      ).map(([id, label]) =>
        h("button", { type: "button", role: "tab", "aria-selected": tab === id ? "true" : "false", onclick: () => ((tab = id), draw()) }, label),
      ),
    );
    if (tab === "timeline") {
      // Mounted once: taking the timeline out of the page would lose its scroll position.
      if (split.parentNode !== main) clear(main, split);
      drawTimeline();
      clear(invocationsBox, invocationsTable(state.invocations));
      const op = state.operations.find((o) => o.Id === selectedId);
      if (op) renderDetails(op);
    } else if (tab === "history") {
      clear(main, historyTable(state.events));
    } else {
      clear(main, h("div", { class: "panel" }, payload("Input", exec.input), exec.result !== undefined ? payload("Result", exec.result) : null, exec.error ? errorBlock("Error", exec.error) : null));
    }
  };

  let detailsKey = "";
  const renderDetails = (op: Operation) => {
    // Redrawn only when the operation changed: what a person is typing into its callback form stays.
    const key = JSON.stringify(op);
    if (key === detailsKey && details.isConnected) return;
    detailsKey = key;
    const row = state!.rows.find((r) => r.op.Id === op.Id);
    const result = op.StepDetails?.Result ?? op.CallbackDetails?.Result ?? op.ContextDetails?.Result ?? op.ChainedInvokeDetails?.Result;
    const error = op.StepDetails?.Error ?? op.CallbackDetails?.Error ?? op.ContextDetails?.Error ?? op.ChainedInvokeDetails?.Error;
    const dur = op.StartTimestamp && op.EndTimestamp ? Date.parse(op.EndTimestamp) - Date.parse(op.StartTimestamp) : undefined;
    const src = sourceOf(op, state!.operations, functions.find((f) => f.name === state!.exec.functionName));
    const facts: [string, string][] = [
      ["Kind", kindOf(op)],
      ["Status", op.Status],
      ["Id", op.Id],
    ];
    if (op.Type === "STEP") facts.push(["Attempts", String(op.StepDetails?.Attempt ?? (op.Status === "STARTED" ? 1 : 0))]);
    if (op.StartTimestamp) facts.push(["Started", formatTime(op.StartTimestamp)]);
    if (op.EndTimestamp) facts.push(["Ended", formatTime(op.EndTimestamp)]);
    if (dur !== undefined) facts.push(["Duration", formatDuration(dur)]);
    if (op.StepDetails?.NextAttemptTimestamp && op.Status === "PENDING") facts.push(["Next attempt", formatTime(op.StepDetails.NextAttemptTimestamp)]);
    if (op.WaitDetails?.ScheduledEndTimestamp) facts.push(["Wait until", formatTime(op.WaitDetails.ScheduledEndTimestamp)]);
    if (op.CallbackDetails?.CallbackId) facts.push(["Callback id", op.CallbackDetails.CallbackId]);
    const sourceBox = h("div", { class: "source" });
    clear(
      details,
      h("h3", {}, row?.label ?? op.Name ?? op.Id),
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", { class: k === "Id" || k === "Callback id" ? "mono small" : "" }, v)])),
      op.Type === "CALLBACK" && op.Status === "STARTED" && op.CallbackDetails?.CallbackId ? callbackForm(op.CallbackDetails.CallbackId) : null,
      op.ExecutionDetails?.InputPayload !== undefined ? payload("Input", op.ExecutionDetails.InputPayload) : null,
      result !== undefined ? payload("Result", result) : null,
      error ? errorBlock("Error", error) : null,
      op.Type === "EXECUTION" ? null : stacksOf(op.Id, "Stack trace"),
      attemptsOf(op, state!.events),
      h("h4", {}, "Source"),
      sourceBox,
    );
    if (!src) sourceBox.append(h("p", { class: "muted" }, "No source location: this operation is not in the entry's durable.manifest.json."));
    else void source(src).then((el) => sourceBox.replaceChildren(el));
  };

  const callbackForm = (callbackId: string) => {
    const result = h("textarea", { id: "cb-result", rows: 3, spellcheck: "false" }, "{}");
    const errType = h("input", { id: "cb-error-type", value: "Rejected" });
    const errMessage = h("input", { id: "cb-error-message", placeholder: "why it failed" });
    const error = h("p", { role: "alert", class: "error", hidden: true });
    const act = async (fn: () => Promise<unknown>) => {
      error.hidden = true;
      try {
        await fn();
        await refresh(true);
      } catch (e) {
        error.textContent = (e as Error).message;
        error.hidden = false;
      }
    };
    return h(
      "div",
      { class: "callback-form", role: "group", "aria-label": "Complete callback" },
      h("h4", {}, "Complete this callback"),
      h("label", { class: "block" }, "Result (JSON)", result),
      h(
        "button",
        {
          type: "button",
          class: "primary",
          onclick: () =>
            act(async () => {
              const text = result.value.trim();
              try {
                JSON.parse(text);
              } catch (e) {
                throw new Error(`The result is not valid JSON: ${(e as Error).message}`);
              }
              await api.callbackSucceed(callbackId, text);
            }),
        },
        "Send success",
      ),
      h("label", {}, "Error type ", errType),
      h("label", {}, "Error message ", errMessage),
      h("button", { type: "button", class: "danger", onclick: () => act(() => api.callbackFail(callbackId, { ErrorType: errType.value || undefined, ErrorMessage: errMessage.value || undefined })) }, "Send failure"),
      error,
    );
  };

  clear(root, h("section", { class: "panel exec", "aria-label": "Execution" }, header, notice, tabs, main));
  void refresh(true);
  // An execution that ended changes no more; actions taken here refresh it themselves.
  const timer = window.setInterval(() => {
    if (!state || state.exec.status === "RUNNING") void refresh();
  }, 1000);
  signal.addEventListener("abort", () => window.clearInterval(timer));
}

function errorBlock(label: string, e: ErrorObject): HTMLElement {
  return h(
    "div",
    { class: "error-block" },
    h("strong", {}, label, ": "),
    h("span", {}, [e.ErrorType, e.ErrorMessage].filter(Boolean).join(": ") || "(no message)"),
    e.StackTrace?.length ? h("details", {}, h("summary", {}, "Stack trace"), h("pre", {}, e.StackTrace.join("\n"))) : null,
    e.ErrorData ? payload("Error data", e.ErrorData, false) : null,
  );
}

/** The manifest's operation for a runtime operation: by name, else its nearest named context's. */
function sourceOf(op: Operation, all: Operation[], fn: FunctionInfo | undefined): { file: string; line: number; label: string } | undefined {
  if (!fn?.file) return undefined;
  if (op.Type === "EXECUTION") return { file: fn.file, line: fn.line ?? 1, label: `${fn.name} (entry)` };
  const byName = new Map<string, SourceOperation>();
  const walk = (list: SourceOperation[] | undefined) => {
    for (const o of list ?? []) {
      if (!byName.has(o.name)) byName.set(o.name, o);
      walk(o.children);
    }
  };
  walk(fn.operations);
  const byId = new Map(all.map((o) => [o.Id, o]));
  for (let cur: Operation | undefined = op; cur; cur = cur.ParentId ? byId.get(cur.ParentId) : undefined) {
    const m = cur.Name ? byName.get(cur.Name) : undefined;
    if (m) return { file: m.file, line: m.line, label: m.callee ? `${m.kind} ${m.callee}` : m.kind };
  }
  return undefined;
}

async function sourceBlock(src: { file: string; line: number }): Promise<HTMLElement> {
  try {
    const s = await api.source(src.file, src.line);
    return h(
      "figure",
      { class: "code" },
      h("figcaption", { class: "mono" }, `${s.file}:${s.line}`),
      h(
        "pre",
        {},
        s.lines.map((text, i) => {
          const n = s.startLine + i;
          return h("div", { class: n === s.line ? "hl" : "" }, h("span", { class: "ln" }, String(n).padStart(4)), " ", text);
        }),
      ),
    );
  } catch (e) {
    return h("p", { class: "muted" }, `${src.file}:${src.line} — ${(e as Error).message}`);
  }
}

function historyTable(events: HistoryEvent[]): HTMLElement {
  const shown = events.slice(0, 2000);
  return h(
    "div",
    { class: "panel" },
    events.length > shown.length ? h("p", { class: "muted" }, `Showing the first ${shown.length} of ${events.length} events.`) : null,
    h(
      "table",
      { class: "list history", "aria-label": "History events" },
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Time"), h("th", {}, "Event"), h("th", {}, "Operation"), h("th", {}, "Details"))),
      h(
        "tbody",
        {},
        shown.map((e) => {
          const { EventType, EventId, EventTimestamp, Id, Name, SubType, ...rest } = e;
          const detail = Object.keys(rest).length ? prettyPayload(rest) : "";
          return h(
            "tr",
            {},
            h("td", { class: "num" }, String(EventId)),
            h("td", {}, formatTime(EventTimestamp)),
            h("td", {}, EventType),
            h("td", {}, String(Name ?? Id ?? ""), SubType ? h("span", { class: "muted" }, ` ${String(SubType)}`) : null),
            h("td", {}, detail ? h("details", {}, h("summary", {}, "details"), h("pre", {}, detail)) : null),
          );
        }),
      ),
    ),
  );
}

/** A step's attempts from the history: when each ran and why it failed (a retried step's final state keeps no earlier error). */
function attemptsOf(op: Operation, events: HistoryEvent[]): HTMLElement | null {
  if (op.Type !== "STEP") return null;
  const mine = events.filter((e) => e.Id === op.Id && /^Step(Started|Failed|Succeeded)$/.test(e.EventType));
  if (!mine.some((e) => e.EventType === "StepFailed")) return null;
  return h(
    "div",
    {},
    h("h4", {}, "Attempts"),
    h(
      "ol",
      { class: "attempts" },
      mine
        .filter((e) => e.EventType !== "StepStarted")
        .map((e) => {
          const d = (e.StepFailedDetails ?? e.StepSucceededDetails) as { Error?: { Payload?: ErrorObject }; RetryDetails?: { NextAttemptDelaySeconds?: number } } | undefined;
          const err = d?.Error?.Payload;
          return h(
            "li",
            {},
            h("span", { class: e.EventType === "StepFailed" ? "status-text s-failed" : "status-text s-succeeded" }, e.EventType === "StepFailed" ? "failed" : "succeeded"),
            ` at ${formatTime(e.EventTimestamp)}`,
            err ? h("span", {}, ": ", [err.ErrorType, err.ErrorMessage].filter(Boolean).join(": ")) : null,
            d?.RetryDetails?.NextAttemptDelaySeconds !== undefined ? h("span", { class: "muted" }, ` — retried after ${d.RetryDetails.NextAttemptDelaySeconds} s`) : null,
          );
        }),
    ),
  );
}

/** Each invocation of the handler: a replay from the start up to where it left off, then new work. */
function invocationsTable(invocations: Invocation[]): HTMLElement[] {
  return [
    h("h4", {}, "Invocations"),
    h(
      "table",
      { class: "list compact" },
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Started"), h("th", {}, "Duration"), h("th", {}, "Outcome"), h("th", {}, "Error"))),
      h(
        "tbody",
        {},
        invocations.map((i) =>
          h(
            "tr",
            {},
            h("td", { class: "num" }, `#${i.invocation}`),
            h("td", {}, formatTime(i.startTime)),
            h("td", { class: "num" }, i.endTime ? formatDuration(Date.parse(i.endTime) - Date.parse(i.startTime)) : "running"),
            h("td", {}, h("span", { class: `status-text s-${i.outcome.toLowerCase()}` }, i.outcome)),
            h("td", {}, i.error ? [i.error.ErrorType, i.error.ErrorMessage].filter(Boolean).join(": ") : ""),
          ),
        ),
      ),
    ),
  ];
}
