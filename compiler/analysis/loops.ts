/**
 * Loop and concurrency analysis (LANGUAGE §3.3, §3.4). Decides, on the unmodified program, which
 * loops over durable operations become `context.map`, which stay sequential loops (and why),
 * which are polling loops (`context.waitForCondition`), and which concurrent branches need their
 * own child contexts. The rewrite itself is `passes/rewrite-loops-to-map.ts` and
 * `passes/rewrite-concurrency.ts`; they only turn these plans into text edits.
 */
import { Node, SyntaxKind, ts, type CallExpression, type Expression, type NewExpression, type SourceFile, type Statement, type AwaitExpression, type BreakStatement, type ContinueStatement, type ExpressionStatement, type ForOfStatement, type ForStatement, type PropertyAccessExpression, type WhileStatement } from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { assignStableNames, normalizeLabel } from "../naming/stable-names.js";
import { getSetTimeoutDelay, type CallClassifier, type CallClass } from "./classify-call.js";
import { loc, type DurableFunction } from "./discover.js";
import { compilerDescendantsOfKind, descendantsOfKind, forEachDescendantOfKinds, symbolOf, wrap } from "./compiler-nodes.js";

/** The planned operations the loop analysis needs to see (a structural subset of PlannedOperation). */
export interface OperationSite {
  call: Node;
  kind: string;
  name: string;
}

export type Concurrency = number | "unbounded";

/** One replacement in the original text; `{log}` in `text` stands for the reduction's log name. */
export interface SiteEdit {
  start: number;
  end: number;
  text: string;
  /** For an insertion (start = end): where the construct it closes starts, so it orders after inner closers. */
  spanStart?: number;
}

/**
 * An outer variable updated by a recognised reduction. Each iteration records the operand of
 * every update in a log it returns; after the map the updates are replayed in index order, so
 * the variable ends as it would after the loop.
 */
export interface Reduction {
  variable: string;
  /** The variable's declaration (identity across nested loops). */
  declaration: Node;
  /**
   * Set when this loop is nested in a mapped loop that reduces the same outer variable: the values
   * go into that loop's log (the variable itself is only updated after the outer map).
   */
  into?: MapPlan;
  /** Type of one log entry, as TypeScript text. */
  elementType: string;
  /** One update with the logged value `$x`: `sum += $x`, `best = Math.max(best, $x)`. */
  apply: string;
  /** `push`: the log holds the pushed values and is replayed with one `push(...log)`. */
  spread: boolean;
  edits: SiteEdit[];
}

/** How the items of the map are produced from the loop head. */
export interface ItemsPlan {
  /** Edits that turn [loop start, body start) into `<prefix>ITEMS<…>`: each replaces a head range. */
  head: SiteEdit[];
  /** Parameters of the item function after the context (`x`, `x, i`, `[k, v]`). */
  params: string;
}

export interface MapPlan {
  kind: "map";
  loop: Statement;
  /** The statement replaced (the loop, or its label). */
  statement: Statement;
  body: Statement;
  name: string;
  items: ItemsPlan;
  reductions: Reduction[];
  /** `continue` statements that end the iteration: they become `return`s of the item function. */
  continues: Node[];
  concurrency: Concurrency;
  tolerate?: number;
}

export interface KeptPlan {
  kind: "kept";
  loop: Statement;
  reason: string;
}

export interface PollPlan {
  kind: "poll";
  loop: Statement;
  check: CallExpression;
  /** The duration expression of the sleep between checks. */
  delay?: Expression;
  /** The body's sleep statement of a `do…while` (kept as its own wait before the condition). */
  firstWait?: Statement;
}

/** `await Promise.all(xs.map(async (x) => …))`: a map with unbounded concurrency (or the annotated cap). */
export interface PromiseMapPlan {
  kind: "promise-map";
  all: CallExpression;
  receiver: Expression;
  callback: Node;
  name: string;
  concurrency: Concurrency;
  tolerate?: number;
}

/** A branch of `Promise.all/allSettled/race/any` that runs several operations: its own child context. */
export interface BranchPlan {
  kind: "branch";
  expression: Expression;
  name: string;
}

export type LoopPlan = MapPlan | KeptPlan | PollPlan | PromiseMapPlan | BranchPlan;

const COMBINATORS = new Set(["all", "allSettled", "race", "any"]);
const LOOP_KINDS = new Set([SyntaxKind.ForOfStatement, SyntaxKind.ForStatement, SyntaxKind.ForInStatement, SyntaxKind.WhileStatement, SyntaxKind.DoStatement]);
const FUNCTION_KINDS = new Set([SyntaxKind.ArrowFunction, SyntaxKind.FunctionExpression, SyntaxKind.FunctionDeclaration, SyntaxKind.MethodDeclaration, SyntaxKind.GetAccessor, SyntaxKind.SetAccessor, SyntaxKind.Constructor]);
/** What analyzeLoops looks at in a function's body: loops, calls, and functions (to enter or skip). */
const PLANNED_KINDS = new Set<SyntaxKind>([...LOOP_KINDS, ...FUNCTION_KINDS, SyntaxKind.CallExpression]);
/** What planLoop looks at for jumps out of a loop body (functions and classes are skipped whole). */
const JUMP_KINDS = new Set<SyntaxKind>([...FUNCTION_KINDS, SyntaxKind.ClassDeclaration, SyntaxKind.ReturnStatement, SyntaxKind.BreakStatement, SyntaxKind.ContinueStatement]);
/** Methods that read their receiver without changing it. */
const READING_METHODS = new Set([
  "includes", "indexOf", "lastIndexOf", "slice", "map", "filter", "reduce", "reduceRight", "find", "findIndex", "findLast", "findLastIndex",
  "some", "every", "join", "concat", "at", "flat", "flatMap", "keys", "values", "entries", "toString", "toFixed", "get", "has",
  "toUpperCase", "toLowerCase", "trim", "split", "startsWith", "endsWith", "padStart", "padEnd", "replace", "replaceAll",
  "toISOString", "getTime", "charAt", "charCodeAt", "substring", "toLocaleString", "valueOf", "forEach", "toSorted", "toReversed", "with",
]);

