import type { IncomingMessage } from "node:http";

/** Why a request body was refused before it reached the runtime. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body as UTF-8 text, refusing it (413) as soon as its declared or streamed size
 * passes `limit` bytes, so an oversized upload is never buffered whole nor parsed.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body is ${declared} bytes; the limit for this route is ${limit}.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body exceeds the limit for this route (${limit} bytes).`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body (an empty body is `undefined`); malformed JSON is a 400. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, "INVALID_INPUT", `The request body is not valid JSON: ${(e as Error).message}`);
  }
}
