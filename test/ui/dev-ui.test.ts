// Browser tests of `durablec dev`: a real dev process on a handler module, driven through the web
// UI in headless Debian chromium (playwright-core never downloads a browser). They assert what a
// person sees: text, roles, labels.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const FIXTURES = join(ROOT, "test", "ui", "fixtures");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

let tmp: string;
let profile: string;
let dev: ChildProcess;
let url: string;
let browser: BrowserContext;
let page: Page;
const shots: string[] = [];

/** Starts `durablec dev` with `args` in `cwd` and resolves with the process and the URL it prints. */
function startDevProcess(cwd: string, args: string[]): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  let output = "";
  const proc = spawn(process.execPath, [join(ROOT, "bin", "durablec.js"), "dev", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`durablec dev printed no URL:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /UI and API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ proc, url: m[1]!, output: () => output });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`durablec dev exited with ${code}:\n${output}`)));
  });
}

/** Starts `durablec dev` on the fixture module and resolves with the URL it prints. */
async function startDev(): Promise<string> {
  const started = await startDevProcess(FIXTURES, ["flows.mjs", "--port", "0", "--db", join(tmp, "state.db"), "--no-watch"]);
  dev = started.proc;
  return started.url;
}

async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

async function shot(name: string): Promise<void> {
  const path = join(tmp, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  shots.push(path);
}

/** Generous: the suite shares two cores with the other test files. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const timeline = () => page.getByRole("list", { name: "Timeline" });
const details = () => page.getByRole("complementary", { name: "Operation details" });
const startForm = () => page.getByRole("form", { name: "Start an execution" });

async function startFromUi(entry: string, input: string, name?: string): Promise<void> {
  await page.goto(`${url}/#/`);
  await startForm().getByLabel("Entry").selectOption(entry);
  await startForm().getByLabel("Input (JSON)").fill(input);
  await startForm().getByLabel("Name").fill(name ?? "");
  await startForm().getByRole("button", { name: "Start" }).click();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "durablec-ui-"));
  const [u, b] = await Promise.all([
    startDev(),
    chromium.launchPersistentContext((profile = mkdtempSync(join(tmpdir(), "durablec-chromium-"))), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    }),
  ]);
  url = u;
  browser = b;
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await stopProcess(dev);
  if (process.env.DURABLEC_KEEP_SCREENSHOTS) console.log(`screenshots: ${shots.join(", ")}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe("durablec dev web UI", () => {
  it("refuses malformed JSON, starts an execution and shows its timeline as it runs", async () => {
    await startFromUi("order", '{"orderId": ');
    await eventually(() => startForm().getByRole("alert").textContent()).toContain("The input is not valid JSON");
    expect(page.url()).not.toContain("#/executions/");

    await startFromUi("order", '{"orderId": "o-ui-1"}', "ui-order-1");
    await page.getByRole("heading", { name: /ui-order-1/ }).waitFor();
    await timeline().getByRole("listitem", { name: /^load-order step SUCCEEDED/ }).waitFor();
    // The map's items nest under it; the retried step and the wait appear as the execution goes on.
    await timeline().getByRole("listitem", { name: /^price-items map SUCCEEDED/ }).waitFor();
    expect(await timeline().getByRole("listitem", { name: /^price step SUCCEEDED/ }).count()).toBe(3);
    await timeline().getByRole("listitem", { name: /^reserve-stock step SUCCEEDED/ }).waitFor();
    await timeline().getByRole("listitem", { name: /^approve › callback callback STARTED/ }).waitFor();
    expect(await page.getByRole("heading", { name: /ui-order-1/ }).textContent()).toContain("RUNNING");
    await shot("timeline-running");
  });

  it("shows an operation's details, attempts and the source lines that produced it", async () => {
    await timeline().getByRole("listitem", { name: /^load-order/ }).click();
    await eventually(() => details().textContent()).toContain("flows.mjs:9");
    const text = (await details().textContent())!;
    expect(text).toContain('ctx.step("load-order"');
    expect(text).toContain('"o-ui-1"'); // the step's result
    expect(await details().locator(".hl").textContent()).toContain('await ctx.step("load-order"');

    await timeline().getByRole("listitem", { name: /^reserve-stock/ }).click();
    await eventually(() => details().textContent()).toContain("flows.mjs:12");
    expect(await details().getByRole("term").allTextContents()).toContain("Attempts");
    expect((await details().textContent())!.replace(/\s+/g, " ")).toMatch(/Attempts\s*2/);
    // The first attempt's error is kept in the history, and shown with the step.
    expect(await details().getByRole("listitem").allTextContents()).toEqual([
      expect.stringMatching(/^failed at .*: Error: stock service busy \(attempt 1\) — retried after 1 s$/),
      expect.stringMatching(/^succeeded at /),
    ]);
    await shot("operation-source");
  });

  it("completes a callback from the UI, and the execution finishes", async () => {
    await timeline().getByRole("listitem", { name: /^approve › callback/ }).click();
    const form = details().getByRole("group", { name: "Complete callback" });
    await form.getByLabel("Result (JSON)").fill("approved by ana");
    await form.getByRole("button", { name: "Send success" }).click();
    await eventually(() => form.getByRole("alert").textContent()).toContain("The result is not valid JSON");

    await form.getByLabel("Result (JSON)").fill('{"approvedBy": "ana"}');
    await form.getByRole("button", { name: "Send success" }).click();
    await timeline().getByRole("listitem", { name: /^send-receipt step SUCCEEDED/ }).waitFor();
    await eventually(() => page.getByRole("heading", { name: /ui-order-1/ }).textContent()).toContain("SUCCEEDED");
    expect(await page.getByRole("button", { name: "Stop execution" }).count()).toBe(0);

    await page.getByRole("tab", { name: "Input & result" }).click();
    await eventually(() => page.locator("main").textContent()).toContain('"approvedBy": "ana"');
    expect(await page.locator("main").textContent()).toContain('"total": 60');

    await page.getByRole("tab", { name: /History/ }).click();
    const history = page.getByRole("table", { name: "History events" });
    expect(await history.getByRole("row", { name: /CallbackSucceeded/ }).count()).toBe(1);
    expect(await history.getByRole("row", { name: /ExecutionSucceeded/ }).count()).toBe(1);
    await shot("history");
  });

  it("fails a callback from the UI, and the execution shows the error", async () => {
    await startFromUi("order", '{"orderId": "o-ui-2"}', "ui-order-2");
    await timeline().getByRole("listitem", { name: /^approve › callback callback STARTED/ }).click();
    const form = details().getByRole("group", { name: "Complete callback" });
    await form.getByLabel("Error type").fill("Rejected");
    await form.getByLabel("Error message").fill("over budget");
    await form.getByRole("button", { name: "Send failure" }).click();
    await eventually(() => page.getByRole("heading", { name: /ui-order-2/ }).textContent()).toContain("FAILED");
    await timeline().getByRole("listitem", { name: /^approve › callback callback FAILED/ }).waitFor();
    expect(await page.locator(".exec-header").textContent()).toContain("over budget");
  });

  it("stops a running execution", async () => {
    await startFromUi("nap", "{}", "ui-nap-1");
    await timeline().getByRole("listitem", { name: /^long-nap wait STARTED/ }).waitFor();
    await page.getByRole("button", { name: "Stop execution" }).click();
    await eventually(() => page.getByRole("heading", { name: /ui-nap-1/ }).textContent()).toContain("STOPPED");
  });

  it("nests parallel branches, child contexts and invokes in the timeline", async () => {
    await startFromUi("fanout", '{"who": "li"}', "ui-fanout-1");
    await eventually(() => page.getByRole("heading", { name: /ui-fanout-1/ }).textContent()).toContain("SUCCEEDED");
    await timeline().getByRole("listitem", { name: /^price-lookup/ }).waitFor();
    // Depth first: each context's operations right under it.
    expect(await timeline().getByRole("listitem").evaluateAll((rows) => rows.map((r) => r.getAttribute("aria-label")))).toEqual([
      "notify parallel SUCCEEDED",
      "parallel-branch-0 branch SUCCEEDED",
      "email step SUCCEEDED",
      "parallel-branch-1 branch SUCCEEDED",
      "sms step SUCCEEDED",
      "audit child context SUCCEEDED",
      "write step SUCCEEDED",
      "price-lookup invoke SUCCEEDED",
      "sub-run invoke SUCCEEDED",
    ]);
    await timeline().getByRole("listitem", { name: /^write step/ }).click();
    await eventually(() => details().textContent()).toContain("flows.mjs:39");
    await timeline().getByRole("listitem", { name: /^price-lookup/ }).click();
    await eventually(() => details().textContent()).toContain("flows.mjs:40");
    expect(await details().textContent()).toContain("42");
    await shot("nesting");

    // The durable handler it invoked ran as a child execution, which links back to it.
    await page.goto(`${url}/#/`);
    const list = page.getByRole("region", { name: "Executions" });
    await list.getByLabel("Search").fill("");
    await list.getByLabel("Status").selectOption("");
    await list.getByLabel("Entry").selectOption("many");
    await eventually(() => list.getByRole("link").count()).toBe(1);
    await list.getByRole("link").click();
    await page.getByRole("link", { name: "ui-fanout-1" }).click();
    await eventually(() => page.getByRole("heading", { name: /ui-fanout-1/ }).count()).toBe(1);
    await page.goto(`${url}/#/`);
    await list.getByLabel("Entry").selectOption("");
  });

  it("lists, filters and searches executions, and shows the API's own errors", async () => {
    await page.goto(`${url}/#/`);
    const list = page.getByRole("region", { name: "Executions" });
    await list.getByRole("link", { name: "ui-order-1" }).waitFor();
    await list.getByRole("link", { name: "ui-nap-1" }).waitFor();

    await list.getByLabel("Status").selectOption("STOPPED");
    await eventually(() => list.getByRole("link").allTextContents()).toEqual(["ui-nap-1"]);
    await list.getByLabel("Status").selectOption("");
    await list.getByLabel("Entry").selectOption("order");
    await eventually(() => list.getByRole("link").allTextContents()).toEqual(["ui-order-2", "ui-order-1"]);
    await list.getByLabel("Status").selectOption("FAILED");
    await eventually(() => list.getByRole("link").allTextContents()).toEqual(["ui-order-2"]);
    await list.getByLabel("Status").selectOption("");
    await list.getByLabel("Entry").selectOption("");
    await list.getByLabel("Search").fill("nap-1");
    await eventually(() => list.getByRole("link").allTextContents()).toEqual(["ui-nap-1"]);
    await shot("list-search");

    // The same name with another input: the API refuses it, and the UI shows the API's message.
    const body = JSON.stringify({ functionName: "order", input: { orderId: "other" }, name: "ui-order-1" });
    const api = await fetch(`${url}/executions`, { method: "POST", body });
    const refusal = (await api.json()) as { code: string; message: string };
    expect(api.status).toBe(409);
    await startFromUi("order", '{"orderId": "other"}', "ui-order-1");
    await eventually(() => startForm().getByRole("alert").textContent()).toBe(refusal.message);
  });

  it("pages through the list 50 executions at a time", async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => fetch(`${url}/executions`, { method: "POST", body: JSON.stringify({ functionName: "nap", input: { i }, name: `bulk-${i}` }) })),
    );
    await page.goto(`${url}/#/`);
    const list = page.getByRole("region", { name: "Executions" });
    await list.getByLabel("Search").fill(""); // filters outlive a visit to an execution; the last test searched
    await list.getByLabel("Entry").selectOption("nap");
    await eventually(() => list.getByRole("link").count()).toBe(50);
    expect(await list.getByText("50+ executions").count()).toBe(1);
    await list.getByRole("button", { name: "Load more" }).click();
    await eventually(() => list.getByRole("link").count()).toBe(61); // the 60 and ui-nap-1
    expect(await list.getByRole("button", { name: "Load more" }).isVisible()).toBe(false);
    await list.getByLabel("Entry").selectOption("");
  });

  it("opens an execution of 5,000 operations quickly and scrolls to its end", async () => {
    const res = await fetch(`${url}/executions`, { method: "POST", body: JSON.stringify({ functionName: "many", input: { steps: 5000 }, name: "ui-many" }) });
    const { arn } = (await res.json()) as { arn: string };
    await expect
      .poll(async () => ((await (await fetch(`${url}/executions/${encodeURIComponent(arn)}`)).json()) as { status: string }).status, { timeout: 45_000, interval: 250 })
      .toBe("SUCCEEDED");
    const t0 = performance.now();
    await page.goto(`${url}/#/executions/${encodeURIComponent(arn)}`);
    await page.getByText("5000 operations").waitFor();
    await timeline().getByRole("listitem", { name: /^step-0 step SUCCEEDED/ }).waitFor();
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    await timeline().evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await timeline().getByRole("listitem", { name: /^step-4999 step SUCCEEDED/ }).click();
    await eventually(() => details().textContent()).toContain("step-4999");
    // Selecting it keeps the timeline where it was scrolled to.
    expect(await timeline().getByRole("listitem", { name: /^step-4999 step SUCCEEDED/ }).isVisible()).toBe(true);
    const scrollMs = performance.now() - t1;
    console.log(`5,000-operation execution: timeline shown in ${Math.round(openMs)} ms, scrolled to the last operation and opened it in ${Math.round(scrollMs)} ms`);
    expect(openMs).toBeLessThan(8000);
    expect(scrollMs).toBeLessThan(3000);
    await shot("timeline-5000");
  });
});