function isPromiseCombinator(call: Node): call is CallExpression {
  if (!Node.isCallExpression(call)) return false;
  const callee = call.getExpression();
  return Node.isPropertyAccessExpression(callee) && callee.getExpression().getText() === "Promise" && COMBINATORS.has(callee.getName());
}

/** `Promise.all(xs.map(async (x) => …))` → the `xs.map(…)` call, when its shape can become a map. */
export function promiseAllMapCall(all: Node): { map: CallExpression; receiver: Expression; callback: Node } | undefined {
  if (!Node.isCallExpression(all) || !isPromiseCombinator(all)) return undefined;
  if ((all.getExpression() as PropertyAccessExpression).getName() !== "all") return undefined;
  const args = all.getArguments();
  const map = args[0];
  if (args.length !== 1 || !map || !Node.isCallExpression(map)) return undefined;
  const callee = map.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== "map") return undefined;
  const receiver = callee.getExpression();
  if (!receiver.getType().isArray() && !receiver.getType().isTuple()) return undefined;
  const callback = map.getArguments()[0];
  if (map.getArguments().length !== 1 || !callback || !(Node.isArrowFunction(callback) || Node.isFunctionExpression(callback))) return undefined;
  if (!callback.isAsync() || callback.getParameters().length > 2) return undefined;
  if (Node.isFunctionExpression(callback) && descendantsOfKind(callback, SyntaxKind.ThisKeyword).length > 0) return undefined;
  if (writesOuterState(callback)) return undefined;
  return { map, receiver, callback };
}

/**
 * True for a function whose body is compiled like the durable function's own body because the
 * rewrite gives it its own context: the callback of `Promise.all(xs.map(async (x) => …))`, and an
 * async IIFE or `.then` callback inside a branch of a promise combinator.
 */
export function isConcurrentBody(fn: Node): boolean {
  if (!FUNCTION_KINDS.has(fn.getKind())) return false;
  const parent = fn.getParent();
  // xs.map(cb) inside Promise.all(…)
  if (parent && Node.isCallExpression(parent) && parent.getArguments()[0] === fn) {
    const all = parent.getParent();
    if (all && promiseAllMapCall(all)?.callback === fn) return true;
  }
  const branch = branchOf(fn);
  if (!branch || writesOuterState(fn)) return false;
  // (async () => { … })()
  let node: Node = fn;
  while (node.getParent() && Node.isParenthesizedExpression(node.getParent()!)) node = node.getParent()!;
  const call = node.getParent();
  if (call && Node.isCallExpression(call) && call.getExpression() === node && (fn as { isAsync?: () => boolean }).isAsync?.()) return true;
  // p.then(cb) / p.catch(cb) / p.finally(cb)
  if (parent && Node.isCallExpression(parent) && parent.getArguments().includes(fn as Expression)) {
    const callee = parent.getExpression();
    if (Node.isPropertyAccessExpression(callee) && ["then", "catch", "finally"].includes(callee.getName())) return true;
  }
  return false;
}

/**
 * True when `fn` assigns or mutates a variable declared outside it. Such a function cannot become
 * a map item or a child context: a finished child context is not run again on replay, so the
 * assignment would be lost.
 */
function writesOuterState(fn: Node): boolean {
  const file = fn.getSourceFile();
  return descendantsOfKind(fn, SyntaxKind.Identifier).some((id) => {
    const decl = id.getSymbol()?.getDeclarations()[0];
    if (!decl || decl.getSourceFile() !== file || (decl.getStart() >= fn.getStart() && decl.getEnd() <= fn.getEnd())) return false;
    if (!Node.isVariableDeclaration(decl) && !Node.isParameterDeclaration(decl) && !Node.isBindingElement(decl)) return false;
    return isWritten(id);
  });
}

/** The branch expression (an element of the combinator's array literal) that contains `node`. */
function branchOf(node: Node): Expression | undefined {
  let child: Node = node;
  for (let parent = node.getParent(); parent; child = parent, parent = parent.getParent()) {
    if (FUNCTION_KINDS.has(parent.getKind()) && parent !== node) {
      if (!isConcurrentBody(parent)) return undefined;
    }
    if (Node.isArrayLiteralExpression(parent)) {
      const combinator = parent.getParent();
      if (combinator && isPromiseCombinator(combinator) && combinator.getArguments()[0] === parent) return child as Expression;
      return undefined;
    }
    if (Node.isStatement(parent)) return undefined;
  }
  return undefined;
}

