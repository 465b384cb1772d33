/** GraphQL documents the tests send, as a client would. */
export const ORDER_FIELDS = `id kind merchantOrderNo platformOrderId status amount paidAmount fee currency method payUrl payData vaNumber payInstructionsAvailable failureReason upstreamCode needsAttention createdAt updatedAt`;

export const COLLECTION_CREATE = `mutation ($input: CollectionCreateInput!) {
  collectionCreate(input: $input) { order { ${ORDER_FIELDS} } userErrors { field code message upstreamCode } }
}`;

export const PAYOUT_CREATE = `mutation ($input: PayoutCreateInput!) {
  payoutCreate(input: $input) { order { ${ORDER_FIELDS} } userErrors { field code message upstreamCode } }
}`;

export const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} events { status previousStatus source applied } } }`;

export const SETTLE = `mutation ($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) {
  sandboxOrderSettle(id: $id, outcome: $outcome, paidAmount: $paidAmount) { order { ${ORDER_FIELDS} } userErrors { field code message } }
}`;

export const REFRESH = `mutation ($id: ID!) { orderRefresh(id: $id) { order { ${ORDER_FIELDS} events { status source applied } } userErrors { field code message upstreamCode } } }`;

let counter = 0;
export function uniqueOrderNo(prefix = 'T'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

export function collectionInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: '150000',
    method: 'BANK_BCA',
    merchantOrderNo: uniqueOrderNo('C'),
    subject: 'Order 1001',
    description: 'Two items',
    customer: { name: 'Budi Santoso', email: 'budi@example.co.id', phone: '081234567890' },
    ...overrides,
  };
}

export function payoutInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: '250000',
    bankCode: 'BANK_BCA',
    accountNumber: '1234567890',
    accountName: 'Siti Rahayu',
    merchantOrderNo: uniqueOrderNo('P'),
    customer: { email: 'siti@example.co.id', phone: '081298765432' },
    ...overrides,
  };
}

/** A collection as its create answered: what a callback about it names. */
export interface CreatedCollection {
  id: string;
  merchantOrderNo: string;
  platformOrderId: string;
  amount: string;
}

/** `count` collections created one after another through the API, as `token`'s merchant. */
export async function createCollections(
  gateway: { graphql(token: string, query: string, variables: Record<string, unknown>): Promise<{ data?: any }> },
  token: string,
  count: number,
): Promise<CreatedCollection[]> {
  const orders: CreatedCollection[] = [];
  for (let index = 0; index < count; index++) {
    orders.push((await gateway.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order as CreatedCollection);
  }
  return orders;
}
