#!/usr/bin/env node
/**
 * `npm run demo`: the one-minute tour. Builds durablec and the examples, runs the examples on a
 * SQLite database file with a real `durablec worker` process, kills that worker with SIGKILL in
 * the middle of a checkout and starts a new one, answers a human approval from the command line,
 * skips a 24-hour wait with the virtual clock, and prints what happened.
 *
 * Everything lands in .durable/demo/ (git-ignored): the database (inspect it afterwards with
 * `durablec executions list --db .durable/demo/demo.db`), the fake services' ledgers, and
 * summary.json, which the test suite reads.
 *
 * Offline: the fake services are files on disk, nothing listens on the network.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BIN = join(ROOT, "bin", "durablec.js");
const OUT = join(ROOT, ".durable", "demo");
const DB = join(OUT, "demo.db");
const DATA = join(OUT, "services");
const rel = (p) => relative(process.cwd(), p) || ".";
const DB_ARG = rel(DB);

// ---- printing ------------------------------------------------------------------------------

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const red = paint("31");
const yellow = paint("33");
const cyan = paint("36");
const say = (line = "") => process.stdout.write(line + "\n");
const started = Date.now();
const clock = () => dim(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`);
const note = (line) => say(`${clock()}   ${line}`);
const command = (line) => say(`${clock()}   ${cyan("$ " + line)}`);
const section = (n, title, why) => {
  say();
  say(bold(`${n}  ${title}`));
  if (why) say(dim(`   ${why}`));
};

function fail(message) {
  say();
  say(red(`✘ demo failed: ${message}`));
  say(dim(`  the database and the ledgers are in ${rel(OUT)}`));
  stopAll();
  process.exit(1);
}

// ---- build ---------------------------------------------------------------------------------

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function run(cmd, args, what) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
  return { ...r, ms: Date.now() - t0, what };
}

function build() {
  section("0", "Build", "durablec itself (tsc), then the examples (durablec build)");
  const marker = join(ROOT, "dist", "compiler", "cli", "main.js");
  const sources = Math.max(newestMtime(join(ROOT, "compiler")), newestMtime(join(ROOT, "runtime")));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) {
    note(`durablec is built ${dim("(dist/ is newer than its sources; npm ci built it)")}`);
  } else {
    command("npm run build");
    const r = run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"]);
    if (!existsSync(marker)) fail(`the build produced no dist/\n${r.stdout}${r.stderr}`);
    if (r.status !== 0) note(yellow(`tsc reported type errors (continuing with what it emitted):\n${r.stdout.split("\n").slice(0, 5).join("\n")}`));
    else note(`built in ${(r.ms / 1000).toFixed(1)}s`);
  }
  command("durablec build -p examples/tsconfig.json");
  const r = run(process.execPath, [BIN, "build", "-p", "examples/tsconfig.json"]);
  if (r.status !== 0) fail(`durablec build failed\n${r.stdout}${r.stderr}`);
  note(r.stdout.trim());
}

// ---- the worker ----------------------------------------------------------------------------

const MODULES = ["order-checkout", "human-approval", "batch-processing", "polling", "saga"].map((e) => `examples/dist/${e}/workflow.js`);
// The fake payment API also loses its response to the first charge (after charging), so the
// checkout shows a retry that carries the same idempotency key.
const ENV = { ...process.env, DURABLEC_EXAMPLES_DATA: DATA, DURABLEC_EXAMPLES_LATENCY_MS: "250", DURABLEC_EXAMPLES_LOSE_FIRST_RESPONSE: "payments" };
const children = new Set();

/** Listeners get every JSON log line of the current worker. */
const listeners = new Set();
let worker;

function startWorker() {
  const args = [BIN, "worker", ...MODULES, "--db", DB_ARG, "--log", "json", "--lease-ms", "2000", "--poll-ms", "100"];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.on("exit", (code, signal) => {
    if (code && code !== 0) say(red(`worker exited with ${code}: ${stderr}`));
    void signal;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    for (const l of [...listeners]) l(entry);
  });
  worker = child;
  return child;
}

function stopAll() {
  for (const c of children) c.kill("SIGKILL");
}

