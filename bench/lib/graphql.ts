/** GraphQL over HTTP as a merchant's backend would send it. */

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export async function graphql<T = any>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as GraphQLAnswer<T>;
  if (answer.errors?.length || !answer.data) throw new Error(`GraphQL error (HTTP ${response.status}): ${JSON.stringify(answer.errors ?? answer)}`);
  return answer.data;
}

export const COLLECTION_CREATE = `mutation CollectionCreate($input: CollectionCreateInput!) {
  collectionCreate(input: $input) {
    order { id merchantOrderNo platformOrderId status amount payUrl vaNumber expiresAt }
    userErrors { field code message }
  }
}`;

export interface CreatedOrder {
  id: string;
  merchantOrderNo: string;
  platformOrderId: string;
  status: string;
  amount: string;
}

export function collectionInput(merchantOrderNo: string): Record<string, unknown> {
  return {
    amount: '150000',
    method: 'BANK_BCA',
    merchantOrderNo,
    subject: 'Order 1001',
    description: 'Two items',
    customer: { name: 'Budi Santoso', email: 'budi@example.co.id', phone: '081234567890' },
  };
}

/** One collectionCreate; throws unless the order came back CREATED. */
export async function createCollection(url: string, token: string, merchantOrderNo: string): Promise<CreatedOrder> {
  const data = await graphql<{ collectionCreate: { order: CreatedOrder | null; userErrors: unknown[] } }>(url, token, COLLECTION_CREATE, {
    input: collectionInput(merchantOrderNo),
  });
  const { order, userErrors } = data.collectionCreate;
  if (!order || userErrors.length || order.status !== 'CREATED') throw new Error(`collectionCreate did not create: ${JSON.stringify(data.collectionCreate)}`);
  return order;
}
