/** What GraphiQL opens with in development: a walk from creating a collection to a settled order. */
export const GRAPHIQL_EXAMPLE = `# Welcome to the TarsPay GraphQL gateway.
# 1. Put the token printed by \`npm start\` in the Headers tab: {"Authorization": "Bearer tpg_…"}
# 2. Run CreateCollection, copy order.id, then SettleInSandbox with it, then GetOrder.

mutation CreateCollection {
  collectionCreate(input: {
    amount: "150000"
    method: BANK_BCA
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

# Resume: everything committed after a cursor, then live. Run Latest, put {"after": "<cursor>"}
# in the Variables tab, run Resume, then create and settle an order in another tab. Keep the
# cursor of the last event you saw: Resume from it later misses nothing.
query Latest { latestEventCursor }

subscription Resume($after: String) {
  orderEvents(after: $after) { cursor status previousStatus source createdAt order { id merchantOrderNo status } }
}

query Recent {
  orders(first: 10) { edges { node { id kind status amount method createdAt } } pageInfo { hasNextPage endCursor } }
  balance { availableAmount frozenAmount }
}
`;
