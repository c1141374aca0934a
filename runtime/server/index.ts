import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RuntimeError } from "../service/errors.js";
import type { DurableRuntime } from "../service/runtime.js";
import { HttpError, parseJsonBody, readBody } from "./body.js";
import { projectRoutes, type ProjectInfo } from "./project-routes.js";
import { matchRoute, statusFor, type Route } from "./routes.js";
import { loadUiAssets, type UiAsset } from "./ui-assets.js";

export { ROUTES, type Route } from "./routes.js";
export { projectRoutes, readSourceLines, type BuildStatus, type ProjectInfo, type SourceEntry, type SourceOperation } from "./project-routes.js";
export { defaultUiDir } from "./ui-assets.js";

export interface ServerOptions {
  runtime: DurableRuntime;
  /** 0 picks a free port. Default 7070. */
  port?: number;
  /** Default 127.0.0.1: the API has no authentication, so it is not exposed beyond the machine. */
  host?: string;
  /** Called after a request changed something a worker should look at (a start, a callback). */
  onChange?: () => void;
  /** Called once per request, after the response, e.g. to log it. */
  onRequest?: (info: { method: string; path: string; status: number; ms: number }) => void;
  /** A directory of built UI files (see `defaultUiDir()`), served under `/` and `/ui/` (`durablec dev`). */
  uiDir?: string;
  /** The project behind the handlers: enables `GET /source` and the manifest in `GET /functions`. */
  project?: ProjectInfo;
}

export interface RunningServer {
  server: Server;
  port: number;
  host: string;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the runtime's HTTP API (JSON in and out, shaped like the AWS Lambda durable execution
 * API; every route is in docs/http-api.md). A request that is refused (400, 404, 409, 413)
 * changes nothing in the store.
 *
 * @example
 * const rt = createRuntime({ db: ".durable/state.db" });
 * rt.register("checkout", checkout);
 * const { url } = await startServer({ runtime: rt, port: 7070 });
 * // curl -X POST $url/executions -d '{"functionName":"checkout","input":{"orderId":"o-1"}}'
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { runtime } = options;
  const host = options.host ?? "127.0.0.1";
  const extra = projectRoutes(options.project);
  const ui = options.uiDir ? loadUiAssets(options.uiDir) : undefined;
  const server = createServer((req, res) => {
    const t0 = Date.now();
    const asset = ui && req.method === "GET" ? ui((req.url ?? "/").split("?")[0]!) : undefined;
    if (asset) return void sendAsset(res, asset);
    void handle(runtime, req, res, options.onChange, extra, options.project?.root).then((status) => {
      options.onRequest?.({ method: req.method ?? "", path: (req.url ?? "").split("?")[0]!, status, ms: Date.now() - t0 });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7070, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    host,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(rt: DurableRuntime, req: IncomingMessage, res: ServerResponse, onChange?: () => void, extra: Route[] = [], projectRoot?: string): Promise<number> {
  try {
    const url = new URL(req.url ?? "/", "http://localhost");
    const rawPath = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    const { route, params, allowed } = matchRoute(method, rawPath, extra);
    if (!route) {
      if (allowed.length) {
        res.setHeader("Allow", allowed.join(", "));
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${rawPath}; use ${allowed.join(" or ")}.`);
      }
      throw new HttpError(404, "ROUTE_NOT_FOUND", `No route ${method} ${rawPath}. See docs/http-api.md.`);
    }
    const body = route.bodyLimit > 0 || method === "POST" ? await readBody(req, Math.max(route.bodyLimit, 1024)) : "";
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) throw new HttpError(400, "INVALID_INPUT", `Query parameter ${k} is given twice.`);
      query[k] = v;
    }
    const out = route.handle(rt, { params, query, body, ...(projectRoot !== undefined ? { projectRoot } : {}) }, parseJsonBody);
    if (out.changed) onChange?.();
    return send(res, out.status, out.body);
  } catch (e) {
    if (e instanceof HttpError) return send(res, e.status, { code: e.code, message: e.message }, e.status === 413);
    if (e instanceof RuntimeError) return send(res, statusFor(e), { code: e.code, message: e.message, ...(e.problems ? { problems: e.problems } : {}) });
    return send(res, 500, { code: "INTERNAL", message: (e as Error)?.message ?? String(e) });
  }
}

function send(res: ServerResponse, status: number, body: unknown, close = false): number {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  // After refusing an oversized body we stop reading it; the connection cannot be reused.
  if (close) res.setHeader("Connection", "close");
  res.end(text);
  return status;
}

function sendAsset(res: ServerResponse, asset: UiAsset): void {
  res.statusCode = 200;
  res.setHeader("Content-Type", asset.type);
  res.setHeader("Content-Length", asset.body.length);
  res.setHeader("Cache-Control", "no-cache");
  res.end(asset.body);
}
