import { builder } from './builder.js';
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

builder.queryType({ description: 'Every field needs a token (Authorization: Bearer …); most need a scope too.' });
builder.mutationType({});

// An Apollo Federation v2 subgraph: Query._entities and Query._service beside the API's own fields.
export const schema = builder.toSubGraphSchema({ sortSchema: false, linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
