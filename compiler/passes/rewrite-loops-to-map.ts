/**
 * Loops whose iterations are independent become `context.map`; reductions are returned by each
 * item and replayed in index order; polling loops become `context.waitForCondition`
 * (LANGUAGE §3.3). Only the loop head, the body's edges and the reduction sites are edited, so
 * the rewrites of the operations inside the body compose with this one.
 *
 *   let total = 0;                                   let total = 0;
 *   for (const item of order.items) {               const itemsBatch = await ctx.map("checkout/items", order.items, async (ctx, item) => {
 *     total += await price(item);            →        const totalLog: (typeof total)[] = [];
 *   }                                                 totalLog.push(await ctx.step("checkout/price", async () => price(item)));
 *                                                     return { total: totalLog };
 *                                                   }, { maxConcurrency: 1, itemNamer: (_, i) => `checkout/items[${i}]` });
 *                                                   for (const entry of [...itemsBatch.all].sort((a, b) => a.index - b.index)) {
 *                                                     if (entry.status !== "SUCCEEDED") break;
 *                                                     for (const value of entry.result!.total) total += value;
 *                                                   }
 *                                                   itemsBatch.throwIfError();
 *
 *   while (!(await isDone(job))) await sleep("5s");   →   await ctx.waitForCondition("poll/isDone", async () => !!(await isDone(job)), durablec.waitForConfig({ … }));
 *   const rs = await Promise.all(xs.map(async (x) => …));  →  a map with unbounded concurrency, results in index order
 */
import { Node, SyntaxKind, type ArrowFunction, type FunctionExpression, type Statement, type Block, type WhileStatement } from "../project/ts-morph.js";
import { statementOf, type Concurrency, type KeptPlan, type MapPlan, type PollPlan, type PromiseMapPlan } from "../analysis/loops.js";
import { mapItemCodec, promiseMapCodec, withConfigEntry } from "./map-item-codec.js";
import { iterationCounters, operationName, qualifiedName } from "./operation-name.js";
import { type PassContext } from "./pass-context.js";
import { rebindNarrowed, type Rebinding } from "./rebind-narrowed.js";

const PASS = "rewrite-loops-to-map";

export function rewriteLoopsToMap(context: PassContext): void {
  for (const analysis of context.functions) {
    for (const plan of analysis.loops ?? []) {
      if (plan.kind === "map") rewriteMap(context, plan, rebindNarrowed(context, analysis.fn, plan.body));
      else if (plan.kind === "poll") {
        const op = analysis.operations.find((o) => o.kind === "waitForCondition" && o.extent === plan.loop);
        if (op) rewritePoll(context, plan, operationName(context, op), rebindNarrowed(context, analysis.fn, plan.check));
      } else if (plan.kind === "promise-map") rewritePromiseMap(context, plan);
      else if (plan.kind === "kept") countIterations(context, plan);
    }
  }
}

function indentOf(node: Node): string {
  const text = node.getSourceFile().getFullText();
  let at = node.getStart();
  while (at > 0 && text[at - 1] !== "\n") at--;
  return /^[ \t]*/.exec(text.slice(at))![0];
}

/**
 * A loop kept sequential counts its iterations, so the operations inside it get
 * iteration-qualified names (operation-name.ts).
 */
function countIterations(context: PassContext, plan: KeptPlan): void {
  const { edits } = context;
  const { count, index } = iterationCounters(context, plan.loop);
  const statement = statementOf(plan.loop);
  const parent = statement.getParent();
  const indent = indentOf(statement);
  if (parent && (Node.isBlock(parent) || Node.isSourceFile(parent) || Node.isCaseClause(parent) || Node.isDefaultClause(parent))) {
    edits.head(statement.getStart(), statement.getEnd(), `let ${count} = 0;\n${indent}`, PASS);
  } else {
    edits.head(statement.getStart(), statement.getEnd(), `{ let ${count} = 0; `, PASS);
    edits.tail(statement.getStart(), statement.getEnd(), " }", PASS);
  }
  const body = (plan.loop as WhileStatement).getStatement();
  if (Node.isBlock(body)) {
    const first = body.getStatements()[0];
    edits.tail(body.getStart(), body.getStart() + 1, `\n${first ? indentOf(first) : `${indent}  `}const ${index} = ${count}++;`, PASS);
  } else {
    edits.head(body.getStart(), body.getEnd(), `{ const ${index} = ${count}++; `, PASS);
    edits.tail(body.getStart(), body.getEnd(), " }", PASS);
  }
}

