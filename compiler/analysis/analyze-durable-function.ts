import { Node, SyntaxKind, type CallExpression, type Expression, type NewExpression, type SourceFile, type ts } from "../project/ts-morph.js";
import { wrap } from "./compiler-nodes.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { assignStableNames } from "../naming/stable-names.js";
import { CallClassifier, type CallClass } from "./classify-call.js";
import { loc, type DurableFunction } from "./discover.js";
import { analyzeLoops, isConcurrentBody, matchPollingLoop, type LoopPlan } from "./loops.js";
import { analyzeInputs } from "./inputs.js";
import type { InputSchema } from "./zod-schema.js";
import { EffectPlanner, type EffectPlan, type KeyPlacement } from "./effect-options.js";
import { fetchIdempotencyHeader } from "../project/config.js";
import { awaitedType } from "./serializable.js";
import { analyzeResultType, type TypeDescriptor } from "./type-descriptor.js";
import { isThenable } from "./thenable.js";

export type OperationKind = "step" | "wait" | "waitForCallback" | "createCallback" | "waitForCondition" | "invoke" | "childContext";

/** One durable operation the compiler will emit, planned on the unmodified program. */
export interface PlannedOperation {
  fn: DurableFunction;
  kind: OperationKind;
  call: CallExpression | NewExpression;
  classification: CallClass;
  label: string;
  explicitName?: string;
  /** Stable name (LANGUAGE §4), assigned after the walk. */
  name: string;
  /** A synchronous read or effect: the rewrite adds `await` around the step. */
  needsAwait: boolean;
  /** Static options, for the manifest. */
  options: Record<string, unknown>;
  /**
   * What goes into the step: the call, extended over a chain of synchronous method calls on its
   * result (`randomBytes(8).toString("hex")`), so the step returns plain data.
   */
  extent: Node;
  /** Effects: semantics, retries and where the idempotency key goes (analysis/effect-options.ts). */
  effect?: EffectPlan;
  /** The result's codec, when JSON alone does not round-trip it (analysis/type-descriptor.ts). */
  codec?: TypeDescriptor;
  /** Explicit `step()`: the effects in its body that take an idempotency key, in source order. */
  keyedCalls?: KeyedCall[];
  /** `waitForCallback<T>` / `createCallback<T>`: the schema its payload is validated against (analysis/inputs.ts). */
  payloadSchema?: InputSchema;
}

/** An effect inside an explicit step body whose key comes from the step's key and `site`. */
export interface KeyedCall {
  call: CallExpression;
  placement: KeyPlacement;
  /** Stable within the step body: the callee, and an ordinal when it repeats (`charge`, `charge#2`). */
  site: string;
}

export interface FunctionAnalysis {
  fn: DurableFunction;
  operations: PlannedOperation[];
  diagnostics: Diagnostic[];
  /** Loops, polling loops and concurrent branches with durable operations (analysis/loops.ts). */
  loops?: LoopPlan[];
  /** An entry's event schema (analysis/inputs.ts): what its handler validates and the manifest lists. */
  eventSchema?: InputSchema;
}

type Mode = { kind: "body" } | { kind: "nested" } | { kind: "step"; fn: Node; step?: PlannedOperation };

const FUNCTION_KINDS = new Set([SyntaxKind.ArrowFunction, SyntaxKind.FunctionExpression, SyntaxKind.FunctionDeclaration, SyntaxKind.MethodDeclaration, SyntaxKind.GetAccessor, SyntaxKind.SetAccessor, SyntaxKind.Constructor]);
/** Expressions that can assign a variable (`x = …`, `x++`): checked inside step bodies. */
const ASSIGNMENT_KINDS = new Set([SyntaxKind.BinaryExpression, SyntaxKind.PrefixUnaryExpression, SyntaxKind.PostfixUnaryExpression]);

/**
 * Walks one durable function's body: plans an operation for every durable operation, read and
 * effect in the function's own body, and reports what would break on replay (LANGUAGE §5).
 */
