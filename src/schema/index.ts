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
import './webhook.js';

builder.queryType({ description: 'Every field needs a token (Authorization: Bearer …); most need a scope too.' });
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: false });