/** `while (!(await check())) await sleep(d)` and its `do…while` twin, when `check` is an effect. */
export function matchPollingLoop(node: Node, classifier: CallClassifier): { check: CallExpression; classification: CallClass; sleep: CallExpression | NewExpression; sleepStatement: Statement } | undefined {
  if (!Node.isWhileStatement(node) && !Node.isDoStatement(node)) return undefined;
  let cond: Node = node.getExpression();
  if (!Node.isPrefixUnaryExpression(cond) || cond.getOperatorToken() !== SyntaxKind.ExclamationToken) return undefined;
  cond = cond.getOperand();
  while (Node.isParenthesizedExpression(cond)) cond = cond.getExpression();
  if (!Node.isAwaitExpression(cond)) return undefined;
  const check = cond.getExpression();
  if (!Node.isCallExpression(check)) return undefined;
  const classification = classifier.classify(check);
  if (classification.kind !== "effect" && classification.kind !== "nondeterministic") return undefined;
  let body: Node = node.getStatement();
  if (Node.isBlock(body)) {
    const statements = body.getStatements();
    if (statements.length !== 1) return undefined;
    body = statements[0]!;
  }
  if (!Node.isExpressionStatement(body)) return undefined;
  const awaited = body.getExpression();
  if (!Node.isAwaitExpression(awaited)) return undefined;
  const sleep = awaited.getExpression();
  if (!Node.isCallExpression(sleep) && !Node.isNewExpression(sleep)) return undefined;
  const c = classifier.classify(sleep);
  const isSleep = (c.kind === "intrinsic" && c.intrinsic === "sleep") || c.kind === "timer-wait";
  if (!isSleep) return undefined;
  return { check, classification, sleep, sleepStatement: body };
}

/** `// @durable concurrency=10 tolerate=2` in the comments leading `statement`. */
export function readAnnotation(statement: Node): { concurrency?: Concurrency; tolerate?: number; problems: string[] } {
  const out: { concurrency?: Concurrency; tolerate?: number; problems: string[] } = { problems: [] };
  const text = statement.getLeadingCommentRanges().map((r) => r.getText()).join("\n");
  for (const m of text.matchAll(/@durable\b([^\n]*)/g)) {
    for (const pair of m[1]!.trim().split(/\s+/)) {
      const [key, value] = pair.split("=");
      if (key === "concurrency") {
        if (value === "unbounded") out.concurrency = "unbounded";
        else if (value && /^[1-9]\d*$/.test(value)) out.concurrency = Number(value);
        else out.problems.push(`concurrency=${value ?? ""} (expected a positive integer or 'unbounded')`);
      } else if (key === "tolerate") {
        if (value && /^\d+$/.test(value)) out.tolerate = Number(value);
        else out.problems.push(`tolerate=${value ?? ""} (expected a whole number of failures)`);
      }
    }
  }
  return out;
}

export interface LoopAnalysis {
  plans: LoopPlan[];
  diagnostics: Diagnostic[];
}

interface Ctx {
  fn: DurableFunction;
  file: SourceFile;
  ops: readonly OperationSite[];
  defaultConcurrency: Concurrency;
}

/**
 * Plans every loop and concurrent construct of one durable function that contains durable
 * operations, after the function's operations are planned.
 */
export function analyzeLoops(fn: DurableFunction, ops: readonly OperationSite[], options: { defaultConcurrency?: Concurrency } = {}): LoopAnalysis {
  const plans: LoopPlan[] = [];
  const diagnostics: Diagnostic[] = [];
  const body = fn.node.getBody();
  if (!body || ops.length === 0) return { plans, diagnostics };
  const ctx: Ctx = { fn, file: fn.sourceFile, ops, defaultConcurrency: options.defaultConcurrency ?? 1 };
  const opsIn = (node: Node) => ops.filter((o) => o.call.getStart() >= node.getStart() && o.call.getEnd() <= node.getEnd());

  const mapLabels: { plan: MapPlan | PromiseMapPlan | BranchPlan; label: string }[] = [];
  forEachDescendantOfKinds(body, PLANNED_KINDS, (node) => {
    if (FUNCTION_KINDS.has(node.getKind()) && !isConcurrentBody(node)) return "skip";
    if (LOOP_KINDS.has(node.getKind())) {
      const loop = node as Statement;
      const poll = ops.find((o) => o.kind === "waitForCondition" && (o as { extent?: Node }).extent === loop);
      if (poll) {
        plans.push(pollPlan(loop, poll.call as CallExpression));
        return;
      }
      if (opsIn(bodyOf(loop)).length === 0 && !(Node.isWhileStatement(loop) || Node.isDoStatement(loop) ? opsIn(loop).length > 0 : false)) return;
      const annotation = readAnnotation(statementOf(loop));
      for (const problem of annotation.problems) diagnostics.push(createDiagnostic("InvalidLoopAnnotation", { problem }, headLoc(ctx.file, loop)));
      const result = planLoop(loop, ctx, annotation);
      plans.push(result.plan);
      if (result.plan.kind === "map") mapLabels.push({ plan: result.plan, label: result.label! });
      else diagnostics.push(createDiagnostic("LoopKeptSequential", { function: fn.name, reason: result.plan.reason }, headLoc(ctx.file, loop)));
      return;
    }
    if (Node.isCallExpression(node)) {
      const pm = promiseAllMapCall(node);
      if (pm && opsIn(pm.callback).length > 0) {
        const statement = node.getFirstAncestor((a) => Node.isStatement(a)) ?? node;
        const annotation = readAnnotation(statement);
        for (const problem of annotation.problems) diagnostics.push(createDiagnostic("InvalidLoopAnnotation", { problem }, loc(ctx.file, node.getExpression())));
        const plan: PromiseMapPlan = { kind: "promise-map", all: node, receiver: pm.receiver, callback: pm.callback, name: "", concurrency: annotation.concurrency ?? "unbounded", ...(annotation.tolerate !== undefined ? { tolerate: annotation.tolerate } : {}) };
        plans.push(plan);
        mapLabels.push({ plan, label: labelOf(pm.receiver) });
        return;
      }
      if (isPromiseCombinator(node)) {
        const array = node.getArguments()[0];
        if (array && Node.isArrayLiteralExpression(array)) {
          for (const element of array.getElements()) {
            if (Node.isSpreadElement(element)) continue;
            const inBranch = opsIn(element);
            if (inBranch.length > 1 || (inBranch.length === 1 && insideThenCallback(inBranch[0]!.call, element))) {
              const plan: BranchPlan = { kind: "branch", expression: element, name: "" };
              plans.push(plan);
              mapLabels.push({ plan, label: `${(node.getExpression() as PropertyAccessExpression).getName()}[${array.getElements().indexOf(element)}]` });
            }
          }
        }
      }
    }
  });
  linkNestedReductions(plans);
  const names = assignStableNames(fn.name, mapLabels.map((m) => ({ label: m.label })));
  mapLabels.forEach((m, i) => (m.plan.name = names[i]!.name));
  return { plans, diagnostics };
}

