/**
 * Offline fakes of the services a shop calls. They behave like the real ones where it matters:
 * the payment API honours an optional idempotency key (as Stripe and most payment APIs do), and
 * every effect is recorded in a ledger that survives a crash of the worker.
 */
import { randomUUID } from "node:crypto";
import { append, latency, records } from "../shared/fake-service.js";

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
    if (request.idempotencyKey) {
      const earlier = (await records<Charge>("payments")).find((c) => c.idempotencyKey === request.idempotencyKey);
      if (earlier) return earlier;
    }
    const charge: Charge = {
      id: `ch_${randomUUID().slice(0, 8)}`,
      amount: request.amount,
      currency: request.currency,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    };
    await append("payments", { ...charge, description: request.description });
    return charge;
  },
};

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
