import type { EventSchema } from "./input-shape.js";

/** The documented HTTP API (docs/http-api.md), as the UI uses it. Refusals carry the API's own code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** An input refused by its entry's event schema: each problem. */
    readonly problems?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export interface ErrorObject {
  ErrorType?: string;
  ErrorMessage?: string;
  ErrorData?: string;
  StackTrace?: string[];
}

export interface Execution {
  arn: string;
  name: string;
  functionName: string;
  status: string;
  input: unknown;
  result?: unknown;
  error?: ErrorObject;
  startTime: string;
  endTime?: string;
  nextWakeTime?: string;
  parentArn?: string;
  checkpoints: number;
}

export interface Operation {
  Id: string;
  ParentId?: string;
  Name?: string;
  Type: string;
  SubType?: string;
  Status: string;
  StartTimestamp?: string;
  EndTimestamp?: string;
  ExecutionDetails?: { InputPayload?: string };
  StepDetails?: { Attempt?: number; NextAttemptTimestamp?: string; Result?: string; Error?: ErrorObject };
  WaitDetails?: { ScheduledEndTimestamp?: string };
  CallbackDetails?: { CallbackId?: string; Result?: string; Error?: ErrorObject };
  ContextDetails?: { Result?: string; Error?: ErrorObject };
  ChainedInvokeDetails?: { Result?: string; Error?: ErrorObject };
}

/** One `at …` line of a captured stack; `source` is where it is in the TypeScript source (relative to the project when inside it). */
export interface StackFrame {
  text: string;
  fn?: string;
  file?: string;
  line?: number;
  column?: number;
  source?: { file: string; line: number; column: number };
  library?: true;
}

/** The stack of an error thrown by an operation's attempt, or by the handler (under the EXECUTION operation). */
export interface ErrorStack {
  operationId: string;
  attempt: number;
  errorType: string;
  errorMessage: string;
  stack: string;
  frames: StackFrame[];
}

export interface Invocation {
  invocation: number;
  requestId: string;
  startTime: string;
  endTime?: string;
  outcome: string;
  error?: ErrorObject;
}

export type HistoryEvent = Record<string, unknown> & { EventType: string; EventId: number; Id?: string; Name?: string; EventTimestamp: string };

export interface SourceOperation {
  name: string;
  kind: string;
  callee?: string;
  file: string;
  line: number;
  column: number;
  children?: SourceOperation[];
}

export interface FunctionInfo {
  name: string;
  file?: string;
  line?: number;
  column?: number;
  operations?: SourceOperation[];
  eventSchema?: EventSchema;
}

export interface BuildStatus {
  ok: boolean;
  time: string;
  diagnostics?: string;
}

export interface SourceLines {
  file: string;
  line: number;
  startLine: number;
  lines: string[];
}

async function call<T>(method: string, path: string, body?: string): Promise<T> {
  const res = await fetch(path, { method, ...(body !== undefined ? { body, headers: { "Content-Type": "application/json" } } : {}) });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, "BAD_RESPONSE", `The server answered ${res.status} with something that is not JSON.`);
  }
  if (!res.ok) {
    const e = (data ?? {}) as { code?: string; message?: string; problems?: { path: string; message: string }[] };
    throw new ApiError(res.status, e.code ?? String(res.status), e.message ?? res.statusText, Array.isArray(e.problems) ? e.problems : undefined);
  }
  return data as T;
}

const arnPath = (arn: string) => `/executions/${encodeURIComponent(arn)}`;

export const api = {
  listExecutions(q: { status?: string; functionName?: string; search?: string; limit?: number; nextToken?: string }) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
    return call<{ executions: Execution[]; nextToken?: string }>("GET", `/executions?${p}`);
  },
  getExecution: (arn: string) => call<Execution>("GET", arnPath(arn)),
  operations: (arn: string) => call<{ operations: Operation[]; errorStacks?: ErrorStack[] }>("GET", `${arnPath(arn)}/operations`),
  invocations: (arn: string) => call<{ invocations: Invocation[] }>("GET", `${arnPath(arn)}/invocations`),
  history: (arn: string) => call<{ events: HistoryEvent[] }>("GET", `${arnPath(arn)}/history`),
  /** `inputText` is sent as the API receives it; the server validates it too. */
  start: (functionName: string, inputText: string, name?: string) =>
    call<Execution>("POST", "/executions", `{"functionName":${JSON.stringify(functionName)},"input":${inputText}${name ? `,"name":${JSON.stringify(name)}` : ""}}`),
  stop: (arn: string) => call<Execution>("POST", `${arnPath(arn)}/stop`, ""),
  callbackSucceed: (id: string, result: string) => call<Execution>("POST", `/callbacks/${encodeURIComponent(id)}/succeed`, result),
  callbackFail: (id: string, error: ErrorObject) => call<Execution>("POST", `/callbacks/${encodeURIComponent(id)}/fail`, JSON.stringify(error)),
  functions: () => call<{ functions: FunctionInfo[]; build?: BuildStatus }>("GET", "/functions"),
  source: (file: string, line: number, context = 4) =>
    call<SourceLines>("GET", `/source?${new URLSearchParams({ file, line: String(line), context: String(context) })}`),
};