/**
 * A mapped loop inside a mapped loop that reduces the same outer variable: the inner loop's sites
 * are its own, and its results go into the outer item's log instead of the variable.
 */
function linkNestedReductions(plans: readonly LoopPlan[]): void {
  const maps = plans.filter((p): p is MapPlan => p.kind === "map");
  for (const inner of maps) {
    const within = (outer: MapPlan) => inner.statement.getStart() >= outer.body.getStart() && inner.statement.getEnd() <= outer.body.getEnd();
    // The nearest enclosing mapped loop first.
    const outers = maps.filter((o) => o !== inner && within(o)).sort((a, b) => b.body.getStart() - a.body.getStart());
    for (const r of inner.reductions) {
      const outer = outers.find((o) => o.reductions.some((x) => x.declaration === r.declaration));
      if (!outer) continue;
      r.into = outer;
      const own = outer.reductions.find((x) => x.declaration === r.declaration)!;
      own.edits = own.edits.filter((e) => e.start < inner.statement.getStart() || e.start >= inner.statement.getEnd());
    }
  }
}

/** An operation in a `.then` callback starts when an earlier promise settles, so its id would depend on timing. */
function insideThenCallback(call: Node, branch: Node): boolean {
  for (let p = call.getParent(); p && p !== branch; p = p.getParent()) {
    const parent = p.getParent();
    if (FUNCTION_KINDS.has(p.getKind()) && parent && Node.isCallExpression(parent) && parent.getExpression() !== p) return true;
  }
  return false;
}

function pollPlan(loop: Statement, check: CallExpression): PollPlan {
  const body = (loop as WhileStatement).getStatement();
  const statement = Node.isBlock(body) ? body.getStatements()[0]! : body;
  const sleep = (statement as ExpressionStatement).getExpression() as AwaitExpression;
  const call = sleep.getExpression();
  let delay: Expression | undefined;
  if (Node.isCallExpression(call)) delay = call.getArguments()[0] as Expression | undefined;
  else if (Node.isNewExpression(call)) delay = getSetTimeoutDelay(call);
  return { kind: "poll", loop, check, ...(delay ? { delay } : {}), ...(Node.isDoStatement(loop) ? { firstWait: statement as Statement } : {}) };
}

function bodyOf(loop: Statement): Statement {
  return (loop as ForOfStatement).getStatement();
}

/** The statement that stands for the loop: its label when it has one. */
export function statementOf(loop: Statement): Statement {
  let s: Statement = loop;
  while (s.getParent() && Node.isLabeledStatement(s.getParent()!)) s = s.getParent() as Statement;
  return s;
}

/** The loop head (`for (…)`, `while (…)`, `do`), the smallest span that names the loop. */
function headLoc(file: SourceFile, loop: Statement): { file: string; start: number; length: number } {
  if (Node.isDoStatement(loop)) return loc(file, loop.getFirstChildByKindOrThrow(SyntaxKind.DoKeyword));
  const close = bodyOf(loop).getPreviousSiblingIfKind(SyntaxKind.CloseParenToken);
  const end = close ? close.getEnd() : bodyOf(loop).getStart();
  return { ...loc(file, loop), length: end - loop.getStart() };
}

/** True when a `try` statement of the function catches (or finally-handles) what the loop throws. */
function insideTry(loop: Node): boolean {
  for (let child: Node = loop, p = loop.getParent(); p && !FUNCTION_KINDS.has(p.getKind()); child = p, p = p.getParent()) {
    if (Node.isTryStatement(p) && p.getTryBlock() === child) return true;
  }
  return false;
}