export function analyzeDurableFunction(fn: DurableFunction, classifier: CallClassifier): FunctionAnalysis {
  const file = fn.sourceFile;
  const operations: PlannedOperation[] = [];
  const diagnostics: Diagnostic[] = [];
  const reportedModuleState = new Set<string>();
  const effects = new EffectPlanner(classifier.config.retry, fetchIdempotencyHeader(classifier.config));
  const body = fn.node.getBody();
  if (!body) {
    const { eventSchema } = analyzeInputs(fn, operations);
    return { fn, operations, diagnostics, ...(eventSchema ? { eventSchema } : {}) };
  }

  const plan = (call: CallExpression | NewExpression, kind: OperationKind, c: CallClass, extra: Partial<PlannedOperation> = {}) => {
    operations.push({ fn, kind, call, classification: c, label: c.label, name: "", needsAwait: false, options: {}, extent: call, ...extra });
  };

  const visit = (node: Node, mode: Mode): void => {
    if (FUNCTION_KINDS.has(node.getKind()) && node !== fn.node) {
      // Callbacks that the loop rewrite gives their own context are compiled like the body.
      const next: Mode = mode.kind === "body" && !isConcurrentBody(node) ? { kind: "nested" } : mode;
      visitChildren(node, next);
      return;
    }
    if (Node.isIdentifier(node)) checkModuleState(node, mode);
    if (mode.kind === "step") checkCapturedAssignment(node, mode.fn);
    if (mode.kind === "body") {
      // A polling loop becomes one waitForCondition whose check is the loop's condition.
      const poll = matchPollingLoop(node, classifier);
      if (poll) {
        if (Node.isDoStatement(node)) visit(node.getStatement(), mode);
        plan(poll.check, "waitForCondition", poll.classification, { extent: node });
        poll.check.getArguments().forEach((a) => visit(a, { kind: "step", fn: node }));
        return;
      }
    }
    if (Node.isCallExpression(node) || Node.isNewExpression(node)) {
      const c = classifier.classify(node);
      if (handleCall(node, c, mode)) return;
    }
    visitChildren(node, mode);
  };

  /** Whether `visit` does anything with a node of this kind in `mode` but visit its children. */
  const actsOn = (node: ts.Node, mode: Mode): boolean => {
    const kind = node.kind;
    if (FUNCTION_KINDS.has(kind) || kind === SyntaxKind.CallExpression || kind === SyntaxKind.NewExpression) return true;
    if (kind === SyntaxKind.Identifier) return variables.has((node as ts.Identifier).text);
    if (mode.kind === "step") return ASSIGNMENT_KINDS.has(kind);
    return mode.kind === "body" && (kind === SyntaxKind.WhileStatement || kind === SyntaxKind.DoStatement);
  };

  /** Visits the children of `node`, passing through the nodes `visit` has nothing to do with without wrapping them. */
  const visitChildren = (node: Node, mode: Mode): void => {
    const walk = (child: ts.Node): void => {
      if (actsOn(child, mode)) visit(wrap(file, child), mode);
      else child.forEachChild(walk);
    };
    node.compilerNode.forEachChild(walk);
  };

  /** Returns true when the call's children were handled (or must not be visited). */
  const handleCall = (call: CallExpression | NewExpression, c: CallClass, mode: Mode): boolean => {
    const calleeNode = call.getExpression();
    if (c.kind === "timer-callback") {
      diagnostics.push(createDiagnostic("TimerCallbackInDurableCode", { callee: c.label }, loc(file, calleeNode)));
      return false;
    }
    const isOp = c.kind === "intrinsic" || c.kind === "durable-call" || c.kind === "timer-wait";
    if (mode.kind === "step" && isOp) {
      diagnostics.push(createDiagnostic("DurableOperationInStep", { callee: c.label }, loc(file, calleeNode)));
      return false;
    }
    if (mode.kind === "nested") {
      if (isOp) diagnostics.push(createDiagnostic("DurableOperationInNestedFunction", { callee: c.label }, loc(file, calleeNode)));
      else if (c.kind === "nondeterministic" || c.kind === "effect") {
        diagnostics.push(createDiagnostic("EffectInNestedFunction", { callee: c.label }, loc(file, calleeNode)));
      }
      return false;
    }
    if (mode.kind === "step") {
      if (mode.step && c.kind === "effect" && Node.isCallExpression(call)) keyCallInStep(call, c.label, mode.step);
      return false;
    }
    // The durable function's own body.
    switch (c.kind) {
      case "nondeterministic":
      case "effect": {
        const isPromise = c.kind === "effect" && isThenable(call.getType().compilerType);
        const extent = isPromise || Node.isNewExpression(call) ? call : methodChainExtent(call);
        plan(call, "step", c, { needsAwait: !isPromise, extent });
        if (c.kind === "effect") operations[operations.length - 1]!.effect = effects.plan(call, c.label, diagnostics);
        checkResult(extent as CallExpression, c.label, isPromise);
        return true; // arguments and chained calls run inside the step
      }
      case "timer-wait":
        plan(call, "wait", c);
        return true;
      case "durable-call":
        plan(call, "childContext", c);
        checkResult(call, c.label, true);
        return false;
      case "intrinsic":
        return handleIntrinsic(call as CallExpression, c);
      default:
        return false;
    }
  };

  const handleIntrinsic = (call: CallExpression, c: Extract<CallClass, { kind: "intrinsic" }>): boolean => {
    const args = call.getArguments();
    const visitArg = (i: number, mode: Mode) => {
      const a = args[i];
      if (a) visit(a, mode);
    };
    const asStepBody = (i: number, step?: PlannedOperation) => {
      const a = args[i];
      if (a && (Node.isArrowFunction(a) || Node.isFunctionExpression(a))) visitChildren(a, { kind: "step", fn: a, ...(step ? { step } : {}) });
      else visitArg(i, { kind: "body" });
    };
    switch (c.intrinsic) {
      case "sleep":
        plan(call, "wait", c, { options: staticOptions({ duration: args[0] }) });
        visitArg(0, { kind: "body" });
        return true;
      case "step": {
        const nameArg = args[0];
        let explicitName: string | undefined;
        if (nameArg && (Node.isStringLiteral(nameArg) || Node.isNoSubstitutionTemplateLiteral(nameArg))) explicitName = nameArg.getLiteralValue();
        else diagnostics.push(createDiagnostic("DynamicStepName", {}, loc(file, nameArg ?? call.getExpression())));
        plan(call, "step", c, { ...(explicitName !== undefined ? { explicitName } : { explicitName: "<dynamic>" }), options: staticOptions({ options: args[2] }) });
        checkResult(call, explicitName ?? "step", true);
        asStepBody(1, operations[operations.length - 1]);
        visitArg(2, { kind: "body" });
        return true;
      }
      case "waitForCallback":
      case "createCallback": {
        const optionsArg = args[c.intrinsic === "waitForCallback" ? 1 : 0];
        if (!hasTimeout(optionsArg)) diagnostics.push(createDiagnostic("CallbackWithoutTimeout", { callee: c.intrinsic }, loc(file, call.getExpression())));
        plan(call, c.intrinsic, c, { options: staticOptions({ options: optionsArg }) });
        if (c.intrinsic === "waitForCallback") {
          asStepBody(0);
          visitArg(1, { kind: "body" });
        } else visitArg(0, { kind: "body" });
        return true;
      }
      case "waitFor":
        plan(call, "waitForCondition", c, { options: staticOptions({ options: args[1] }) });
        asStepBody(0);
        visitArg(1, { kind: "body" });
        return true;
      case "invoke":
        plan(call, "invoke", c, { options: staticOptions({ functionName: args[0] }) });
        visitArg(0, { kind: "body" });
        visitArg(1, { kind: "body" });
        return true;
    }
  };

  const keyCallInStep = (call: CallExpression, label: string, step: PlannedOperation) => {
    const key = effects.keyInStepBody(call, label, diagnostics);
    if (!key) return;
    const calls = (step.keyedCalls ??= []);
    const repeats = calls.filter((k) => k.site === label || k.site.startsWith(`${label}#`)).length;
    calls.push({ call, placement: key.placement, site: repeats ? `${label}#${repeats + 1}` : label });
  };

  const checkResult = (call: CallExpression | NewExpression, operation: string, isPromise: boolean) => {
    if (Node.isNewExpression(call)) return; // `new Date()` is checkpointed as a number
    const type = isPromise ? awaitedType(call.getType()) : call.getType();
    const result = analyzeResultType(type, call);
    const op = operations[operations.length - 1];
    if (op && result.descriptor !== 0) op.codec = result.descriptor;
    const at = loc(file, call.getExpression());
    if (result.untyped) diagnostics.push(createDiagnostic("UntypedResult", { operation, type: type.getText() }, at));
    const problem = result.problem;
    if (!problem) return;
    if (problem.lossy) diagnostics.push(createDiagnostic("LossyResult", { operation, path: problem.path, kind: problem.kind, becomes: problem.becomes ?? "something else" }, at));
    else diagnostics.push(createDiagnostic("UnserializableResult", { operation, path: problem.path, kind: problem.kind }, at));
  };

  const variables = moduleVariableNames(file);
  const checkModuleState = (id: Node, _mode: Mode) => {
    if (!Node.isIdentifier(id) || !variables.has(id.compilerNode.text)) return;
    const parent = id.getParent();
    if (parent && Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return;
    if (parent && (Node.isPropertyAssignment(parent) || Node.isPropertySignature(parent)) && parent.getNameNode() === id) return;
    const decl = id.getSymbol()?.getDeclarations()[0];
    if (!decl || !Node.isVariableDeclaration(decl)) return;
    const statement = decl.getVariableStatement();
    if (!statement || statement.getParent() !== decl.getSourceFile() || decl.getSourceFile() !== file) return;
    // A const binding cannot be reassigned, but the object it holds can be changed in place.
    if (statement.getDeclarationKind() === "const" && !isWrite(id) && !isMutatingCall(id)) return;
    const name = id.getText();
    if (reportedModuleState.has(name)) return;
    reportedModuleState.add(name);
    diagnostics.push(createDiagnostic("ModuleStateInDurableCode", { access: isWrite(id) || isMutatingCall(id) ? "writes" : "reads", name }, loc(file, id)));
  };

  const checkCapturedAssignment = (node: Node, stepFn: Node) => {
    const target = assignmentTarget(node);
    if (!target) return;
    const decl = target.getSymbol()?.getDeclarations()[0];
    if (!decl || decl.getSourceFile() !== file) return;
    if (decl.getPos() >= stepFn.getPos() && decl.getEnd() <= stepFn.getEnd()) return;
    if (Node.isVariableDeclaration(decl) && decl.getVariableStatement()?.getParent() === file) return; // DUR1002
    diagnostics.push(createDiagnostic("CapturedAssignmentInStep", { name: target.getText() }, loc(file, target)));
  };

  visit(body, { kind: "body" });

  const inputs = analyzeInputs(fn, operations);
  diagnostics.push(...inputs.diagnostics);
  const names = assignStableNames(
    fn.name,
    operations.map((o) => ({ label: o.label, ...(o.explicitName !== undefined ? { explicitName: o.explicitName } : {}) })),
  );
  operations.forEach((o, i) => {
    const assigned = names[i]!;
    o.name = assigned.name;
    if (assigned.duplicateExplicit) {
      diagnostics.push(createDiagnostic("DuplicateStepName", { name: o.explicitName!, function: fn.name, unique: o.name }, loc(file, o.call.getArguments()[0]!)));
    }
  });
  const loops = analyzeLoops(fn, operations, { defaultConcurrency: classifier.config.loops?.concurrency ?? 1 });
  diagnostics.push(...loops.diagnostics);
  return { fn, operations, diagnostics, loops: loops.plans, ...(inputs.eventSchema ? { eventSchema: inputs.eventSchema } : {}) };
}

/**
 * Names of the file's module-level variables: module state is a variable declared by a top-level
 * statement of the same file, so an identifier with another name needs no symbol lookup.
 */
function moduleVariableNames(file: SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of file.compilerNode.statements) {
    if (statement.kind !== SyntaxKind.VariableStatement) continue;
    for (const d of (statement as { declarationList?: { declarations?: readonly { name: { kind: SyntaxKind; text?: string } }[] } }).declarationList?.declarations ?? []) {
      if (d.name.kind === SyntaxKind.Identifier && d.name.text !== undefined) names.add(d.name.text);
    }
  }
  return names;
}

