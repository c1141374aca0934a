/**
 * The differential oracle: a generated program runs as plain TypeScript (the reference) and,
 * compiled by durablec, on the local runtime — once cleanly and with a crash injected after
 * random checkpoints. Results, errors and effect logs must agree (modulo retries and the
 * at-least-once repeats a crash allows); at-most-once effects run at most once; idempotency keys
 * repeat only for the same logical call.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { compile, formatDiagnostics, type Manifest, type ManifestOperation } from "../../compiler/index.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/index.js";
import type { LoggedCall } from "./effects.js";
import { eventArb, printProgram, programArb, type GrammarOptions, type Program, type ProgramFeatures } from "./grammar.js";

export interface Case {
  id: string;
  program: Program;
  event: { n: number; xs: number[] };
  source: string;
  features: ProgramFeatures;
}

export const caseArbWith = (options: GrammarOptions) => fc.record({ program: programArb(options), event: eventArb });
/** Without callbacks: what runs anywhere (the fuzz script has no stub for the source's waitForCallback). */
export const caseArb = caseArbWith({ callbacks: false });

export function makeCases(values: { program: Program; event: Case["event"] }[], prefix = "p"): Case[] {
  return values.map((v, i) => {
    const { source, features } = printProgram(v.program, "./effects.js");
    return { id: `${prefix}${String(i).padStart(4, "0")}`, program: v.program, event: v.event, source, features };
  });
}

interface Outcome {
  status: "SUCCEEDED" | "FAILED";
  result?: unknown;
  error?: string;
  log: LoggedCall[];
}

export interface Mismatch {
  id: string;
  crashAfter: number;
  reason: string;
  source: string;
  event: Case["event"];
}

/**
 * Writes and compiles the cases in one project (one type checker for all). A case the compiler
 * rejects is reported and left out, and the rest compiled again.
 */
export function compileCases(cases: Case[], dir: string): { compileErrors: Mismatch[]; compiled: Case[]; names: Map<string, string[]> } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const effects = join(dir, "effects.ts");
  writeFileSync(effects, readFileSync(join(import.meta.dirname, "effects.ts"), "utf8"));
  for (const c of cases) writeFileSync(join(dir, `${c.id}.ts`), c.source);
  const compileErrors: Mismatch[] = [];
  let remaining = cases;
  for (let attempt = 0; attempt < 5 && remaining.length; attempt++) {
    const files: Record<string, string> = { [effects]: readFileSync(effects, "utf8") };
    for (const c of remaining) files[join(dir, `${c.id}.ts`)] = c.source;
    const result = compile({ files, baseDir: dir, outDir: join(dir, "out"), write: true });
    const errors = result.diagnostics.filter((d) => d.category === "error");
    if (errors.length === 0) return { compileErrors, compiled: remaining, names: operationNames(result.manifest) };
    // An internal error may carry no file, only its path in the message.
    const about = (d: (typeof errors)[number], c: Case) => d.file === join(dir, `${c.id}.ts`) || formatDiagnostics([d]).includes(`${c.id}.ts`);
    const bad = remaining.filter((c) => errors.some((d) => about(d, c)));
    if (bad.length === 0) throw new Error(`the fuzz project does not compile:\n${formatDiagnostics(errors)}`);
    for (const c of bad) {
      const own = errors.filter((d) => about(d, c));
      compileErrors.push({ id: c.id, crashAfter: -1, reason: `does not compile:\n${formatDiagnostics(own)}`, source: c.source, event: c.event });
    }
    remaining = remaining.filter((c) => !bad.includes(c));
  }
  return { compileErrors, compiled: remaining, names: new Map() };
}

/** Case id → the names of its entry's operations, children included, in manifest order. */
function operationNames(manifest: Manifest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const flatten = (ops: ManifestOperation[]): string[] => ops.flatMap((o) => [`${o.kind} ${o.name}`, ...flatten(o.children ?? [])]);
  for (const entry of Object.values(manifest.entries)) out.set(entry.file.replace(/\.ts$/, ""), flatten(entry.operations));
  return out;
}

