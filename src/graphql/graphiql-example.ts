/** What GraphiQL opens with in development: a walk from creating a collection to a settled order. */
export const GRAPHIQL_EXAMPLE = `# Welcome to the TarsPay GraphQL gateway.
# 1. Put the token printed by \`npm start\` in the Headers tab: {"Authorization": "Bearer tpg_…"}
# 2. Run CreateCollection, copy order.id, then SettleInSandbox with it, then GetOrder.

mutation CreateCollection {
  collectionCreate(input: {
    amount: "150000"
    method: "BANK_BCA"
    subject: "Order 1001"
    description: "Two items"
    customer: { name: "Budi Santoso", email: "budi@example.co.id", phone: "081234567890" }
  }) {
    order { id merchantOrderNo status amount method payUrl vaNumber }
    userErrors { field code message upstreamCode }
  }
}

mutation SettleInSandbox($id: ID!) {
  sandboxOrderSettle(id: $id, outcome: SUCCEEDED) {
    order { id status paidAmount fee }
    userErrors { code message }
  }
}

query GetOrder($id: ID!) {
  order(id: $id) { id status amount paidAmount events { status previousStatus source createdAt } }
}

# Live status: run WatchOrder with the id (it streams), then SettleInSandbox in a second tab.
subscription WatchOrder($id: ID!) {
  orderUpdated(id: $id) { id status paidAmount updatedAt }
}

query Recent {
  orders(first: 10) { edges { node { id kind status amount method createdAt } } pageInfo { hasNextPage endCursor } }
  balance { availableAmount frozenAmount }
}
`;