/**
 * `a().b().c` → the outermost synchronous member access or method call of the chain that starts
 * at `call`, so a read like `randomBytes(8).toString("hex")` is checkpointed as its plain result.
 */
function methodChainExtent(call: CallExpression | NewExpression): Node {
  let node: Node = call;
  for (;;) {
    const access = node.getParent();
    if (!access || !Node.isPropertyAccessExpression(access) || access.getExpression() !== node) return node;
    const outer = access.getParent();
    if (outer && Node.isCallExpression(outer) && outer.getExpression() === access) {
      if (isThenable(outer.getType().compilerType)) return node;
      node = outer;
      continue;
    }
    if (outer && assignmentTarget(outer) !== undefined && Node.isBinaryExpression(outer) && outer.getLeft() === access) return node;
    if (access.getType().getCallSignatures().length > 0) return node;
    node = access;
  }
}

/** The identifier a write goes to (`x = …`, `x += …`, `x++`, `x.y = …` → `x`), if any. */
export function assignmentTarget(node: Node): Node | undefined {
  let target: Node | undefined;
  if (Node.isBinaryExpression(node)) {
    const op = node.getOperatorToken().getKind();
    if (op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment) target = node.getLeft();
  } else if (Node.isPrefixUnaryExpression(node) || Node.isPostfixUnaryExpression(node)) {
    const op = node.getOperatorToken();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) target = node.getOperand();
  }
  while (target && (Node.isPropertyAccessExpression(target) || Node.isElementAccessExpression(target) || Node.isParenthesizedExpression(target))) {
    target = target.getExpression();
  }
  return target && Node.isIdentifier(target) ? target : undefined;
}