function labelOf(expr: Node): string {
  let e: Node = expr;
  while (Node.isParenthesizedExpression(e) || Node.isAwaitExpression(e) || Node.isNonNullExpression(e) || Node.isAsExpression(e)) e = e.getExpression();
  if (Node.isPropertyAccessExpression(e)) return e.getName();
  if (Node.isIdentifier(e)) return e.getText();
  if (Node.isNewExpression(e) && e.getArguments()[0]) return labelOf(e.getArguments()[0]!);
  if (Node.isCallExpression(e)) {
    const callee = e.getExpression();
    if (Node.isPropertyAccessExpression(callee)) {
      const receiver = labelOf(callee.getExpression());
      return receiver === "items" && /^(keys|values|entries)$/.test(callee.getName()) ? receiver : `${receiver}.${callee.getName()}`;
    }
    return normalizeLabel(callee.getText());
  }
  return normalizeLabel(e.getText()).slice(0, 40) || "items";
}

type PlanResult = { plan: MapPlan; label: string } | { plan: KeptPlan; label?: undefined };

function planLoop(loop: Statement, ctx: Ctx, annotation: ReturnType<typeof readAnnotation>): PlanResult {
  const kept = (reason: string): PlanResult => ({ plan: { kind: "kept", loop, reason } });
  if (Node.isWhileStatement(loop) || Node.isDoStatement(loop)) {
    const condOps = ctx.ops.filter((o) => o.call.getStart() >= loop.getExpression().getStart() && o.call.getEnd() <= loop.getExpression().getEnd());
    if (condOps.length) return kept(`its condition runs '${condOps[0]!.name}' before every iteration, so the number of iterations is only known as it runs`);
    return kept(`a ${Node.isDoStatement(loop) ? "do…while" : "while"} loop runs until its condition changes, so its iterations depend on each other`);
  }
  if (Node.isForOfStatement(loop) && loop.isAwaited()) return kept("'for await' reads an async iterable one item at a time");
  const declarations = (loop as ForOfStatement | ForStatement).getInitializer?.();
  if (declarations && Node.isVariableDeclarationList(declarations) && declarations.getDeclarationKind() === "var") {
    return kept("its loop variable is declared with 'var', which outlives the loop and is shared by every iteration");
  }
  const body = bodyOf(loop);
  const statement = statementOf(loop);

  // The head: items and parameters.
  let items: ItemsPlan;
  let headVariables: Node[] = [];
  let loopVariable: string | undefined;
  let label: string;
  const mapOpen = (at: number) => ({ start: statement.getStart(), end: at });
  if (Node.isForOfStatement(loop)) {
    const init = loop.getInitializer();
    if (!Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) return kept("its loop variable is declared outside the loop, so every iteration writes the same variable");
    const decl = init.getDeclarations()[0]!;
    const expr = loop.getExpression();
    headVariables = identifiersIn(expr);
    label = labelOf(expr);
    const entries = entriesReceiver(expr, decl.getNameNode());
    if (entries) {
      items = {
        head: [{ ...mapOpen(expr.getStart()), text: "" }, { start: entries.receiver.getEnd(), end: expr.getEnd(), text: "" }, { start: expr.getEnd(), end: body.getStart(), text: "" }],
        params: `${entries.value}, ${entries.index}`,
      };
      label = labelOf(entries.receiver);
    } else {
      const isArray = expr.getType().isArray() || expr.getType().isTuple();
      items = {
        head: [{ ...mapOpen(expr.getStart()), text: isArray ? "" : "[..." }, { start: expr.getEnd(), end: body.getStart(), text: isArray ? "" : "]" }],
        params: decl.getNameNode().getText(),
      };
    }
  } else if (Node.isForInStatement(loop)) {
    const init = loop.getInitializer();
    if (!Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) return kept("its loop variable is declared outside the loop, so every iteration writes the same variable");
    const expr = loop.getExpression();
    headVariables = identifiersIn(expr);
    label = labelOf(expr);
    items = { head: [{ ...mapOpen(expr.getStart()), text: "Object.keys(" }, { start: expr.getEnd(), end: body.getStart(), text: ")" }], params: init.getDeclarations()[0]!.getName() };
  } else if (Node.isForStatement(loop)) {
    const headOps = ctx.ops.filter((o) => o.call.getStart() >= loop.getStart() && o.call.getEnd() <= body.getStart());
    if (headOps.length) return kept(`its head runs '${headOps[0]!.name}' on every iteration`);
    const index = indexLoop(loop);
    if (!index) return kept("its head is not 'let i = 0; i < n; i++' (or 'i < xs.length'), so the iterations cannot be counted up front");
    loopVariable = index.variable;
    headVariables = identifiersIn(index.bound);
    if (index.array) {
      label = labelOf(index.array);
      items = { head: [{ ...mapOpen(index.array.getStart()), text: "" }, { start: index.array.getEnd(), end: body.getStart(), text: "" }], params: `_item, ${index.variable}` };
    } else {
      label = labelOf(index.bound);
      items = { head: [{ ...mapOpen(index.bound.getStart()), text: "Array.from({ length: Math.ceil(" }, { start: index.bound.getEnd(), end: body.getStart(), text: ") }, (_, k) => k)" }], params: index.variable };
    }
  } else return kept("this kind of loop is not supported");

  // Jumps out of the body.
  const continues: Node[] = [];
  let jump: string | undefined;
  forEachDescendantOfKinds(body, JUMP_KINDS, (node) => {
    if (FUNCTION_KINDS.has(node.getKind()) || Node.isClassDeclaration(node)) return "skip";
    if (Node.isReturnStatement(node)) {
      jump ??= "it contains a 'return', which leaves the function from inside an iteration";
      return;
    }
    if (Node.isBreakStatement(node) || Node.isContinueStatement(node)) {
      const target = jumpTarget(node, body);
      const word = Node.isBreakStatement(node) ? "break" : "continue";
      if (target === "inside") return;
      if (target === "outside") jump ??= `it contains '${node.getText().replace(/;$/, "")}', which jumps to a statement outside the loop`;
      else if (word === "break") jump ??= "it contains a 'break', so later iterations depend on earlier ones";
      else continues.push(node);
    }
  });
  if (jump) return kept(jump);

  // Outer variables read and written by the iterations.
  const local = (decl: Node) => decl.getStart() >= loop.getStart() && decl.getEnd() <= loop.getEnd();
  // On the compiler's nodes: only the reads of outer variables get a wrapper.
  const sf = ctx.file.compilerNode;
  const checker = ctx.file.getProject().getTypeChecker().compilerObject;
  const [loopStart, loopEnd] = [loop.getStart(), loop.getEnd()];
  const bodyIdentifiers = compilerDescendantsOfKind(body.compilerNode, SyntaxKind.Identifier);
  const refs = new Map<string, { decl: Node; reads: Node[]; writes: Node[] }>();
  for (const idNode of bodyIdentifiers) {
    const parent = idNode.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.name === idNode) continue;
    if (ts.isPropertyAssignment(parent) && parent.name === idNode) continue;
    if (ts.isLabeledStatement(parent) || ts.isBreakStatement(parent) || ts.isContinueStatement(parent)) continue;
    const declNode = symbolOf(idNode, checker)?.declarations?.[0];
    if (!declNode || declNode.getSourceFile() !== sf) continue;
    const declStart = declNode.getStart(sf);
    if (declStart >= loopStart && declNode.end <= loopEnd) continue;
    if (!ts.isVariableDeclaration(declNode) && !ts.isParameter(declNode) && !ts.isBindingElement(declNode)) continue;
    const key = `${idNode.getText(sf)}@${declStart}`;
    let ref = refs.get(key);
    if (!ref) refs.set(key, (ref = { decl: wrap(ctx.file, declNode), reads: [], writes: [] }));
    const id = wrap(ctx.file, idNode);
    if (isWritten(id) && !isOperationReceiver(id, ctx.ops)) ref.writes.push(id);
    else ref.reads.push(id);
  }
  if (loopVariable) {
    const named = bodyIdentifiers.filter((id) => id.getText(sf) === loopVariable).map((id) => wrap(ctx.file, id));
    const writes = named.filter((id) => isWritten(id) && local(id.getSymbol()?.getDeclarations()[0] ?? body));
    if (writes.length) return kept(`it assigns its loop variable '${loopVariable}', so the iterations cannot be counted up front`);
  }
  const reductions: Reduction[] = [];
  for (const [, ref] of refs) {
    const name = (ref.decl as { getName?: () => string }).getName?.() ?? ref.writes[0]?.getText() ?? "?";
    if (ref.writes.length === 0) continue;
    if (headVariables.some((h) => h.getSymbol()?.getDeclarations()[0] === ref.decl)) {
      return kept(`it changes '${name}', which the loop's head reads to decide what to iterate`);
    }
    const sites = ref.writes.map((w) => reductionSite(w, name));
    const bad = sites.findIndex((s) => typeof s === "string");
    if (bad >= 0) return kept(sites[bad] as string);
    const ok = sites as ReductionSiteInfo[];
    if (new Set(ok.map((s) => s.apply)).size > 1) return kept(`it updates '${name}' in different ways ('${ok.map((s) => s.node.getText()).join("' and '")}'), which only a sequential loop can order`);
    const otherReads = ref.reads.filter((r) => !ok.some((s) => r.getStart() >= s.node.getStart() && r.getEnd() <= s.node.getEnd()));
    if (otherReads.length) return kept(`it reads '${name}', which an earlier iteration updates, so the iterations depend on each other`);
    reductions.push({ variable: name, declaration: ref.decl, elementType: ok[0]!.elementType, apply: ok[0]!.apply, spread: ok[0]!.spread, edits: ok.flatMap((s) => s.edits) });
    // A map item that fails returns nothing, so its earlier updates are lost; the loop keeps them.
    // That is only visible when the function catches the failure and goes on.
    const after = insideTry(loop) ? ctx.ops.find((o) => o.call.getStart() >= body.getStart() && o.call.getEnd() <= body.getEnd() && ok.some((site) => o.call.getStart() >= site.node.getEnd())) : undefined;
    if (after) return kept(`it updates '${name}' before '${after.name}' in the same iteration and runs inside a 'try': if that operation fails, the loop keeps the update and a map would not`);
  }
  return {
    plan: {
      kind: "map",
      loop,
      statement,
      body,
      name: "",
      items,
      reductions,
      continues,
      concurrency: annotation.concurrency ?? ctx.defaultConcurrency,
      ...(annotation.tolerate !== undefined ? { tolerate: annotation.tolerate } : {}),
    },
    label,
  };
}

