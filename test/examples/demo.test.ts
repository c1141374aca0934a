/**
 * The install commands of the README and getting started (the blocks marked `<!-- doc-clone -->`:
 * `npm ci`, `npm run demo`) work on a fresh clone: only committed files, no build products, no
 * database. They run as written, in bash; npm's configuration comes from the environment. The clone is installed from the npm cache (offline); better-sqlite3's native addon
 * is handed to its installer as a local prebuild (the binary this checkout already built, via
 * prebuild-install's documented `npm_config_better_sqlite3_local_prebuilds`), so the test does
 * not spend minutes compiling SQLite again. Everything else runs as a newcomer would run it.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { marked } from "../docs/markdown-blocks.js";
import { ROOT } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "durablec-demo-clone-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

function localPrebuild(): string {
  const dir = join(work, "prebuilds");
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string };
  const name = `better-sqlite3-v${pkg.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["-czf", join(dir, name), "build/Release/better_sqlite3.node"], { cwd: join(ROOT, "node_modules", "better-sqlite3") });
  return dir;
}

/** The commands of a doc-clone block, comments and blank lines left out. */
function commands(code: string): string[] {
  return code
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("#"));
}

const cloneBlocks = marked("doc-clone");

it("the README and getting started give the same install commands", () => {
  expect(cloneBlocks.map((b) => b.file).sort()).toEqual(["README.md", "docs/getting-started.md"]);
  for (const block of cloneBlocks) expect(commands(block.code), `${block.file}:${block.line}`).toEqual(["npm ci", "npm run demo"]);
});

it("npm ci && npm run demo on a fresh clone runs every example to its expected result and survives the crash", async () => {
  const clone = join(work, "durablec");
  execFileSync("git", ["clone", "--quiet", ROOT, clone]);
  expect(existsSync(join(clone, "dist"))).toBe(false);
  expect(existsSync(join(clone, "examples", "dist"))).toBe(false);

  const [install, run] = commands(cloneBlocks[0]!.code);
  const npmConfig = { npm_config_prefer_offline: "true", npm_config_audit: "false", npm_config_fund: "false" };
  const installed = await sh("bash", ["-c", install!], clone, { ...npmConfig, npm_config_better_sqlite3_local_prebuilds: localPrebuild() });
  expect(installed.code, installed.out).toBe(0);

  const demo = await sh("bash", ["-c", run!], clone, { ...npmConfig, NO_COLOR: "1" });
  expect(demo.code, demo.out).toBe(0);
  const out = demo.out;
  // What a person reads: the crash, the recovery, the skipped wait, the callback.
  expect(out).toMatch(/💥 kill -9 \d+/);
  expect(out).toMatch(/invocation \d+ resumes it in pid \d+/);
  expect(out).toMatch(/recovered: the card was charged 1× .*the stock deducted 1×/);
  expect(out).toMatch(/\$ durablec callback succeed \S+ '\{"approved":true/);
  expect(out).toMatch(/virtual clock: skipping (23h 59m|1d)/);

  const summary = JSON.parse(readFileSync(join(clone, ".durable", "demo", "summary.json"), "utf8"));
  expect(summary.crash).toMatchObject({ recovered: true, charges: 1, inventoryDeductions: 1 });
  expect(summary.crash.finishedStepsBeforeCrash).toBeGreaterThan(0);
  expect(summary.crash.killedPid).not.toBe(summary.crash.restartedPid);
  const ex = summary.examples;
  expect(ex["order-checkout"]).toMatchObject({
    status: "SUCCEEDED",
    result: { orderId: "order-1001", total: 94, units: 6, parcels: ["order-1001/book", "order-1001/lamp", "order-1001/mug"] },
    charges: 1,
    emails: ["Order order-1001 is on its way", "How did you like order order-1001?"],
  });
  expect(ex["human-approval"]).toMatchObject({ status: "SUCCEEDED", result: { reportId: "exp-77", status: "approved", decidedBy: "carol@example.com" } });
  expect(ex["human-approval-timeout"]).toMatchObject({ status: "SUCCEEDED", result: { reportId: "exp-78", status: "escalated", decidedBy: "dave@example.com" } });
  expect(ex["batch-processing"]).toMatchObject({ status: "SUCCEEDED", result: { chunks: 50, records: 5000 } });
  expect(ex.polling).toMatchObject({ status: "SUCCEEDED", result: { reportId: "q3", checks: 3 } });
  expect(ex.saga).toMatchObject({ status: "SUCCEEDED", result: { status: "cancelled", compensated: ["HT-trip-venice", "FL-trip-venice"] } });
}, 360_000);