function isWrite(id: Node): boolean {
  let node: Node = id;
  let parent = node.getParent();
  while (parent && (Node.isPropertyAccessExpression(parent) || Node.isElementAccessExpression(parent)) && parent.getExpression() === node) {
    node = parent;
    parent = node.getParent();
  }
  if (!parent) return false;
  if (Node.isBinaryExpression(parent) && parent.getLeft() === node) {
    const op = parent.getOperatorToken().getKind();
    return op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment;
  }
  return Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent);
}

const MUTATING_METHODS = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "set", "add", "delete", "clear"]);

const CONTAINERS = new Set(["Array", "ReadonlyArray", "Map", "Set", "WeakMap", "WeakSet"]);

/**
 * `x.push(…)`, `x.y.set(…)`: a call that changes an array, Map or Set that `x` holds. (A client's
 * `db.delete(id)` or `redis.set(k, v)` is an effect, not module state: the receiver's type decides.)
 */
function isMutatingCall(id: Node): boolean {
  let node: Node = id;
  let parent = node.getParent();
  while (parent && (Node.isPropertyAccessExpression(parent) || Node.isElementAccessExpression(parent)) && parent.getExpression() === node) {
    const call = parent.getParent();
    if (Node.isPropertyAccessExpression(parent) && call && Node.isCallExpression(call) && call.getExpression() === parent && MUTATING_METHODS.has(parent.getName())) {
      const receiver = parent.getExpression().getType();
      return receiver.isArray() || CONTAINERS.has(receiver.getSymbol()?.getName() ?? "");
    }
    node = parent;
    parent = node.getParent();
  }
  return false;
}

function hasTimeout(options: Node | undefined): boolean {
  if (!options) return false;
  if (Node.isObjectLiteralExpression(options)) {
    return options.getProperties().some((p) => Node.isSpreadAssignment(p) || ((Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) && p.getName() === "timeout"));
  }
  return !!options.getType().getProperty("timeout");
}

/** Literal option values for the manifest (non-literal values are recorded as their source text). */
function staticOptions(values: Record<string, Node | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(values)) {
    if (!node) continue;
    out[key] = literalValue(node as Expression);
  }
  return out;
}

function literalValue(node: Expression): unknown {
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (Node.isTrueLiteral(node)) return true;
  if (Node.isFalseLiteral(node)) return false;
  if (Node.isObjectLiteralExpression(node)) {
    const obj: Record<string, unknown> = {};
    for (const p of node.getProperties()) {
      if (Node.isPropertyAssignment(p)) obj[p.getName()] = literalValue(p.getInitializerOrThrow());
      else obj["…"] = { expression: p.getText() };
    }
    return obj;
  }
  if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) return { expression: "<function>" };
  return { expression: node.getText().replace(/\s+/g, " ") };
}

export function sourceFileOf(fn: DurableFunction): SourceFile {
  return fn.sourceFile;
}
