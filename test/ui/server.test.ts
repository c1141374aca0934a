// The HTTP routes under the dev UI: GET /functions, GET /source (confined to the project
// directory), ?search= on the execution list, and the UI's static files.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer, type SourceEntry } from "../../runtime/server/index.js";
import { createRuntime, type DurableRuntime } from "../../runtime/service/runtime.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";

const FLOWS: string = new URL("./fixtures/flows.mjs", import.meta.url).href;

let dir: string;
let rt: DurableRuntime;
let withProject: RunningServer;
let plain: RunningServer;

const ENTRY: SourceEntry = {
  file: "src/flow.ts",
  line: 2,
  column: 1,
  operations: [{ name: "load", kind: "step", file: "src/flow.ts", line: 3, column: 9 }],
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "durablec-ui-server-"));
  const project = join(dir, "project");
  mkdirSync(join(project, "src"), { recursive: true });
  writeFileSync(join(project, "src", "flow.ts"), ["// flow", "export async function flow() {", '  await load("x");', "}", ""].join("\n"));
  writeFileSync(join(dir, "secret.txt"), "not for the UI\n");
  symlinkSync(join(dir, "secret.txt"), join(project, "src", "link.ts"));
  const ui = join(dir, "ui");
  mkdirSync(ui);
  writeFileSync(join(ui, "index.html"), "<!doctype html><title>durablec dev</title>");
  writeFileSync(join(ui, "app.js"), "console.log('ui')");

  const { nap, order } = (await import(FLOWS)) as Record<string, DurableHandler>;
  rt = createRuntime();
  rt.register("order", order!).register("nap", nap!);
  withProject = await startServer({ runtime: rt, port: 0, uiDir: ui, project: { root: project, entries: () => ({ order: ENTRY }) } });
  plain = await startServer({ runtime: rt, port: 0 });
});

afterAll(async () => {
  await withProject?.close();
  await plain?.close();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(server: RunningServer, path: string) {
  const res = await fetch(server.url + path);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), text, json: () => JSON.parse(text) as Record<string, any> };
}

describe("GET /functions", () => {
  it("lists the registered functions with their manifest entry when the server knows the project", async () => {
    const r = await get(withProject, "/functions");
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ functions: [{ name: "nap" }, { name: "order", file: "src/flow.ts", line: 2, column: 1, operations: ENTRY.operations }] });
    expect((await get(plain, "/functions")).json()).toEqual({ functions: [{ name: "nap" }, { name: "order" }] });
  });

  it("refuses unknown query parameters and other methods", async () => {
    expect((await get(withProject, "/functions?x=1")).status).toBe(400);
    const res = await fetch(withProject.url + "/functions", { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
  });
});

describe("GET /source", () => {
  it("returns the lines around a line of a project file", async () => {
    const r = await get(withProject, "/source?file=src/flow.ts&line=3&context=1");
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ file: "src/flow.ts", line: 3, startLine: 2, lines: ["export async function flow() {", '  await load("x");', "}"] });
  });

  it("never reads outside the project directory", async () => {
    for (const file of ["../secret.txt", "src/../../secret.txt", join(dir, "secret.txt"), "src/link.ts"]) {
      const r = await get(withProject, `/source?file=${encodeURIComponent(file)}&line=1`);
      expect(r.status, file).toBe(403);
      expect(r.json().code).toBe("SOURCE_OUTSIDE_PROJECT");
      expect(r.text).not.toContain("not for the UI");
    }
  });

  it("gives clear errors for missing files, lines past the end and bad queries", async () => {
    const missing = await get(withProject, "/source?file=src/nope.ts&line=1");
    expect([missing.status, missing.json().code]).toEqual([404, "SOURCE_NOT_FOUND"]);
    const pastEnd = await get(withProject, "/source?file=src/flow.ts&line=99");
    expect([pastEnd.status, pastEnd.json().message]).toEqual([404, "src/flow.ts has 5 lines; there is no line 99."]);
    const dirAsFile = await get(withProject, "/source?file=src&line=1");
    expect(dirAsFile.status).toBe(404);
    for (const q of ["file=src/flow.ts", "file=src/flow.ts&line=0", "file=src/flow.ts&line=x", "line=1", "file=src/flow.ts&line=1&context=51"]) {
      const r = await get(withProject, `/source?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json().code).toBe("INVALID_INPUT");
    }
  });

  it("is unavailable when the server knows no project", async () => {
    const r = await get(plain, "/source?file=src/flow.ts&line=1");
    expect([r.status, r.json().code]).toEqual([404, "SOURCE_UNAVAILABLE"]);
  });
});

describe("GET /executions?search=", () => {
  it("keeps executions whose name or ARN contains the text, with paging", async () => {
    for (const name of ["alpha-1", "alpha-2", "alpha-3", "beta-1"]) rt.start("nap", {}, { name });
    const names = async (q: string) => ((await get(withProject, `/executions?${q}`)).json().executions as { name: string }[]).map((e) => e.name);
    expect((await names("search=alpha")).sort()).toEqual(["alpha-1", "alpha-2", "alpha-3"]);
    expect(await names("search=beta-1")).toEqual(["beta-1"]);
    const first = (await get(withProject, "/executions?search=alpha&limit=2")).json();
    expect(first.executions).toHaveLength(2);
    const second = (await get(withProject, `/executions?search=alpha&limit=2&nextToken=${first.nextToken}`)).json();
    expect(second.executions).toHaveLength(1);
    expect((await get(withProject, "/executions?search=")).status).toBe(400);
  });
});

describe("the UI's files", () => {
  it("are served under / and /ui/ when the server has a UI, and the API is unchanged", async () => {
    const index = await get(withProject, "/");
    expect([index.status, index.type]).toEqual([200, "text/html; charset=utf-8"]);
    expect(index.text).toContain("<title>durablec dev</title>");
    const js = await get(withProject, "/ui/app.js");
    expect([js.status, js.type]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect((await get(withProject, "/ui/missing.js")).json().code).toBe("ROUTE_NOT_FOUND");
    expect((await get(withProject, "/health")).json().ok).toBe(true);
  });

  it("are not served without a UI directory", async () => {
    const r = await get(plain, "/");
    expect([r.status, r.json().code]).toEqual([404, "ROUTE_NOT_FOUND"]);
  });
});
