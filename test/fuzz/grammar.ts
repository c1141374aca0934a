/**
 * A grammar of durable programs (fast-check arbitraries) and its printer. A program is one module
 * with an entry `main(event)` marked "use durable", a few nested durable functions, and
 * statements drawn from the language: effects, nondeterministic reads, sleeps, conditionals on
 * step results, try/catch/finally around failing effects, loops of every kind with reductions
 * and early exits, Promise.all over multi-operation branches, nested durable calls,
 * idempotency-keyed and at-most-once calls. Every value it computes lands in `out`, its result.
 */
import fc from "fast-check";

export type Expr = { k: "lit"; v: number } | { k: "var"; i: number } | { k: "event" } | { k: "add"; a: Expr; b: Expr };

export type Stmt =
  | { k: "effect"; arg: Expr }
  | { k: "nondet"; source: "date" | "random" }
  | { k: "sleep"; ms: number }
  | { k: "if"; cond: Expr; then: Stmt[]; else: Stmt[] }
  | { k: "try"; body: Stmt[]; fail: boolean; fin: boolean }
  | { k: "boom" }
  | { k: "loop"; form: "for-of" | "for-index" | "while" | "do-while" | "entries"; body: Stmt[]; reduce: "sum" | "push" | "none"; exit: "none" | "break" | "continue" | "return"; failing: boolean }
  | { k: "all"; branches: Expr[][] }
  | { k: "child"; fn: number; arg: Expr }
  | { k: "pay"; amount: Expr }
  | { k: "once"; arg: Expr }
  | { k: "callback"; value: Expr };

export interface Program {
  /** Nested durable functions: each a list of effect arguments (in terms of its parameter). */
  children: Expr[][];
  body: Stmt[];
}

export interface ProgramFeatures {
  concurrent: boolean;
  callbacks: boolean;
  atMostOnce: boolean;
  pay: boolean;
  features: Set<string>;
}

const expr = (depth: number): fc.Arbitrary<Expr> =>
  depth <= 0
    ? fc.oneof(
        fc.record({ k: fc.constant("lit" as const), v: fc.integer({ min: 0, max: 9 }) }),
        fc.record({ k: fc.constant("var" as const), i: fc.nat({ max: 7 }) }),
        fc.constant({ k: "event" as const }),
      )
    : fc.oneof(
        { weight: 3, arbitrary: expr(0) },
        { weight: 1, arbitrary: fc.record({ k: fc.constant("add" as const), a: expr(depth - 1), b: expr(depth - 1) }) },
      );

/** Callbacks need the harness to answer them: the vitest suite stubs `waitForCallback` for the source run. */
export interface GrammarOptions {
  callbacks: boolean;
}

const stmt = (depth: number, loopDepth: number, options: GrammarOptions): fc.Arbitrary<Stmt> => {
  const leaves: fc.WeightedArbitrary<Stmt>[] = [
    { weight: options.callbacks ? 1 : 0, arbitrary: fc.record({ k: fc.constant("callback" as const), value: expr(1) }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant("effect" as const), arg: expr(1) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("nondet" as const), source: fc.constantFrom("date" as const, "random" as const) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("sleep" as const), ms: fc.constantFrom(1, 2, 5) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("pay" as const), amount: expr(1) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("once" as const), arg: expr(1) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("child" as const), fn: fc.nat({ max: 1 }), arg: expr(1) }) },
  ];
  if (depth <= 0) return fc.oneof(...leaves.filter((l) => l.weight > 0));
  const block = fc.array(stmt(depth - 1, loopDepth, options), { minLength: 1, maxLength: 3 });
  const nested: fc.WeightedArbitrary<Stmt>[] = [
    { weight: 2, arbitrary: fc.record({ k: fc.constant("if" as const), cond: expr(1), then: block, else: fc.array(stmt(depth - 1, loopDepth, options), { maxLength: 2 }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("try" as const), body: block, fail: fc.boolean(), fin: fc.boolean() }) },
    {
      weight: loopDepth >= 2 ? 0 : 2,
      arbitrary: fc.record({
        k: fc.constant("loop" as const),
        form: fc.constantFrom("for-of" as const, "for-index" as const, "while" as const, "do-while" as const, "entries" as const),
        body: fc.array(stmt(depth - 1, loopDepth + 1, options), { minLength: 1, maxLength: 2 }),
        reduce: fc.constantFrom("sum" as const, "push" as const, "none" as const),
        exit: fc.constantFrom("none" as const, "none" as const, "break" as const, "continue" as const, "return" as const),
        failing: fc.boolean(),
      }),
    },
    {
      weight: loopDepth > 0 ? 0 : 1,
      arbitrary: fc.record({ k: fc.constant("all" as const), branches: fc.array(fc.array(expr(1), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }) }),
    },
  ];
  return fc.oneof(...leaves.filter((l) => l.weight > 0), ...nested.filter((n) => n.weight > 0));
};

