import { isAbsolute, relative } from "node:path";
import { z } from "zod";
import { MAX_ERROR_BYTES, MAX_INPUT_BYTES, MAX_OPERATION_PAYLOAD_BYTES, RuntimeError } from "../service/errors.js";
import type { DurableRuntime } from "../service/runtime.js";
import { HttpError } from "./body.js";

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"] as const;

export const StartBody = z.strictObject({
  functionName: z.string().min(1),
  input: z.unknown().optional(),
  name: z.string().min(1).optional(),
  executionTimeoutSeconds: z.number().int().positive().optional(),
});

export const ErrorBody = z.strictObject({
  ErrorType: z.string().optional(),
  ErrorMessage: z.string().optional(),
  ErrorData: z.string().optional(),
  StackTrace: z.array(z.string()).optional(),
});

export const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  functionName: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  nextToken: z.string().min(1).optional(),
  /** A substring of the execution name or ARN. */
  search: z.string().min(1).max(256).optional(),
});

/** What a matched route needs: path parameters, the parsed query, the raw body. */
export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: string;
  /** The directory of the project behind the handlers (`durablec dev`): source paths are given relative to it. */
  projectRoot?: string;
}

export interface Route {
  method: "GET" | "POST";
  /** Path segments; `:name` captures one, `*arn` captures everything up to the fixed tail. */
  pattern: string[];
  /** The largest body this route accepts, in bytes (0: none expected, small bodies tolerated). */
  bodyLimit: number;
  handle(rt: DurableRuntime, req: RouteRequest, json: (text: string) => unknown): { status: number; body: unknown; changed?: boolean };
}

/** Validates a value with a zod schema; failures are 400s listing each problem. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : what}: ${i.message}`);
  throw new HttpError(400, "INVALID_INPUT", `Invalid ${what}: ${issues.join("; ")}`);
}

function encodeToken(e: { startTime: string; arn: string }): string {
  return Buffer.from(JSON.stringify({ t: Date.parse(e.startTime), a: e.arn })).toString("base64url");
}

function decodeToken(token: string): { startTs: number; arn: string } {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { t: unknown; a: unknown };
    if (typeof v.t === "number" && typeof v.a === "string") return { startTs: v.t, arn: v.a };
  } catch {
    /* fall through */
  }
  throw new HttpError(400, "INVALID_INPUT", "Invalid nextToken: pass back the nextToken of a previous page.");
}

const START_ENVELOPE = 64 * 1024;

/** Every route of the HTTP API (documented in docs/http-api.md). */
export const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: ["health"],
    bodyLimit: 0,
    handle: (rt) => ({ status: 200, body: { ok: true, functions: rt.functionNames } }),
  },
  {
    method: "POST",
    pattern: ["executions"],
    bodyLimit: MAX_INPUT_BYTES + START_ENVELOPE,
    handle(rt, req, json) {
      const body = validate(StartBody, json(req.body), "body");
      const existed = body.name !== undefined && rt.store.getExecutionByName(body.functionName, body.name) !== undefined;
      const exec = rt.start(body.functionName, body.input ?? {}, { name: body.name, executionTimeoutSeconds: body.executionTimeoutSeconds });
      return { status: existed ? 200 : 201, body: exec, changed: !existed };
    },
  },
  {
    method: "GET",
    pattern: ["executions"],
    bodyLimit: 0,
    handle(rt, req) {
      const q = validate(ListQuery, req.query, "query");
      const limit = q.limit ?? 100;
      const page = rt.list({
        status: q.status,
        functionName: q.functionName,
        search: q.search,
        limit: limit + 1,
        before: q.nextToken ? decodeToken(q.nextToken) : undefined,
      });
      const executions = page.slice(0, limit);
      return {
        status: 200,
        body: { executions, ...(page.length > limit ? { nextToken: encodeToken(executions[executions.length - 1]!) } : {}) },
      };
    },
  },
  {
    method: "GET",
    pattern: ["executions", "*arn", "history"],
    bodyLimit: 0,
    handle: (rt, req) => ({ status: 200, body: { events: rt.history(req.params.arn!) } }),
  },
  {
    method: "GET",
    pattern: ["executions", "*arn", "operations"],
    bodyLimit: 0,
    handle: (rt, req) => ({ status: 200, body: { operations: rt.operations(req.params.arn!), errorStacks: errorStacksOf(rt, req.params.arn!, req.projectRoot) } }),
  },
  {
    method: "GET",
    pattern: ["executions", "*arn", "invocations"],
    bodyLimit: 0,
    handle: (rt, req) => ({ status: 200, body: { invocations: rt.invocations(req.params.arn!) } }),
  },
  {
    method: "POST",
    pattern: ["executions", "*arn", "stop"],
    bodyLimit: MAX_ERROR_BYTES,
    handle(rt, req, json) {
      const raw = json(req.body);
      const error = raw === undefined ? undefined : validate(ErrorBody, raw, "body");
      return { status: 200, body: rt.stop(req.params.arn!, error), changed: true };
    },
  },
  // After the routes with a fixed tail, which an unencoded ARN would otherwise swallow.
  {
    method: "GET",
    pattern: ["executions", "*arn"],
    bodyLimit: 0,
    handle: (rt, req) => ({ status: 200, body: rt.get(req.params.arn!) }),
  },
  {
    method: "POST",
    pattern: ["callbacks", ":id", "succeed"],
    bodyLimit: MAX_OPERATION_PAYLOAD_BYTES,
    // The body is the result as the waiting code receives it (usually JSON), stored verbatim.
    handle: (rt, req) => ({ status: 200, body: rt.sendCallbackSuccess(req.params.id!, req.body), changed: true }),
  },
  {
    method: "POST",
    pattern: ["callbacks", ":id", "fail"],
    bodyLimit: MAX_ERROR_BYTES,
    handle(rt, req, json) {
      const error = validate(ErrorBody, json(req.body) ?? {}, "body");
      return { status: 200, body: rt.sendCallbackFailure(req.params.id!, error), changed: true };
    },
  },
  {
    method: "POST",
    pattern: ["callbacks", ":id", "heartbeat"],
    bodyLimit: 1024,
    handle: (rt, req) => ({ status: 200, body: rt.sendCallbackHeartbeat(req.params.id!), changed: true }),
  },
];

