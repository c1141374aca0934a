import { Node, SyntaxKind, type ArrowFunction, type FunctionExpression } from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { assignmentTarget } from "./analyze-durable-function.js";
import type { CallClassifier } from "./classify-call.js";
import { loc, type HandwrittenHandler } from "./discover.js";

type Mode =
  | { kind: "orchestration"; current: string; all: Set<string> }
  | { kind: "step"; fn: Node; all: Set<string>; where: string };

/** Methods whose function argument runs inside a step (no durable ops, closures not restored). */
const STEP_LIKE = new Set(["step", "waitForCondition", "waitForCallback"]);
/** Methods whose function argument receives a new child context. */
const CHILD_LIKE = new Set(["runInChildContext", "map", "parallel"]);

/**
 * The checks of LANGUAGE §5 on a handwritten `withDurableExecution` handler: nondeterminism
 * outside steps, durable operations nested in step bodies, closure mutation in step bodies, and a
 * parent context used inside a child context or step.
 */
export function checkHandwrittenHandler(h: HandwrittenHandler, classifier: CallClassifier): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const file = h.sourceFile;
  const ctxParam = h.handler.getParameters()[1]?.getNameNode();
  if (!ctxParam || !Node.isIdentifier(ctxParam)) return diagnostics;
  const root = ctxParam.getText();

  const visitFunctionArg = (arg: Node, mode: Mode) => {
    if (!(Node.isArrowFunction(arg) || Node.isFunctionExpression(arg))) {
      visit(arg, mode);
      return;
    }
    arg.forEachChild((child) => visit(child, mode));
  };

  const childMode = (fn: ArrowFunction | FunctionExpression, mode: Mode): Mode => {
    const p = fn.getParameters()[0]?.getNameNode();
    const name = p && Node.isIdentifier(p) ? p.getText() : "";
    return { kind: "orchestration", current: name, all: new Set([...mode.all, name]) };
  };

  const visit = (node: Node, mode: Mode): void => {
    if (mode.kind === "step") {
      const target = assignmentTarget(node);
      if (target) {
        const decl = target.getSymbol()?.getDeclarations()[0];
        if (decl && decl.getSourceFile() === file && !(decl.getPos() >= mode.fn.getPos() && decl.getEnd() <= mode.fn.getEnd())) {
          diagnostics.push(createDiagnostic("CapturedAssignmentInStep", { name: target.getText() }, loc(file, target)));
        }
      }
    }
    if (Node.isCallExpression(node)) {
      const callee = node.getExpression();
      if (Node.isPropertyAccessExpression(callee) && Node.isIdentifier(callee.getExpression()) && mode.all.has(callee.getExpression().getText())) {
        const ctxName = callee.getExpression().getText();
        const method = callee.getName();
        if (mode.kind === "step") {
          diagnostics.push(createDiagnostic("DurableOperationInStep", { callee: `${ctxName}.${method}` }, loc(file, callee)));
        } else if (ctxName !== mode.current && method !== "logger") {
          diagnostics.push(
            createDiagnostic("ParentContextInChild", { name: ctxName, where: "a child context", inner: mode.current }, loc(file, callee.getExpression())),
          );
        }
        for (const arg of node.getArguments()) {
          if (STEP_LIKE.has(method) && (Node.isArrowFunction(arg) || Node.isFunctionExpression(arg))) {
            visitFunctionArg(arg, { kind: "step", fn: arg, all: mode.all, where: `a ${method} body` });
          } else if (CHILD_LIKE.has(method) && (Node.isArrowFunction(arg) || Node.isFunctionExpression(arg))) {
            visitFunctionArg(arg, childMode(arg, mode));
          } else if (method === "parallel" && Node.isArrayLiteralExpression(arg)) {
            for (const el of arg.getElements()) {
              // A branch is a function or `{ name, func }`.
              const func = Node.isObjectLiteralExpression(el) ? el.getProperty("func") : undefined;
              const fn = func && Node.isPropertyAssignment(func) ? func.getInitializer() : el;
              if (fn && (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))) visitFunctionArg(fn, childMode(fn, mode));
              else visit(el, mode);
            }
          } else visit(arg, mode);
        }
        return;
      }
      if (mode.kind === "orchestration") {
        const c = classifier.classify(node);
        if (c.kind === "nondeterministic") {
          diagnostics.push(createDiagnostic("NondeterminismOutsideStep", { callee: c.label }, loc(file, callee)));
        } else if (c.kind === "effect" && node.getParentIfKind(SyntaxKind.AwaitExpression)) {
          diagnostics.push(createDiagnostic("EffectOutsideStep", { callee: c.label }, loc(file, callee)));
        } else if (c.kind === "timer-callback") {
          diagnostics.push(createDiagnostic("TimerCallbackInDurableCode", { callee: c.label }, loc(file, callee)));
        }
      }
    } else if (Node.isNewExpression(node) && mode.kind === "orchestration") {
      const c = classifier.classify(node);
      if (c.kind === "nondeterministic") diagnostics.push(createDiagnostic("NondeterminismOutsideStep", { callee: c.label }, loc(file, node.getExpression())));
    }
    node.forEachChild((child) => visit(child, mode));
  };

  h.handler.getBody().forEachChild((child) => visit(child, { kind: "orchestration", current: root, all: new Set([root]) }));
  return diagnostics;
}
