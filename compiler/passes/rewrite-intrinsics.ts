/**
 * The authoring intrinsics become their SDK operations. Only callees and argument heads/tails
 * are edited, so rewrites inside the arguments compose.
 *
 *   await sleep("24h")                       →  await ctx.wait("f/sleep", durablec.toDuration("24h"))
 *   await step("charge", () => pay(), o)     →  await ctx.step("charge", () => pay(), durablec.stepConfig(o))
 *   await waitForCallback<T>(send, o)        →  await ctx.waitForCallback<T>("f/waitForCallback", send, durablec.callbackConfig(o))
 *   await createCallback<T>(o)               →  await ctx.createCallback<T>("f/createCallback", durablec.callbackConfig(o))
 *   await waitFor(check, o)                  →  await ctx.waitForCondition("f/waitFor", durablec.checkFunction(check), durablec.waitForConfig(o))
 *   await invoke<O>("fn:live", input)        →  await ctx.invoke<unknown, O>("f/invoke", "fn:live", input)
 */
import { Node, SyntaxKind, type CallExpression } from "../project/ts-morph.js";
import type { EditSet } from "../edits/edit-set.js";
import { operationName } from "./operation-name.js";
import { openParenOf, operationsOf, str, type PassContext } from "./pass-context.js";

const PASS = "rewrite-intrinsics";

export function rewriteIntrinsics(context: PassContext): void {
  const { edits, names } = context;
  for (const op of operationsOf(context)) {
    if (op.classification.kind !== "intrinsic") continue;
    const call = op.call as CallExpression;
    const callee = call.getExpression();
    const args = call.getArguments();
    const ctx = names.ctx;
    const internal = () => {
      context.imports.internal = true;
      return names.internal;
    };
    const replaceCallee = (method: string) => edits.replace(callee.getStart(), callee.getEnd(), `${ctx}.${method}`, PASS);
    /** Inserts the operation name as the first argument. */
    const insertName = () => {
      const paren = openParenOf(call);
      edits.tail(paren.getStart(), paren.getEnd(), `${operationName(context, op)}${args.length ? ", " : ""}`, PASS);
    };
    switch (op.classification.intrinsic) {
      case "sleep":
        replaceCallee("wait");
        insertName();
        wrap(edits, args[0], `${internal()}.toDuration(`, ")");
        break;
      case "step": {
        replaceCallee("step");
        const nameArg = args[0];
        if (nameArg && op.explicitName !== "<dynamic>" && op.name !== op.explicitName) {
          edits.replace(nameArg.getStart(), nameArg.getEnd(), str(op.name), PASS);
        }
        // The result's codec, when JSON alone does not round-trip it (runtime/internal/serdes.ts).
        const codec = op.codec !== undefined ? JSON.stringify(op.codec) : undefined;
        if (args[2]) wrap(edits, args[2], `${internal()}.stepConfig(`, codec ? `, ${codec})` : ")");
        else if (codec) {
          const close = call.getLastChildByKindOrThrow(SyntaxKind.CloseParenToken);
          edits.insert(close.getStart(), `, ${internal()}.stepConfig(undefined, ${codec})`, PASS);
        }
        break;
      }
      case "waitForCallback":
        replaceCallee("waitForCallback");
        insertName();
        wrap(edits, args[1], `${internal()}.callbackConfig(`, ")");
        break;
      case "createCallback":
        replaceCallee("createCallback");
        insertName();
        wrap(edits, args[0], `${internal()}.callbackConfig(`, ")");
        break;
      case "waitFor":
        replaceCallee("waitForCondition");
        insertName();
        wrap(edits, args[0], `${internal()}.checkFunction(`, ")");
        wrap(edits, args[1], `${internal()}.waitForConfig(`, ")");
        break;
      case "invoke": {
        replaceCallee("invoke");
        insertName();
        // durablec's invoke<Output, Input> → the SDK's invoke<Input, Output>.
        const typeArgs = call.getTypeArguments();
        if (typeArgs.length > 0) {
          const output = typeArgs[0]!.getText();
          const input = typeArgs[1]?.getText() ?? "unknown";
          edits.replace(typeArgs[0]!.getStart(), typeArgs[typeArgs.length - 1]!.getEnd(), `${input}, ${output}`, PASS);
        }
        break;
      }
    }
  }
}

function wrap(edits: EditSet, node: Node | undefined, open: string, close: string): void {
  if (!node) return;
  edits.head(node.getStart(), node.getEnd(), open, PASS);
  edits.tail(node.getStart(), node.getEnd(), close, PASS);
}