/**
 * The same program after edits that LANGUAGE.md says must not change any operation name:
 * blank lines and comments anywhere, a local unrelated to operations renamed, and code added after
 * the last operation.
 */
export function perturb(source: string, rng: () => number): string {
  const lines = source.split("\n");
  const out: string[] = [];
  for (const line of lines) {
    const r = rng();
    if (line.startsWith("  ") && r < 0.15) out.push("");
    else if (line.startsWith("  ") && r < 0.3) out.push(`${line.match(/^\s*/)![0]}// a comment that must not change any name`);
    out.push(r > 0.85 && line.trimEnd().endsWith(";") ? `${line} /* trailing */` : line);
  }
  return out
    .join("\n")
    .replace(/\bout\b/g, "results")
    .replace("  return results;\n}\n", "  const tail = results.length;\n  void tail;\n  return results;\n}\n");
}

async function runSource(c: Case, dir: string): Promise<Outcome> {
  const effects = (await import(pathToFileURL(join(dir, "effects.ts")).href)) as typeof import("./effects.js");
  const mod = (await import(pathToFileURL(join(dir, `${c.id}.ts`)).href)) as { main(e: Case["event"]): Promise<unknown> };
  effects.resetLog();
  try {
    const result = await mod.main(structuredClone(c.event));
    return { status: "SUCCEEDED", result: JSON.parse(JSON.stringify(result)), log: [...effects.log] };
  } catch (e) {
    return { status: "FAILED", error: (e as Error).message, log: [...effects.log] };
  }
}

async function runCompiled(c: Case, dir: string, crashAfter: number): Promise<Outcome & { checkpoints: number }> {
  const effects = (await import(pathToFileURL(join(dir, "out", "effects.js")).href)) as typeof import("./effects.js");
  const mod = (await import(pathToFileURL(join(dir, "out", `${c.id}.js`)).href)) as { main: DurableHandler };
  effects.resetLog();
  let crashed = false;
  const rt = createTestRuntime({
    faults: crashAfter > 0 ? { crashAfterCheckpoint: ({ checkpoint }) => !crashed && checkpoint === crashAfter && (crashed = true) } : undefined,
  });
  try {
    rt.register("main", mod.main);
    const { arn } = rt.start("main", c.event);
    // The harness is the outside world: it answers every callback a submitter registered.
    const answers = effects.callbackAnswers();
    const answered = new Set<string>();
    const open = () =>
      rt.operations(arn).filter((o) => o.Type === "CALLBACK" && o.Status === "STARTED" && answers.has(o.CallbackDetails!.CallbackId!) && !answered.has(o.CallbackDetails!.CallbackId!));
    for (;;) {
      await rt.runUntilIdle({ until: () => open().length > 0 });
      const pending = open();
      if (pending.length === 0) break;
      for (const o of pending) {
        const id = o.CallbackDetails!.CallbackId!;
        answered.add(id);
        rt.sendCallbackSuccess(id, JSON.stringify(answers.get(id)));
      }
    }
    const e = rt.get(arn);
    return {
      status: e.status === "SUCCEEDED" ? "SUCCEEDED" : "FAILED",
      result: e.result,
      error: e.error?.ErrorMessage ?? (e.status !== "SUCCEEDED" ? e.status : undefined),
      log: [...effects.log],
      checkpoints: e.checkpoints,
    };
  } finally {
    await rt.close();
  }
}

const key = (l: LoggedCall) => `${l.name}(${l.arg})`;

function firstOccurrences(log: LoggedCall[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of log) if (!seen.has(key(l))) (seen.add(key(l)), out.push(key(l)));
  return out;
}

