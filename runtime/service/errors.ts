/** Why a runtime request was refused. Surfaces (CLI, HTTP) map codes to exit codes and statuses. */
export type RuntimeErrorCode =
  | "INVALID_INPUT"
  | "PAYLOAD_TOO_LARGE"
  | "EXECUTION_NOT_FOUND"
  | "EXECUTION_NAME_CONFLICT"
  | "EXECUTION_NOT_RUNNING"
  | "CALLBACK_NOT_FOUND"
  | "CALLBACK_ALREADY_COMPLETED"
  | "HANDLER_NOT_REGISTERED"
  | "STORE_CORRUPT"
  | "STORE_LOCKED"
  | "STORE_TOO_NEW";

/**
 * A request the runtime refused. Nothing was stored for it.
 *
 * @example
 * try { rt.sendCallbackSuccess(id, "{}"); }
 * catch (e) { if (e instanceof RuntimeError && e.code === "CALLBACK_ALREADY_COMPLETED") … }
 */
export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    /** For an input refused by its entry's schema: every problem, where and what. */
    readonly problems?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

export const MAX_OPERATION_PAYLOAD_BYTES = 256 * 1024;
export const MAX_EXECUTION_RESULT_BYTES = 6 * 1024 * 1024;
export const MAX_ERROR_BYTES = 32 * 1024;
export const MAX_INPUT_BYTES = 1024 * 1024;

export function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
