import { it, expect } from 'vitest';
import { startTestGateway } from '/work/main/test/helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '/work/main/test/helpers/operations.js';
it('sse', async () => {
  const t = await startTestGateway();
  const m = await t.addMerchant('M-SSE');
  const token = await t.token(m);
  const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
  const id = created.data!.collectionCreate.order.id;
  const res = await fetch(`${t.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: 'subscription W($id: ID!) { orderUpdated(id: $id) { status } }', variables: { id } }) });
  console.log(res.status, res.headers.get('content-type'));
  const reader = res.body!.getReader();
  const first = await reader.read();
  console.log(new TextDecoder().decode(first.value));
  await reader.cancel();
  const html = await (await fetch(`${t.gateway.url}/graphql`, { headers: { accept: 'text/html' } })).text();
  console.log(html.length, html.includes('Bearer'), html.includes('CreateCollection'), html.includes('unpkg'), html.includes('subscriptionsProtocol'));
  await t.close();
});