/** Where a break/continue in `body` goes: within the body, to the loop itself, or outside it. */
function jumpTarget(node: BreakStatement | ContinueStatement, body: Node): "inside" | "loop" | "outside" {
  const label = node.getLabel()?.getText();
  for (let p: Node | undefined = node.getParent(); p; p = p.getParent()) {
    if (p === body) {
      if (!label) return "loop";
      // Labels on the loop itself.
      for (let q = body.getParent()?.getParent(); q && Node.isLabeledStatement(q); q = q.getParent()) if (q.getLabel().getText() === label) return "loop";
      return "outside";
    }
    if (label) {
      if (Node.isLabeledStatement(p) && p.getLabel().getText() === label) return "inside";
    } else if (LOOP_KINDS.has(p.getKind()) || (Node.isBreakStatement(node) && Node.isSwitchStatement(p))) return "inside";
  }
  return "outside";
}

/** `for (const [i, x] of xs.entries())` over an array. */
function entriesReceiver(expr: Expression, name: Node): { receiver: Expression; index: string; value: string } | undefined {
  if (!Node.isCallExpression(expr) || expr.getArguments().length !== 0) return undefined;
  const callee = expr.getExpression();
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== "entries") return undefined;
  const receiver = callee.getExpression();
  if (!receiver.getType().isArray() && !receiver.getType().isTuple()) return undefined;
  if (!Node.isArrayBindingPattern(name)) return undefined;
  const elements = name.getElements();
  if (elements.length !== 2 || !elements.every((e) => Node.isBindingElement(e) && !e.getDotDotDotToken() && !e.getInitializer())) return undefined;
  return { receiver, index: elements[0]!.getText(), value: elements[1]!.getText() };
}