export const programArb = (options: GrammarOptions = { callbacks: false }): fc.Arbitrary<Program> =>
  fc.record({
    children: fc.array(fc.array(expr(1), { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 2 }),
    body: fc.array(stmt(2, 0, options), { minLength: 1, maxLength: 6 }),
  });

export const eventArb = fc.record({
  n: fc.integer({ min: 0, max: 20 }),
  xs: fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 4 }),
});

/** Prints a program as a TypeScript module importing the effect doubles from `effectsPath`. */
export function printProgram(p: Program, effectsPath: string): { source: string; features: ProgramFeatures } {
  const features: ProgramFeatures = { concurrent: false, callbacks: false, atMostOnce: false, pay: false, features: new Set() };
  let site = 0;
  const name = (prefix: string) => `${prefix}${++site}`;
  const e = (x: Expr, scope: string[], input = "event.n"): string => {
    switch (x.k) {
      case "lit":
        return String(x.v);
      case "var":
        return scope.length ? scope[x.i % scope.length]! : input;
      case "event":
        return input;
      case "add":
        return `(${e(x.a, scope, input)} + ${e(x.b, scope, input)}) % 97`;
    }
  };
  const lines: string[] = [];
  let tmp = 0;
  const stmts = (list: Stmt[], indent: string, scope: string[], loopVar?: string): void => {
    for (const s of list) {
      const local = loopVar ? [...scope, loopVar] : scope;
      features.features.add(s.k);
      switch (s.k) {
        case "effect": {
          const v = `v${++tmp}`;
          lines.push(`${indent}const ${v} = await eff("${name("e")}", ${e(s.arg, local)});`, `${indent}out.push(${v});`);
          scope.push(v);
          break;
        }
        case "nondet":
          lines.push(`${indent}out.push(${s.source === "date" ? "Date.now() > 0 ? 1 : 0" : "Math.random() < 1 ? 1 : 0"});`);
          break;
        case "sleep":
          lines.push(`${indent}await sleep(${s.ms});`);
          break;
        case "if":
          lines.push(`${indent}if (${e(s.cond, local)} % 2 === 0) {`);
          stmts(s.then, indent + "  ", [...scope], loopVar);
          if (s.else.length) {
            lines.push(`${indent}} else {`);
            stmts(s.else, indent + "  ", [...scope], loopVar);
          }
          lines.push(`${indent}}`);
          break;
        case "try":
          lines.push(`${indent}try {`);
          stmts(s.body, indent + "  ", [...scope], loopVar);
          if (s.fail) lines.push(`${indent}  await boom("${name("b")}");`);
          lines.push(`${indent}} catch (error) {`, `${indent}  out.push("caught " + (error as Error).message);`);
          if (s.fin) lines.push(`${indent}} finally {`, `${indent}  out.push("finally");`);
          lines.push(`${indent}}`);
          break;
        case "boom":
          lines.push(`${indent}await boom("${name("b")}");`);
          break;
        case "loop": {
          const id = ++tmp;
          const acc = `acc${id}`;
          const x = `x${id}`;
          if (s.reduce === "sum") lines.push(`${indent}let ${acc} = 0;`);
          const inner = indent + "  ";
          const body = () => {
            if (s.exit === "break") lines.push(`${inner}if (${x} > 40) break;`);
            if (s.exit === "continue") lines.push(`${inner}if (${x} % 3 === 0) continue;`);
            if (s.exit === "return") lines.push(`${inner}if (${x} > 45) return out;`);
            if (s.failing) lines.push(`${inner}if (${x} % 5 === 4) await boom("${name("b")}");`);
            const before = lines.length;
            stmts(s.body, inner, [...scope], x);
            void before;
            const r = `r${++tmp}`;
            lines.push(`${inner}const ${r} = await eff("${name("l")}", ${x});`);
            if (s.reduce === "sum") lines.push(`${inner}${acc} += ${r};`);
            if (s.reduce === "push") lines.push(`${inner}out.push(${r});`);
          };
          features.features.add(`loop:${s.form}`);
          switch (s.form) {
            case "for-of":
              lines.push(`${indent}for (const ${x} of event.xs) {`);
              body();
              break;
            case "entries":
              lines.push(`${indent}for (const [i${id}, ${x}] of event.xs.entries()) {`);
              lines.push(`${inner}void i${id};`);
              body();
              break;
            case "for-index":
              lines.push(`${indent}for (let i${id} = 0; i${id} < event.xs.length; i${id}++) {`, `${inner}const ${x} = event.xs[i${id}]!;`);
              body();
              break;
            case "while":
              lines.push(`${indent}let k${id} = 0;`, `${indent}while (k${id} < event.xs.length) {`, `${inner}const ${x} = event.xs[k${id}++]!;`);
              body();
              break;
            case "do-while":
              lines.push(`${indent}let k${id} = 0;`, `${indent}do {`, `${inner}const ${x} = event.xs[k${id}] ?? 0;`, `${inner}k${id}++;`);
              body();
              lines.push(`${indent}} while (k${id} < event.xs.length);`);
              break;
          }
          if (s.form !== "do-while") lines.push(`${indent}}`);
          if (s.reduce === "sum") lines.push(`${indent}out.push(${acc});`);
          break;
        }
        case "all": {
          features.concurrent = true;
          const v = `v${++tmp}`;
          const branches = s.branches.map((args) => {
            const calls = args.map((a, j) => `const b${j} = await eff("${name("p")}", ${e(a, local)} + ${j});`);
            return `(async () => { ${calls.join(" ")} return ${args.map((_, j) => `b${j}`).join(" + ")}; })()`;
          });
          lines.push(`${indent}const ${v} = await Promise.all([${branches.join(", ")}]);`, `${indent}out.push(...${v});`);
          break;
        }
        case "child": {
          const v = `v${++tmp}`;
          lines.push(`${indent}const ${v} = await child${s.fn}(${e(s.arg, local)});`, `${indent}out.push(${v});`);
          scope.push(v);
          break;
        }
        case "pay": {
          features.pay = true;
          const v = `v${++tmp}`;
          lines.push(`${indent}const ${v} = await pay("${name("pay")}", { amount: ${e(s.amount, local)} });`, `${indent}out.push(${v});`);
          scope.push(v);
          break;
        }
        case "callback": {
          features.callbacks = true;
          const v = `v${++tmp}`;
          lines.push(
            `${indent}const ${v} = await waitForCallback<number>(async (id) => { await register("${name("w")}", id, ${e(s.value, local)}); }, { timeout: { hours: 1 } });`,
            `${indent}out.push(${v});`,
          );
          scope.push(v);
          break;
        }
        case "once": {
          features.atMostOnce = true;
          const v = `v${++tmp}`;
          lines.push(`${indent}const ${v} = await once("${name("o")}", ${e(s.arg, local)});`, `${indent}out.push(${v});`);
          scope.push(v);
          break;
        }
      }
    }
  };
  stmts(p.body, "  ", []);
  const children = p.children.map((args, i) => {
    const calls = args.map((a, j) => `  const c${j} = await eff("${name("c")}", (${e(a, [], "a")} + ${j}) % 97);`);
    return [
      `async function child${i}(a: number): Promise<number> {`,
      `  "use durable";`,
      ...calls,
      `  return ${args.map((_, j) => `c${j}`).join(" + ")};`,
      `}`,
    ].join("\n");
  });
  const source = [
    `import { sleep, waitForCallback } from "durablec";`,
    `import { eff, boom, once, pay, register } from ${JSON.stringify(effectsPath)};`,
    `void boom; void once; void pay; void sleep; void waitForCallback; void register;`,
    ``,
    ...children,
    ``,
    `export async function main(event: { n: number; xs: number[] }): Promise<(number | string)[]> {`,
    `  "use durable";`,
    `  const out: (number | string)[] = [];`,
    ...lines,
    `  return out;`,
    `}`,
    ``,
  ].join("\n");
  return { source, features };
}