/**
 * Matches a raw path against the routes. An ARN may arrive URL-encoded as one segment
 * (`arn%3Aaws%3A…%2Fuuid`) or with its slashes left as they are; both work.
 */
export function matchRoute(method: string, rawPath: string, extra: readonly Route[] = []): { route?: Route; params: Record<string, string>; allowed: string[] } {
  const segments = rawPath.split("/").filter((s) => s !== "");
  const allowed: string[] = [];
  for (const route of [...ROUTES, ...extra]) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    if (route.method === method) return { route, params, allowed };
    allowed.push(route.method);
  }
  return { params: {}, allowed };
}

function matchPattern(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const star = pattern.findIndex((p) => p.startsWith("*"));
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  const params: Record<string, string> = {};
  const fixed = (p: string, s: string | undefined): boolean => {
    if (s === undefined) return false;
    if (p.startsWith(":")) {
      const v = decode(s);
      if (v === undefined) return false;
      params[p.slice(1)] = v;
      return true;
    }
    return p === s;
  };
  if (star < 0) {
    if (pattern.length !== segments.length) return undefined;
    return pattern.every((p, i) => fixed(p, segments[i])) ? params : undefined;
  }
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  if (segments.length < head.length + tail.length + 1) return undefined;
  if (!head.every((p, i) => fixed(p, segments[i]))) return undefined;
  const tailStart = segments.length - tail.length;
  if (!tail.every((p, i) => fixed(p, segments[tailStart + i]))) return undefined;
  const middle = segments.slice(head.length, tailStart);
  // An encoded ARN is one segment; a raw one contains '/' and so spans several: only ARNs do.
  const value = decode(middle.join("/"));
  if (value === undefined || (middle.length > 1 && !value.startsWith("arn:"))) return undefined;
  params[pattern[star]!.slice(1)] = value;
  return params;
}

/**
 * The stacks of the execution's errors, as the operations route lists them. A frame's source file
 * is relative to the project root when it is inside it (what `GET /source` reads), else absolute.
 */
function errorStacksOf(rt: DurableRuntime, arn: string, root: string | undefined) {
  return rt.errorStacks(arn).map((e) => ({
    ...e,
    frames: e.frames.map((f) => {
      if (!f.source || root === undefined) return f;
      const rel = relative(root, f.source.file);
      if (rel.startsWith("..") || isAbsolute(rel)) return f;
      return { ...f, source: { ...f.source, file: rel.split("\\").join("/") } };
    }),
  }));
}

/** HTTP status for a runtime refusal. */
export function statusFor(e: RuntimeError): number {
  switch (e.code) {
    case "INVALID_INPUT":
      return 400;
    case "PAYLOAD_TOO_LARGE":
      return 413;
    case "EXECUTION_NOT_FOUND":
    case "CALLBACK_NOT_FOUND":
    case "HANDLER_NOT_REGISTERED":
      return 404;
    case "EXECUTION_NAME_CONFLICT":
    case "EXECUTION_NOT_RUNNING":
    case "CALLBACK_ALREADY_COMPLETED":
      return 409;
    case "STORE_LOCKED":
      return 503;
    default:
      return 500;
  }
}