/** `for (let i = 0; i < bound; i++)`: the index variable and the bound (`xs.length` gives `array`). */
function indexLoop(loop: ForStatement): { variable: string; bound: Expression; array?: Expression } | undefined {
  const init = loop.getInitializer();
  if (!init || !Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1) return undefined;
  const decl = init.getDeclarations()[0]!;
  const start = decl.getInitializer();
  if (!Node.isIdentifier(decl.getNameNode()) || !start || start.getText() !== "0") return undefined;
  const i = decl.getName();
  const cond = loop.getCondition();
  if (!cond || !Node.isBinaryExpression(cond) || cond.getOperatorToken().getKind() !== SyntaxKind.LessThanToken || cond.getLeft().getText() !== i) return undefined;
  const inc = loop.getIncrementor();
  if (!inc) return undefined;
  const incText = inc.getText().replace(/\s+/g, "");
  if (![`${i}++`, `++${i}`, `${i}+=1`, `${i}=${i}+1`].includes(incText)) return undefined;
  const bound = cond.getRight();
  if (identifiersIn(bound).some((id) => id.getText() === i)) return undefined;
  if (Node.isPropertyAccessExpression(bound) && bound.getName() === "length") {
    const array = bound.getExpression();
    if (array.getType().isArray() || array.getType().isTuple()) return { variable: i, bound, array };
  }
  if (!bound.getType().isNumber() && !bound.getType().isNumberLiteral()) return undefined;
  return { variable: i, bound };
}

function identifiersIn(node: Node): Node[] {
  return Node.isIdentifier(node) ? [node] : descendantsOfKind(node, SyntaxKind.Identifier);
}

/** True when `id` is assigned, incremented, or the receiver of a method that may change it. */
/**
 * `client.send(…)` where the call is an operation (an effect run as a step): the step's work is
 * I/O through the object, not a change to program state the iterations share, so an SDK or
 * database client declared outside a loop does not keep the loop sequential.
 */
function isOperationReceiver(id: Node, ops: readonly OperationSite[]): boolean {
  const access = id.getParent();
  const call = access?.getParent();
  return !!access && Node.isPropertyAccessExpression(access) && access.getExpression() === id && !!call && Node.isCallExpression(call) && call.getExpression() === access && ops.some((o) => o.call === call);
}

function isWritten(id: Node): boolean {
  let node: Node = id;
  let parent = node.getParent();
  while (parent && (Node.isPropertyAccessExpression(parent) || Node.isElementAccessExpression(parent)) && parent.getExpression() === node) {
    const outer = parent.getParent();
    if (Node.isPropertyAccessExpression(parent) && outer && Node.isCallExpression(outer) && outer.getExpression() === parent) {
      // A method call on the variable (or on something reached through it).
      const receiverType = parent.getExpression().getType();
      if (receiverType.isString() || receiverType.isNumber() || receiverType.isBoolean() || receiverType.isStringLiteral() || receiverType.isNumberLiteral()) return false;
      return !READING_METHODS.has(parent.getName());
    }
    node = parent;
    parent = node.getParent();
  }
  if (!parent) return false;
  if (Node.isBinaryExpression(parent) && parent.getLeft() === node) {
    const op = parent.getOperatorToken().getKind();
    return op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment;
  }
  if (Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent)) {
    const op = parent.getOperatorToken();
    return op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken;
  }
  if ((Node.isArrayLiteralExpression(parent) || Node.isObjectLiteralExpression(parent) || Node.isShorthandPropertyAssignment(parent)) && isDestructuringTarget(parent)) return true;
  return false;
}

function isDestructuringTarget(node: Node): boolean {
  let n: Node = node;
  for (let p = n.getParent(); p; n = p, p = p.getParent()) {
    if (Node.isBinaryExpression(p)) return p.getLeft() === n && p.getOperatorToken().getKind() === SyntaxKind.EqualsToken;
    if (!(Node.isArrayLiteralExpression(p) || Node.isObjectLiteralExpression(p) || Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p) || Node.isSpreadElement(p))) return false;
  }
  return false;
}