function mapConfig(context: PassContext, node: Node, name: string, concurrency: Concurrency, tolerate: number | undefined): string {
  const parts: string[] = [];
  if (concurrency !== "unbounded") parts.push(`maxConcurrency: ${concurrency}`);
  parts.push(`itemNamer: (_, i) => ${qualifiedName(context, node, name, "[${i}]")}`);
  if (tolerate !== undefined) parts.push(`completionConfig: { toleratedFailureCount: ${tolerate} }`);
  return `{ ${parts.join(", ")} }`;
}

function identifierFrom(name: string): string {
  const last = name.split("/").pop()!.replace(/#\d+$/, "").replace(/[^\w$]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""));
  return /^[A-Za-z_$][\w$]*$/.test(last) ? last : "items";
}

function rewriteMap(context: PassContext, plan: MapPlan, rebind: Rebinding): void {
  const { edits, names } = context;
  const ctx = names.ctx;
  const key = `map@${plan.loop.getStart()}`;
  const indent = indentOf(plan.statement);
  const body = plan.body;
  const isBlock = Node.isBlock(body);
  const needsBatch = plan.reductions.length > 0 || plan.tolerate !== undefined;
  const batch = needsBatch ? names.unique(key, [`${identifierFrom(plan.name)}Batch`, "batch"]) : "";
  const logs = plan.reductions.map((r) => names.unique(`${key}:${r.variable}`, [`${r.variable}Log`]));
  const result = plan.reductions.length ? `{ ${plan.reductions.map((r, i) => `${r.variable}: ${logs[i]}`).join(", ")} }` : "";

  // Head: `for (const x of xs) ` → `… ctx.map("name", xs, async (ctx, x) => `.
  const mapName = qualifiedName(context, plan.loop, plan.name);
  const open = needsBatch ? `const ${batch} = await ${ctx}.map(${mapName}, ` : `(await ${ctx}.map(${mapName}, `;
  const head = plan.items.head;
  head.forEach((h, i) => {
    let text = h.text;
    if (i === 0) text = open + text;
    if (i === head.length - 1) text += `, ${rebind.open}async (${ctx}, ${plan.items.params}) => ${isBlock ? "" : "{ "}`;
    edits.replace(h.start, h.end, text, PASS);
  });

  // Body: the logs, `continue` → `return`, and the logs returned at the end.
  const declarations = plan.reductions.map((r, i) => `const ${logs[i]}: ${r.elementType}[] = [];`);
  const innerIndent = isBlock ? indentOf((body as Block).getStatements()[0] ?? body) : "";
  if (declarations.length) {
    if (isBlock) edits.tail(body.getStart(), body.getStart() + 1, declarations.map((d) => `\n${innerIndent}${d}`).join(""), PASS);
    else edits.head(body.getStart(), body.getEnd(), `${declarations.join(" ")} `, PASS);
  }
  for (const c of plan.continues) {
    const semicolon = c.getText().endsWith(";") ? ";" : "";
    edits.replace(c.getStart(), c.getEnd(), result ? `return ${result}${semicolon}` : `return${semicolon}`, PASS);
  }
  for (const [i, r] of plan.reductions.entries()) {
    for (const e of r.edits) {
      const text = e.text.replace("{log}", logs[i]!);
      if (e.start === e.end) edits.tail(e.spanStart ?? e.start, e.end, text, PASS);
      else edits.replace(e.start, e.end, text, PASS);
    }
  }
  const config = withConfigEntry(mapConfig(context, plan.loop, plan.name, plan.concurrency, plan.tolerate), mapItemCodec(context, plan));
  let tail = "";
  if (isBlock) {
    if (result) edits.head(body.getEnd() - 1, body.getEnd() - 1, `${innerIndent.slice(indent.length)}return ${result};\n${indent}`, PASS);
  } else tail += result ? ` return ${result}; }` : " }";
  tail += rebind.close;
  if (!needsBatch) tail += `, ${config})).throwIfError();`;
  else {
    tail += `, ${config});`;
    // Items before a failure keep their updates, as the loop's iterations would have: the
    // reductions are applied in index order up to the first item that did not succeed (with
    // `tolerate`, over every item that succeeded), and only then does the failure throw.
    if (plan.reductions.length) {
      const entry = names.unique("reduce:entry", ["entry", "batchEntry"]);
      const value = names.unique("reduce:value", ["value", "logged"]);
      tail += `\n${indent}for (const ${entry} of [...${batch}.all].sort((a, b) => a.index - b.index)) {`;
      tail += `\n${indent}  if (${entry}.status !== "SUCCEEDED") ${plan.tolerate !== undefined ? "continue" : "break"};`;
      for (const r of plan.reductions) {
        const logged = `${entry}.result!.${r.variable}`;
        if (r.into) tail += `\n${indent}  ${names.unique(`map@${r.into.loop.getStart()}:${r.variable}`, [`${r.variable}Log`])}.push(...${logged});`;
        else if (r.spread) tail += `\n${indent}  ${r.apply.replace("...$x", `...${logged}`)};`;
        else tail += `\n${indent}  for (const ${value} of ${logged}) ${r.apply.replace("$x", value)};`;
      }
      tail += `\n${indent}}`;
    }
    tail += `\n${indent}`;
    tail += plan.tolerate !== undefined ? `if (${batch}.failureCount > ${plan.tolerate}) ${batch}.throwIfError();` : `${batch}.throwIfError();`;
  }
  edits.tail(plan.statement.getStart(), plan.statement.getEnd(), tail, PASS);
}

function rewritePoll(context: PassContext, plan: PollPlan, name: string, rebind: Rebinding): void {
  const { edits, names } = context;
  context.imports.internal = true;
  const delay = plan.delay ? plan.delay.getText() : `"5s"`;
  const open = `await ${names.ctx}.waitForCondition(${name}, ${rebind.open}async () => !!(await `;
  const close = `)${rebind.close}, ${names.internal}.waitForConfig({ initialState: false, until: (done) => done, backoff: { initialDelay: ${delay}, maxAttempts: Infinity } }));`;
  const loop = plan.loop;
  if (plan.firstWait) {
    // do { await sleep(d) } while (!(await check())): the first sleep stays a wait, then the polling.
    const sleep: Statement = plan.firstWait;
    edits.replace(loop.getStart(), sleep.getStart(), "", PASS);
    edits.replace(sleep.getEnd(), plan.check.getStart(), `\n${indentOf(loop)}${open}`, PASS);
  } else edits.replace(loop.getStart(), plan.check.getStart(), open, PASS);
  edits.replace(plan.check.getEnd(), loop.getEnd(), close, PASS);
}

function rewritePromiseMap(context: PassContext, plan: PromiseMapPlan): void {
  const { edits, names } = context;
  const ctx = names.ctx;
  const batch = names.unique("promise-map:batch", ["batch"]);
  const check = plan.tolerate !== undefined ? `${batch}.failureCount > ${plan.tolerate} && ${batch}.throwIfError()` : `${batch}.throwIfError()`;
  const open = `((${batch}) => (${check}, [...${batch}.all].sort((a, b) => a.index - b.index).map((e) => e.result!)))(await ${ctx}.map(${qualifiedName(context, plan.all, plan.name)}, `;
  edits.replace(plan.all.getStart(), plan.receiver.getStart(), open, PASS);
  const callback = plan.callback as ArrowFunction | FunctionExpression;
  edits.replace(plan.receiver.getEnd(), callback.getStart(), ", ", PASS);
  const params = callback.getParameters();
  const paren = callback.getFirstChildByKind(SyntaxKind.OpenParenToken);
  if (paren) edits.tail(paren.getStart(), paren.getEnd(), params.length ? `${ctx}, ` : ctx, PASS);
  else edits.replace(params[0]!.getStart(), params[0]!.getEnd(), `(${ctx}, ${params[0]!.getText()})`, PASS);
  edits.replace(callback.getEnd(), plan.all.getEnd(), `, ${withConfigEntry(mapConfig(context, plan.all, plan.name, plan.concurrency, plan.tolerate), promiseMapCodec(context, plan))}))`, PASS);
}