/** Resolves with the first log entry for which `match` returns true. */
function nextLog(match, what, timeoutMs = 60_000) {
  return new Promise((resolveEntry) => {
    const timer = setTimeout(() => fail(`timed out waiting for ${what}`), timeoutMs);
    const l = (entry) => {
      if (!match(entry)) return;
      clearTimeout(timer);
      listeners.delete(l);
      resolveEntry(entry);
    };
    listeners.add(l);
  });
}

/** A name for display: unnamed children of a named operation read `parent.kind`. */
function displayName(op, all) {
  if (op.Name) return op.Name;
  const parent = op.ParentId ? all.find((p) => p.Id === op.ParentId) : undefined;
  const kind = String(op.SubType ?? op.Type ?? "").toLowerCase();
  return parent?.Name ? `${parent.Name}.${kind}` : String(op.Id);
}

/**
 * Prints the operations of one execution as they are checkpointed (read from the database, so
 * it shows what is durable, whichever process wrote it), and the worker's invocation events.
 * Consecutive successes of the same operation are folded into one line (`×50`).
 */
function narrate(arn, execution, seen = new Map()) {
  let folded = { name: "", count: 0 };
  const flush = () => {
    if (folded.count > 0) note(`  ${green("✔")} ${folded.name}${folded.count > 1 ? dim(` ×${folded.count}`) : ""}`);
    folded = { name: "", count: 0 };
  };
  const show = (op, all) => {
    const name = displayName(op, all);
    if (op.Status === "SUCCEEDED" && op.Type !== "CONTEXT") {
      if (folded.name !== name) flush();
      folded.name = name;
      folded.count++;
      return;
    }
    if (op.Type === "CONTEXT") return;
    if (op.Type === "WAIT" && op.Status === "STARTED") {
      flush();
      note(`  ${yellow("⏸")} ${name} ${dim(`sleeps until ${new Date(op.WaitDetails.ScheduledEndTimestamp).toISOString()}; no process waits for it`)}`);
    } else if (op.Type === "CALLBACK" && op.Status === "STARTED") {
      flush();
      note(`  ${yellow("⏸")} ${name} ${dim(`waits for callback ${op.CallbackDetails.CallbackId}`)}`);
    } else if (op.Status === "PENDING" && op.StepDetails?.NextAttemptTimestamp) {
      flush();
      const at = new Date(op.StepDetails.NextAttemptTimestamp).toISOString().slice(11, 19);
      const err = op.StepDetails.Error;
      if (err) note(`  ${yellow("↻")} ${name} ${dim(`attempt ${op.StepDetails.Attempt ?? 1} failed (${err.ErrorMessage ?? err.ErrorType}); retry at ${at}`)}`);
      else note(`  ${yellow("↻")} ${name} ${dim(`not done yet; next check at ${at}`)}`);
    } else if (op.Status === "FAILED" || op.Status === "TIMED_OUT") {
      flush();
      const err = op.StepDetails?.Error ?? op.CallbackDetails?.Error;
      note(`  ${red("✘")} ${name} ${op.Status} ${dim(err ? `${err.ErrorType ?? ""}: ${err.ErrorMessage ?? ""}` : "")}`);
    }
  };
  const tick = () => {
    const all = rt.operations(arn);
    for (const op of all) {
      if (op.Type === "EXECUTION" || seen.get(op.Id) === op.Status) continue;
      seen.set(op.Id, op.Status);
      show(op, all);
    }
  };
  const onLog = (e) => {
    if (e.execution !== execution) return;
    if (e.event === "invocation-started" && e.invocation > 1) {
      tick();
      flush();
      const done = rt.operations(arn).filter((o) => o.Type !== "EXECUTION" && o.Type !== "CONTEXT" && o.Status === "SUCCEEDED").length;
      note(`  ${cyan("↺")} invocation ${e.invocation} resumes it ${dim(`in pid ${worker.pid}: ${done} finished operation${done === 1 ? " is" : "s are"} replayed from the database, not run again`)}`);
    } else if (e.event === "invocation-ended" && e.outcome === "CRASHED") {
      tick();
      flush();
      note(`  ${red("✘")} invocation ${e.invocation} is closed as crashed ${dim(e.error ?? "")}`);
    }
  };
  listeners.add(onLog);
  const timer = setInterval(tick, 20);
  return {
    seen,
    tick,
    stop() {
      clearInterval(timer);
      tick();
      flush();
      listeners.delete(onLog);
    },
  };
}