describe("durablec dev on a TypeScript project: typed inputs and error stacks", () => {
  const project = join(ROOT, ".tmp", `ui-typed-project-${process.pid}`);
  let projectDev: ChildProcess | undefined;
  let projectUrl: string;

  beforeAll(async () => {
    rmSync(project, { recursive: true, force: true });
    mkdirSync(project, { recursive: true });
    cpSync(join(ROOT, "test", "runtime", "fixtures", "typed-project"), project, { recursive: true });
    const started = await startDevProcess(project, ["-p", "tsconfig.json", "--port", "0", "--db", join(project, "state.db"), "--no-watch"]);
    projectDev = started.proc;
    projectUrl = started.url;
  }, 90_000);
  afterAll(async () => {
    await stopProcess(projectDev);
    rmSync(project, { recursive: true, force: true });
  });

  const startIn = async (entry: string, input: string) => {
    await page.goto(`${projectUrl}/#/`);
    await startForm().getByLabel("Entry").selectOption(entry);
    await startForm().getByLabel("Input (JSON)").fill(input);
    await startForm().getByRole("button", { name: "Start" }).click();
  };
  const executions = async () => ((await (await fetch(`${projectUrl}/executions`)).json()) as { executions: unknown[] }).executions.length;

  it("lists every problem of an input that does not match the entry's type, and starts nothing", async () => {
    await page.goto(`${projectUrl}/#/`);
    await startForm().getByLabel("Entry").selectOption("checkout");
    await startForm().getByText("Expected input").click();
    const shape = (await startForm().getByLabel("Expected input").textContent())!;
    expect(shape).toContain("placedAt: Date (an ISO 8601 string);");
    expect(shape).toContain("note?: string;");
    expect(shape).toMatch(/channel: "(web|phone)" \| "(web|phone)";/);

    await startIn("checkout", '{"orderId": 5, "amount": "20", "placedAt": "someday", "channel": "web", "priority": 1, "giftWrap": false, "items": [{"sku": "a"}], "tags": {}}');
    const problems = startForm().getByRole("list", { name: "Input problems" });
    await eventually(() => problems.getByRole("listitem").allTextContents()).toEqual([
      "event.orderId: Invalid input: expected string, received number",
      "event.amount: Invalid input: expected number, received string",
      "event.placedAt: Invalid input: expected date, received Date",
      "event.items[0].qty: Invalid input: expected number, received undefined",
    ]);
    expect(await startForm().getByRole("alert").textContent()).toBe("The input does not match the type of checkout's event (4 problems); nothing was started.");
    expect(await startForm().getByLabel("Input (JSON)").getAttribute("aria-invalid")).toBe("true");
    expect(page.url()).not.toContain("#/executions/");
    expect(await executions()).toBe(0);
    await shot("start-input-problems");

    // The example it fills in is an input of the right type.
    await startForm().getByRole("button", { name: "Fill in an example" }).click();
    await startForm().getByRole("button", { name: "Start" }).click();
    await page.getByRole("heading", { name: /SUCCEEDED|RUNNING/ }).waitFor();
    expect(page.url()).toContain("#/executions/");
  });

  it("shows a failing step's stack at the TypeScript line that threw, and the handler's own error", async () => {
    await startIn("checkout", JSON.stringify({ orderId: "o-big", amount: 500, placedAt: "2026-03-01T10:00:00Z", channel: "phone", priority: "rush", giftWrap: null, items: [], tags: {} }));
    await timeline().getByRole("listitem", { name: /^checkout\/chargeCard step (PENDING|READY|STARTED|FAILED)/ }).click();
    const stack = details().getByRole("region", { name: /^Stack trace \(attempt \d\)$/ });
    await eventually(() => stack.getByRole("list", { name: "Stack frames" }).getByRole("listitem").first().textContent()).toBe("chargeCard src/payments.ts:3:27");
    expect(await stack.getByRole("list", { name: "Stack frames" }).getByRole("listitem").nth(1).textContent()).toMatch(/^src\/orders\.ts:18:\d+$/);
    await eventually(() => stack.locator(".hl").textContent()).toContain("if (amount > 100) throw new Error(`card declined for ${orderId}`);");
    expect(await stack.textContent()).toContain("Error: card declined for o-big");
    await shot("step-stack");

    await startIn("refund", '{"orderId": ""}');
    await eventually(() => page.locator(".exec-header").textContent()).toContain("RangeError: an order id is needed");
    const where = page.getByRole("region", { name: "Where the execution failed" });
    await eventually(() => where.getByRole("list", { name: "Stack frames" }).getByRole("listitem").first().textContent()).toMatch(/src\/orders\.ts:24:\d+$/);
    await eventually(() => where.locator(".hl").textContent()).toContain('throw new RangeError("an order id is needed")');
    await shot("execution-stack");

    // The handler rethrew the step's failure, which the SDK rebuilt without a stack: the step's is shown.
    await startIn("cancel", '{"orderId": "o-5"}');
    await eventually(() => page.locator(".exec-header").textContent()).toContain("StepError: no refund for o-5");
    const cause = page.getByRole("region", { name: "Where the execution failed: thrown by cancel/refundCard, attempt 1" });
    await eventually(() => cause.getByRole("list", { name: "Stack frames" }).getByRole("listitem").first().textContent()).toMatch(/^refundCard src\/payments\.ts:9:\d+$/);
    await eventually(() => cause.locator(".hl").textContent()).toContain("throw new Error(`no refund for ${orderId}`);");
  });
});
