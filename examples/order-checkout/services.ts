/**
 * Offline fakes of the services a shop calls. They behave like the real ones where it matters:
 * the payment API honours an optional idempotency key (as Stripe and most payment APIs do), and
 * every effect is recorded in a ledger that survives a crash of the worker.
 *
 * `DURABLEC_EXAMPLES_LOSE_FIRST_RESPONSE=payments` makes the payment API lose the response to the
 * first charge of each order (after charging), as a dropped connection would.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { append, dataFile, latency, records } from "../shared/fake-service.js";

export interface ChargeRequest {
  amount: number;
  currency: string;
  source: string;
  description: string;
  /** Charges sent again with the same key return the first charge instead of charging twice. */
  idempotencyKey?: string;
}

export interface Charge {
  id: string;
  amount: number;
  currency: string;
  idempotencyKey?: string;
}

export const payments = {
  async charge(request: ChargeRequest): Promise<Charge> {
    await latency();
    const charge: Charge = {
      id: `ch_${randomUUID().slice(0, 8)}`,
      amount: request.amount,
      currency: request.currency,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    };
    if (request.idempotencyKey) {
      // Claim the key atomically, as a real payment API does: of two requests with one key (a
      // retry racing the attempt it replaces), one charges and the other gets that charge.
      const claim = dataFile("payment-keys", `${request.idempotencyKey.replace(/[^\w-]/g, "_")}.json`);
      const earlier = await claimOnce(claim, charge);
      if (earlier) return earlier;
    }
    const first = !(await records<{ description: string }>("payments")).some((c) => c.description === request.description);
    await append("payments", { ...charge, description: request.description });
    if (first && process.env.DURABLEC_EXAMPLES_LOSE_FIRST_RESPONSE === "payments") {
      // The charge went through; the connection dropped before the answer arrived. The caller
      // retries: with the same idempotency key, it gets this charge back instead of a new one.
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    }
    return charge;
  },
};

/** Stores `value` under `file` unless something is there already; returns what was there. */
async function claimOnce<T>(file: string, value: T): Promise<T | undefined> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}`;
  await writeFile(tmp, JSON.stringify(value));
  try {
    await link(tmp, file);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return JSON.parse(await readFile(file, "utf8")) as T;
  } finally {
    await unlink(tmp);
  }
}

export interface LineItem {
  sku: string;
  quantity: number;
  price: number;
}

/**
 * Takes the items out of stock. The warehouse system has no idempotency key, so a retry could
 * deduct twice: it must run at most once.
 *
 * @atMostOnce
 */
export async function deductInventory(orderId: string, items: LineItem[]): Promise<number> {
  await latency();
  const units = items.reduce((n, item) => n + item.quantity, 0);
  await append("inventory", { orderId, deducted: items.map((i) => ({ sku: i.sku, quantity: i.quantity })) });
  return units;
}

/** Prints a shipping label for one item and returns the parcel's tracking number. */
export async function packItem(orderId: string, item: LineItem): Promise<string> {
  await latency();
  const parcel = `${orderId}/${item.sku}`;
  await append("warehouse", { parcel, quantity: item.quantity });
  return parcel;
}

export async function sendEmail(to: string, subject: string): Promise<void> {
  await latency();
  await append("outbox", { to, subject });
}
