import { sleep } from "durablec";

interface Order { id: string; email: string; items: { sku: string; qty: number }[] }

async function price(sku: string): Promise<number> {
  const res = await fetch(`https://shop.example.com/prices/${sku}`);
  return ((await res.json()) as { cents: number }).cents;
}
async function sendEmail(to: string, text: string): Promise<void> {
  await fetch("https://mail.example.com/send", { method: "POST", body: JSON.stringify({ to, text }) });
}

export async function checkout(order: Order): Promise<{ receipt: string; total: number }> {
  "use durable";
  const receipt = crypto.randomUUID();
  let total = 0;
  for (const item of order.items) {
    total += (await price(item.sku)) * item.qty;
  }
  await sleep({ hours: 24 });
  await sendEmail(order.email, `How was order ${order.id}? Receipt ${receipt}`);
  return { receipt, total };
}