interface ReductionSiteInfo {
  id: Node;
  node: Node;
  apply: string;
  elementType: string;
  spread: boolean;
  edits: SiteEdit[];
}

/** Recognises one update of an outer variable as a reduction, or says why it is not one. */
function reductionSite(id: Node, name: string): ReductionSiteInfo | string {
  const notReduction = () => `it assigns '${name}', declared outside the loop, in a way that is not a recognised reduction ('${statementText(id)}'), so the iterations depend on each other`;
  const stmt = id.getFirstAncestor((a) => Node.isStatement(a));
  const expression = stmt && Node.isExpressionStatement(stmt) ? stmt.getExpression() : undefined;
  if (!expression) return notReduction();
  const type = `(typeof ${name})`;
  const mentions = (n: Node) => identifiersIn(n).some((x) => x.getText() === name && x.getSymbol() === id.getSymbol());
  const parent = id.getParent()!;
  // sum += E, sum -= E, sum *= E
  if (Node.isBinaryExpression(expression) && expression.getLeft() === id) {
    const op = expression.getOperatorToken().getKind();
    const right = expression.getRight();
    const simple: Partial<Record<SyntaxKind, string>> = { [SyntaxKind.PlusEqualsToken]: "+=", [SyntaxKind.MinusEqualsToken]: "-=", [SyntaxKind.AsteriskEqualsToken]: "*=" };
    if (simple[op]) {
      if (mentions(right) || !right.getType().isAssignableTo(id.getType())) return notReduction();
      return { id, node: expression, apply: `${name} ${simple[op]} $x`, elementType: type, spread: false, edits: [{ start: expression.getStart(), end: right.getStart(), text: "{log}.push(" }, { start: right.getEnd(), end: right.getEnd(), text: ")", spanStart: expression.getStart() }] };
    }
    if (op === SyntaxKind.EqualsToken) {
      let r: Node = right;
      while (Node.isParenthesizedExpression(r)) r = r.getExpression();
      // acc = acc + E, acc = acc * E, acc = acc - E
      if (Node.isBinaryExpression(r) && r.getLeft().getText() === name && Node.isIdentifier(r.getLeft()) && r.getLeft().getSymbol() === id.getSymbol()) {
        const bop = r.getOperatorToken().getText();
        const operand = r.getRight();
        if (["+", "*", "-"].includes(bop) && !mentions(operand) && operand.getType().isAssignableTo(id.getType())) {
          return { id, node: expression, apply: `${name} = ${name} ${bop} $x`, elementType: type, spread: false, edits: [{ start: expression.getStart(), end: operand.getStart(), text: "{log}.push(" }, { start: operand.getEnd(), end: expression.getEnd(), text: ")", spanStart: expression.getStart() }] };
        }
      }
      // acc = Math.max(acc, E) / Math.min
      if (Node.isCallExpression(r) && /^Math\.(max|min)$/.test(r.getExpression().getText()) && r.getArguments().length === 2) {
        const [a, b] = r.getArguments() as [Node, Node];
        const fold = r.getExpression().getText();
        const own = (n: Node) => Node.isIdentifier(n) && n.getText() === name;
        const operand = own(a) && !mentions(b) ? b : own(b) && !mentions(a) ? a : undefined;
        if (operand) {
          return { id, node: expression, apply: `${name} = ${fold}(${name}, $x)`, elementType: "number", spread: false, edits: [{ start: expression.getStart(), end: operand.getStart(), text: "{log}.push(" }, { start: operand.getEnd(), end: expression.getEnd(), text: ")", spanStart: expression.getStart() }] };
        }
      }
    }
    return notReduction();
  }
  // count++, ++count, count--, --count
  if ((Node.isPostfixUnaryExpression(expression) || Node.isPrefixUnaryExpression(expression)) && expression.getOperand() === id) {
    if (!id.getType().isNumber() && !id.getType().isNumberLiteral()) return notReduction();
    const step = expression.getOperatorToken() === SyntaxKind.PlusPlusToken ? 1 : -1;
    return { id, node: expression, apply: `${name} += $x`, elementType: type, spread: false, edits: [{ start: expression.getStart(), end: expression.getEnd(), text: `{log}.push(${step})` }] };
  }
  // arr.push(E, …)
  if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === id && parent.getName() === "push") {
    const call = parent.getParent();
    if (call && Node.isCallExpression(call) && call === expression && (id.getType().isArray() || id.getType().isTuple())) {
      if (call.getArguments().some(mentions)) return notReduction();
      return { id, node: expression, apply: `${name}.push(...$x)`, elementType: `${type}[number]`, spread: true, edits: [{ start: id.getStart(), end: id.getEnd(), text: "{log}" }] };
    }
  }
  if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === id) {
    return `it calls '${name}.${parent.getName()}(…)', which may change '${name}' (declared outside the loop), so the iterations depend on each other`;
  }
  return notReduction();
}

function statementText(node: Node): string {
  const stmt = node.getFirstAncestor((a) => Node.isStatement(a));
  return (stmt ?? node).getText().replace(/\s+/g, " ").replace(/;$/, "").slice(0, 60);
}
