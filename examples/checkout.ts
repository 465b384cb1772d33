/**
 * A collection from creation to "paid", through the typed client:
 *   npm start   (prints a development token)
 *   GATEWAY_URL=http://localhost:4000 TOKEN=tpg_… npx tsx examples/checkout.ts
 * Against the built-in sandbox it settles the order itself; otherwise it waits for the payer.
 */
import WebSocket from 'ws';
import { CreateCollectionDocument, OrderUpdatedDocument, SandboxSettleDocument, type PaymentMethodCode } from '../src/generated/graphql.js';
import { createTarsPayClient } from './typed-client.js';

const token = process.env.TOKEN;
if (!token) throw new Error('set TOKEN to a token with collections:write and orders:read (npm start prints one)');
const client = createTarsPayClient({ url: process.env.GATEWAY_URL ?? 'http://localhost:4000', token, webSocketImpl: WebSocket });

// A wayCode of the PaymentMethodCode enum (the gateway refuses any other): QRIS, BANK_BCA, EWALLET_OVO, …
const method = (process.env.METHOD ?? 'QRIS') as PaymentMethodCode;
const { collectionCreate } = await client.request(CreateCollectionDocument, {
  input: { amount: '150000', method, subject: 'Order 1001', description: 'Two items' },
});
const order = collectionCreate.order;
if (!order || collectionCreate.userErrors.length) throw new Error(JSON.stringify(collectionCreate.userErrors));
console.log(`created ${order.id} (${order.method}): ${order.vaNumber ?? order.payData ?? order.payUrl ?? ''}`);

for await (const { orderUpdated } of client.subscribe(OrderUpdatedDocument, { id: order.id })) {
  console.log(`status ${orderUpdated.status}${orderUpdated.paidAmount ? `, paid ${orderUpdated.paidAmount}` : ''}`);
  if (orderUpdated.status === 'CREATED') {
    const { sandboxOrderSettle } = await client.request(SandboxSettleDocument, { id: order.id, outcome: 'SUCCEEDED' });
    if (sandboxOrderSettle.userErrors.length) console.log(`not the sandbox (${sandboxOrderSettle.userErrors[0]!.code}): waiting for the payer`);
  }
}
await client.close();
