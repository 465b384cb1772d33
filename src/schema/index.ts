import { builder } from './builder.js';
import { subgraphSchema } from './subgraph.js';
import './order.js';
import './order-event.js';
import './order-payload.js';
import './collection.js';
import './payout.js';
import './balance.js';
import './transactions.js';
import './catalogs.js';
import './sandbox.js';
import './subscriptions.js';
import './webhook.js';

builder.queryType({ description: 'Every field needs a token (Authorization: Bearer …); most need a scope too.' });
builder.mutationType({});

// An Apollo Federation v2 subgraph (subgraph.ts): its @link names the federation directives it uses.
export const schema = subgraphSchema(
  builder.toSchema({
    sortSchema: false,
    extensions: { directives: [{ name: 'link', args: { url: 'https://specs.apollo.dev/federation/v2.6', import: ['@key'] } }] },
  }),
);