/** Compares one compiled run with the reference; returns why they differ, or undefined. */
function compare(c: Case, ref: Outcome, got: Outcome, crashAfter: number): string | undefined {
  const interrupted = c.features.atMostOnce && crashAfter > 0 && /interrupt/i.test(`${got.error ?? ""} ${JSON.stringify(got.result ?? "")}`);
  if (!interrupted) {
    if (got.status !== ref.status) return `status ${got.status} (${got.error ?? ""}), expected ${ref.status} (${ref.error ?? ""})`;
    if (ref.status === "SUCCEEDED" && JSON.stringify(got.result) !== JSON.stringify(ref.result)) {
      return `result ${JSON.stringify(got.result)}, expected ${JSON.stringify(ref.result)}`;
    }
    if (ref.status === "FAILED" && got.error !== ref.error) return `error ${JSON.stringify(got.error)}, expected ${JSON.stringify(ref.error)}`;
    const a = firstOccurrences(got.log);
    const b = firstOccurrences(ref.log);
    const same = c.features.concurrent ? JSON.stringify([...a].sort()) === JSON.stringify([...b].sort()) : JSON.stringify(a) === JSON.stringify(b);
    if (!same) return `effects ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
  }
  const onceCalls = got.log.filter((l) => l.name.startsWith("o"));
  const perOnce = new Map<string, number>();
  for (const l of onceCalls) perOnce.set(key(l), (perOnce.get(key(l)) ?? 0) + 1);
  const expectedOnce = new Map<string, number>();
  for (const l of ref.log.filter((l) => l.name.startsWith("o"))) expectedOnce.set(key(l), (expectedOnce.get(key(l)) ?? 0) + 1);
  for (const [k, n] of perOnce) if (n > (expectedOnce.get(k) ?? 0)) return `at-most-once ${k} ran ${n} times`;
  // A call site in a loop or a child called twice makes several logical calls with one (site,
  // argument): each needs its own key, and a retried or replayed attempt must reuse its call's.
  const pays = got.log.filter((l) => l.name.startsWith("pay"));
  const logical = new Map<string, number>();
  for (const l of ref.log.filter((l) => l.name.startsWith("pay"))) logical.set(key(l), (logical.get(key(l)) ?? 0) + 1);
  const keysByCall = new Map<string, Set<string>>();
  const owner = new Map<string, string>();
  for (const l of pays) {
    if (l.key === undefined) return `${key(l)} got no idempotency key`;
    const other = owner.get(l.key);
    if (other !== undefined && other !== key(l)) return `${key(l)} and ${other} share the idempotency key ${l.key}`;
    owner.set(l.key, key(l));
    keysByCall.set(key(l), (keysByCall.get(key(l)) ?? new Set()).add(l.key));
  }
  for (const [call, keys] of keysByCall) {
    // A run cut short by an interrupted at-most-once step made fewer calls than the source.
    const tooFew = interrupted ? false : keys.size < (logical.get(call) ?? 0);
    if (keys.size > (logical.get(call) ?? 0) || tooFew) {
      return `${call}: ${keys.size} distinct idempotency keys for ${logical.get(call) ?? 0} logical calls (${[...keys].join(", ")})`;
    }
  }
  return undefined;
}

export interface CaseReport {
  runs: number;
  mismatch?: Mismatch;
}

/** Runs one compiled case against its reference, cleanly and after `crashes` random checkpoints. */
export async function checkCase(c: Case, dir: string, rng: () => number, crashes = 2): Promise<CaseReport> {
  const ref = await runSource(c, dir);
  const clean = await runCompiled(c, dir, 0);
  let runs = 1;
  const fail = (crashAfter: number, reason: string): CaseReport => ({ runs, mismatch: { id: c.id, crashAfter, reason, source: c.source, event: c.event } });
  let why = compare(c, ref, clean, 0);
  if (why) return fail(0, why);
  const points = new Set<number>();
  for (let i = 0; i < crashes && clean.checkpoints > 0; i++) points.add(1 + Math.floor(rng() * clean.checkpoints));
  for (const k of points) {
    runs++;
    const got = await runCompiled(c, dir, k);
    why = compare(c, ref, got, k);
    if (why) return fail(k, why);
  }
  return { runs };
}

/** A failing program printed as a ready compiler fixture (input.ts + run.json). */
export function asFixture(m: Mismatch): string {
  return [
    `// ${m.reason.split("\n")[0]} (crash after checkpoint ${m.crashAfter})`,
    `// run.json: ${JSON.stringify({ entry: "main", event: m.event })}`,
    m.source,
  ].join("\n");
}
