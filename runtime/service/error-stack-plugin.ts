/**
 * An instrumentation plugin of the AWS durable execution SDK (its `DURABLE_EXECUTION_PLUGINS`
 * contract) that hands the errors thrown by steps, child contexts and handlers, with their stacks,
 * to the durablec runtime invoking the handler in this process. The SDK sends the service only an
 * error's type and message; the plugin only looks: errors go on unchanged, and outside a durablec
 * runtime's invocation it does nothing.
 *
 * It imports nothing, so that whichever copy of durablec the SDK loads it from, it reaches the
 * runtime's scope through one process-wide key (see error-stacks.ts).
 */
const SCOPE = Symbol.for("durablec.errorCapture");

interface Scope {
  operationFailed(operationId: string, attempt: number, error: unknown): void;
  executionFailed(error: unknown): void;
}

function scope(): Scope | undefined {
  const storage = (globalThis as Record<symbol, { getStore(): Scope | undefined } | undefined>)[SCOPE];
  return storage?.getStore();
}

export class DurablecErrorStackPlugin {
  /** A step or wait-for-condition attempt that threw (its error, before the SDK turns it into an ErrorObject). */
  onOperationAttemptEnd(info: { id?: string; attempt?: number; outcome?: string; error?: unknown }): void {
    if (info.outcome === "FAILED" && info.id && info.error !== undefined) scope()?.operationFailed(info.id, info.attempt ?? 0, info.error);
  }

  /** A child context (a durable function's call, a map item, a parallel branch) whose function threw. */
  wrapChildContextFn(info: { id?: string; isReplay?: boolean }, next: () => unknown): unknown {
    const result = next();
    if (!info.id || info.isReplay || !result || typeof (result as Promise<unknown>).then !== "function") return result;
    return (result as Promise<unknown>).catch((error: unknown) => {
      scope()?.operationFailed(info.id!, 0, error);
      throw error;
    });
  }

  /** The handler threw: the execution fails with this error. */
  onInvocationEnd(info: { status?: string; executionError?: unknown }): void {
    if (info.status === "FAILED" && info.executionError !== undefined) scope()?.executionFailed(info.executionError);
  }
}

export const durableExecutionPluginProvider = {
  pluginApiVersion: 1,
  pluginType: DurablecErrorStackPlugin,
  createPlugin: () => new DurablecErrorStackPlugin(),
};
