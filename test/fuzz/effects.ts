/**
 * Deterministic effect doubles for generated programs. Each call is logged (name, argument,
 * idempotency key), so the uncompiled source and the compiled handler can be compared call by
 * call. Results depend only on the arguments.
 */

export interface LoggedCall {
  name: string;
  arg: number | null;
  key?: string;
}

export const log: LoggedCall[] = [];

export function resetLog(): void {
  log.length = 0;
}

/** @effectful */
export async function eff(name: string, x: number): Promise<number> {
  log.push({ name, arg: x });
  return (x * 7 + name.length * 3) % 101;
}

/** @effectful */
export async function boom(name: string): Promise<number> {
  log.push({ name, arg: null });
  throw new Error(`${name} failed`);
}

/**
 * Must not run twice for one logical call.
 * @effectful
 * @atMostOnce
 */
export async function once(name: string, x: number): Promise<number> {
  log.push({ name, arg: x });
  return x + 1000;
}

export interface PayRequest {
  amount: number;
  idempotencyKey?: string;
}

/** @effectful */
export async function pay(name: string, req: PayRequest): Promise<number> {
  log.push({ name, arg: req.amount, ...(req.idempotencyKey !== undefined ? { key: req.idempotencyKey } : {}) });
  return req.amount + 1;
}

/** Values the submitters of generated callbacks asked the harness to answer with, by callback id. */
export function callbackAnswers(): Map<string, number> {
  const g = globalThis as { __durablecFuzzCallbacks?: Map<string, number> };
  return (g.__durablecFuzzCallbacks ??= new Map());
}

/**
 * Hands a callback id to "the outside world" (the test harness), which answers it with `value`.
 * @effectful
 */
export async function register(name: string, callbackId: string, value: number): Promise<void> {
  log.push({ name, arg: value });
  callbackAnswers().set(callbackId, value);
}