/** Resolves when an operation of the execution matches. */
async function untilOperation(arn, match, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = rt.operations(arn);
    const op = all.find((o) => match(o, all));
    if (op) return op;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- talking to the database ---------------------------------------------------------------

let rt;
async function openRuntime() {
  // The demo only starts executions and reads them; the worker process runs them.
  const { createRuntime } = await import("durablec/runtime");
  rt = createRuntime({ db: DB });
  for (const m of MODULES) {
    const mod = await import(pathToFileURL(join(ROOT, m)).href);
    for (const [name, value] of Object.entries(mod)) if (typeof value === "function" && !name.endsWith("$durable")) rt.register(name, value);
  }
}

async function untilStatus(arn, done, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = rt.get(arn);
    if (done(e)) return e;
    if (Date.now() > deadline) fail(`timed out waiting for ${what} (status ${e.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ledger(service) {
  const file = join(DATA, `${service}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Runs `durablec …` in the foreground, echoing its progress lines; returns its parsed --json output. */
function durablec(args, { show = true } = {}) {
  command(`durablec ${args.map((a) => (/^[\w./#:=@-]+$/.test(a) ? a : `'${a}'`)).join(" ")}`);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, encoding: "utf8" });
  if (show) {
    for (const line of r.stderr.split("\n").filter(Boolean)) {
      if (line.includes("(virtual clock)")) note(`  ${yellow("⏩")} ${line.replace(/^\s*\(virtual clock\)\s*/, "virtual clock: ")}`);
      else if (/^\[\s*[\d.]+s\]\s+\S+\s+\S+\s+SUCCEEDED/.test(line)) note(`  ${green("✔")} ${line.replace(/^\[\s*[\d.]+s\]\s+\S+\s+(\S+).*/, "$1")}`);
      else if (/TIMED_OUT|FAILED/.test(line)) note(`  ${red("✘")} ${line.replace(/^\[\s*[\d.]+s\]\s+\S+\s+/, "").replace(/\s{2,}/g, "  ")}`);
    }
  }
  return r;
}

// ---- the tour ------------------------------------------------------------------------------

const ORDER = {
  orderId: "order-1001",
  email: "ada@example.com",
  card: "tok_visa_4242",
  items: [
    { sku: "book", quantity: 2, price: 15 },
    { sku: "lamp", quantity: 1, price: 40 },
    { sku: "mug", quantity: 3, price: 8 },
  ],
};
const EXPENSE = { reportId: "exp-77", employee: "bob@example.com", amount: 420, approver: "carol@example.com", escalateTo: "dave@example.com" };

async function main() {
  say(bold("durablec demo: plain async TypeScript, made durable"));
  say(dim("  the examples are in examples/*/workflow.ts; each README shows what durablec turned them into"));
  build();

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  await openRuntime();
  const summary = { db: DB_ARG, examples: {}, crash: {} };

  // ① checkout, with a crash in the middle.
  section("1", "order-checkout: a worker runs it, and we kill the worker half-way", "examples/order-checkout/workflow.ts");
  command(`durablec worker examples/dist/*/workflow.js --db ${DB_ARG} --lease-ms 2000`);
  const first = startWorker();
  await nextLog((e) => e.event === "worker-started", "the worker to start");
  note(`worker started ${dim(`(pid ${first.pid})`)}`);
  const checkout = rt.start("checkout", ORDER, { name: ORDER.orderId });
  note(`started execution ${bold(ORDER.orderId)} of checkout ${dim("(3 items; each service call takes 250 ms; the payment API will lose its first response)")}`);
  let story = narrate(checkout.arn, ORDER.orderId);
  await untilOperation(checkout.arn, (o, all) => o.Type === "STEP" && o.Status === "SUCCEEDED" && displayName(o, all) === "checkout/packItem", "the first parcel");
  first.kill("SIGKILL");
  story.stop();
  note(red(bold(`💥 kill -9 ${first.pid}`)) + dim("  the worker dies while it packs the second item"));
  await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r() : first.once("exit", r)));
  const before = rt.operations(checkout.arn).filter((o) => o.Type === "STEP" && o.Status === "SUCCEEDED").length;
  note(dim(`   on disk: ${before} finished steps of ${ORDER.orderId}; the payment ledger holds ${ledger("payments").length} charge`));

  note(`starting a new worker ${dim("(it takes over when the dead worker's 2 s lease expires)")}`);
  story = narrate(checkout.arn, ORDER.orderId, story.seen);
  // On a very slow machine the dead worker may have reached the wait before the kill: then there
  // is nothing left to resume until the day is over.
  const alreadyWaiting = rt.operations(checkout.arn).some((o) => o.Type === "WAIT");
  if (alreadyWaiting) note(yellow("   (the worker had already reached the 24-hour wait when it died: this machine is busy)"));
  const suspended = alreadyWaiting
    ? Promise.resolve()
    : nextLog((e) => e.execution === ORDER.orderId && e.event === "invocation-ended" && e.outcome === "PENDING", "the checkout to suspend", 30_000);
  const second = startWorker();
  await nextLog((e) => e.event === "worker-started", "the new worker to start");
  const waiting = await untilOperation(checkout.arn, (o) => o.Type === "WAIT" && o.Status === "STARTED", "the 24-hour wait", 30_000);
  await suspended;
  story.stop();
  const charges = ledger("payments").filter((c) => c.description?.startsWith(`order ${ORDER.orderId}`));
  const deductions = ledger("inventory").filter((d) => d.orderId === ORDER.orderId);
  note(
    `${green("recovered")}: the card was charged ${bold(String(charges.length))}× ${dim("(the retry after the lost response carried the same idempotency key)")}, the stock deducted ${bold(String(deductions.length))}×; ` +
      `suspended until ${new Date(waiting.WaitDetails.ScheduledEndTimestamp).toISOString()}`,
  );
  summary.crash = { killedPid: first.pid, restartedPid: second.pid, finishedStepsBeforeCrash: before, recovered: true, charges: charges.length, inventoryDeductions: deductions.length };

  // ② human approval via the CLI.
  section("2", "human-approval: the function waits for a person", "examples/human-approval/workflow.ts");
  const approvalSuspended = nextLog((e) => e.execution === EXPENSE.reportId && e.event === "invocation-ended", "the approval to suspend");
  const approval = rt.start("approveExpense", EXPENSE, { name: EXPENSE.reportId });
  note(`started execution ${bold(EXPENSE.reportId)} of approveExpense`);
  story = narrate(approval.arn, EXPENSE.reportId);
  const cb = await untilOperation(approval.arn, (o) => o.Type === "CALLBACK" && o.Status === "STARTED", "the approval request");
  await approvalSuspended;
  story.tick();
  note(dim(`   nothing runs while it waits; carol clicks "approve", which sends:`));
  const answer = durablec(["callback", "succeed", cb.CallbackDetails.CallbackId, '{"approved":true,"comment":"ok, keep the receipts"}', "--db", DB_ARG], { show: false });
  if (answer.status !== 0) fail(`durablec callback failed: ${answer.stderr}`);
  const approved = await untilStatus(approval.arn, (e) => e.status !== "RUNNING", "the approval to finish");
  story.stop();
  note(`${green("✔")} ${approved.status}: ${JSON.stringify(approved.result)}`);
  summary.examples["human-approval"] = { status: approved.status, result: approved.result };

  // ③ batch.
  section("3", "batch-processing: 5,000 records in 50 chunks", "examples/batch-processing/workflow.ts: state holds chunk offsets and file paths, never the records");
  const batch = rt.start("processBatch", { batchId: "batch-2026-11-28", records: 5000, chunkSize: 100 }, { name: "batch-2026-11-28" });
  story = narrate(batch.arn, "batch-2026-11-28");
  const batchDone = await untilStatus(batch.arn, (e) => e.status !== "RUNNING", "the batch", 120_000);
  story.stop();
  const biggest = Math.max(...rt.operations(batch.arn).map((o) => (o.StepDetails?.Result ?? o.ContextDetails?.Result ?? "").length));
  note(`${green("✔")} ${batchDone.status}: ${batchDone.result.records} records, ${batchDone.result.flagged} flagged; largest checkpointed value ${biggest} bytes`);
  summary.examples["batch-processing"] = { status: batchDone.status, result: batchDone.result, largestCheckpointBytes: biggest };

  // ④ polling.
  section("4", "polling: wait for an external job, with backoff", "examples/polling/workflow.ts");
  const poll = rt.start("exportReport", { reportId: "q3", checksUntilDone: 3 }, { name: "report-q3" });
  story = narrate(poll.arn, "report-q3");
  const polled = await untilStatus(poll.arn, (e) => e.status !== "RUNNING", "the export job", 60_000);
  story.stop();
  note(`${green("✔")} ${polled.status}: ${JSON.stringify(polled.result)}`);
  summary.examples.polling = { status: polled.status, result: polled.result };

  // ⑤ saga.
  section("5", "saga: book a trip; when the car rental fails, undo the hotel and the flight", "examples/saga/workflow.ts");
  const trip = rt.start("bookTrip", { tripId: "trip-venice", traveller: "ada", from: "Paris", to: "Venice", nights: 3 }, { name: "trip-venice" });
  story = narrate(trip.arn, "trip-venice");
  const booked = await untilStatus(trip.arn, (e) => e.status !== "RUNNING", "the trip", 60_000);
  story.stop();
  note(`${green("✔")} ${booked.status}: ${booked.result.status}, undone: ${booked.result.compensated.join(", ")} ${dim(`(${booked.result.reason})`)}`);
  summary.examples.saga = { status: booked.status, result: booked.result };

  // ⑥ the 24-hour wait.
  section("6", "Skip the checkout's 24-hour wait", "the worker is stopped; `durablec run --clock virtual` resumes the execution and jumps over the wait");
  second.kill("SIGTERM");
  await new Promise((r) => second.once("exit", r));
  note(`worker stopped ${dim("(SIGTERM: finishes what it is doing, then exits)")}`);
  const resumed = durablec(["run", "examples/dist/order-checkout/workflow.js#checkout", "--name", ORDER.orderId, "--clock", "virtual", "--db", DB_ARG, "--json"]);
  if (resumed.status !== 0) fail(`resuming the checkout failed (exit ${resumed.status}): ${resumed.stderr}`);
  const receipt = rt.get(checkout.arn);
  note(`${green("✔")} ${receipt.status}: ${JSON.stringify(receipt.result)}`);
  summary.examples["order-checkout"] = {
    status: receipt.status,
    result: receipt.result,
    charges: ledger("payments").filter((c) => c.description?.startsWith(`order ${ORDER.orderId}`)).length,
    emails: ledger("outbox").filter((m) => m.to === ORDER.email).map((m) => m.subject),
  };

  // ⑦ nobody answers.
  section("7", "human-approval again, and nobody answers", "with the virtual clock the 24-hour timeout passes at once, and the request is escalated");
  const unanswered = durablec([
    "run",
    "examples/dist/human-approval/workflow.js#approveExpense",
    "--input",
    JSON.stringify({ ...EXPENSE, reportId: "exp-78" }),
    "--name",
    "exp-78",
    "--clock",
    "virtual",
    "--db",
    DB_ARG,
    "--json",
  ]);
  if (unanswered.status !== 0) fail(`the unanswered approval failed (exit ${unanswered.status}): ${unanswered.stderr}`);
  const escalated = JSON.parse(unanswered.stdout);
  note(`${green("✔")} ${escalated.status}: ${JSON.stringify(escalated.result)}`);
  summary.examples["human-approval-timeout"] = { status: escalated.status, result: escalated.result };

  // The end.
  section("✓", "What is in the database now");
  command(`durablec executions list --db ${DB_ARG}`);
  const list = spawnSync(process.execPath, [BIN, "executions", "list", "--db", DB_ARG], { cwd: ROOT, encoding: "utf8" });
  for (const line of list.stdout.split("\n").filter(Boolean)) say(`          ${line}`);
  say();
  say(`${bold("Try it yourself:")} durablec executions show ${ORDER.orderId} --db ${DB_ARG}`);
  say(`                  durablec transform examples/order-checkout/workflow.ts`);
  say(dim(`(in this clone: alias durablec="node $PWD/bin/durablec.js"; next: docs/getting-started.md)`));
  await rt.close();
  writeFileSync(join(OUT, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
}

process.on("SIGINT", () => {
  stopAll();
  process.exit(130);
});
main().catch((e) => fail(e?.stack ?? String(e)));
