import { sleep } from "durablec";
import { deductInventory, packItem, payments, sendEmail, type LineItem } from "./services.js";

export interface Order {
  orderId: string;
  email: string;
  card: string;
  items: LineItem[];
}

export interface Receipt {
  orderId: string;
  transactionId: string;
  chargeId: string;
  total: number;
  units: number;
  parcels: string[];
}

export async function checkout(order: Order): Promise<Receipt> {
  "use durable";
  const transactionId = crypto.randomUUID();
  const total = order.items.reduce((sum, item) => sum + item.price * item.quantity, 0);

  const charge = await payments.charge({
    amount: total,
    currency: "EUR",
    source: order.card,
    description: `order ${order.orderId} (${transactionId})`,
  });
  const units = await deductInventory(order.orderId, order.items);

  const parcels: string[] = [];
  for (const item of order.items) {
    parcels.push(await packItem(order.orderId, item));
  }
  await sendEmail(order.email, `Order ${order.orderId} is on its way`);

  await sleep({ hours: 24 });
  await sendEmail(order.email, `How did you like order ${order.orderId}?`);
  return { orderId: order.orderId, transactionId, chargeId: charge.id, total, units, parcels };
}
