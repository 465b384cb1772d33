import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, postCallback } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { recordingLogger } from '../helpers/logs.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, REFRESH, SETTLE, collectionInput, payoutInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

const platformKey = PrivateKey.generate();
let t: TestGateway;
let merchant: Merchant;
let token: string;
const responses: string[] = [];

beforeAll(async () => {
  t = await startTestGateway({ sandbox: { platformPrivateKey: platformKey.revealHex() }, env: { LOG_LEVEL: 'debug' } });
  merchant = await t.addMerchant('M-SECRETS');
  token = await t.token(merchant);
});
afterAll(() => t.close());

async function record(query: string, variables?: Record<string, unknown>, bearer: string | null = token) {
  const result = await t.graphql(bearer, query, variables);
  responses.push(JSON.stringify(result));
  return result;
}

describe('secrets never leave', () => {
  it('a full flow with errors writes no private key or token to logs or responses', async () => {
    const created = await record(COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order;
    await record(SETTLE, { id: order.id, outcome: 'SUCCEEDED' });
    await record(REFRESH, { id: order.id });
    await record(ORDER, { id: order.id });
    await record(PAYOUT_CREATE, { input: payoutInput({ amount: '999999999999' }) });
    await record(COLLECTION_CREATE, { input: collectionInput({ amount: 'bad' }) });
    await record('{ balance { availableAmount } }', undefined, `${token}x`);
    await record('{ balance { availableAmount } }', undefined, 'tpg_guessed');
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'drop', count: 1 });
    await record(COLLECTION_CREATE, { input: collectionInput() });
    const forged = callbackBody({
      bizType: 1,
      mchNo: merchant.mchNo,
      mchOrderNo: 'X',
      payOrderId: order.platformOrderId,
      orderAmount: '1',
      payAmount: '1',
      fee: '0',
      state: 2,
    });
    await postCallback(t.gateway.url, forged, PrivateKey.generate().sign(forged));
    await waitFor(() => (t.logs.length > 5 ? true : undefined));
    const metrics = await fetch(`${t.gateway.url}/metrics`).then((response) => response.text());

    const secrets = [t.privateKeyOf(merchant).revealHex(), merchant.privateKeyEncrypted, token, token.slice(4), platformKey.revealHex()];
    const everything = [...t.logs, ...responses, metrics].join('\n');
    for (const secret of secrets) expect(everything.includes(secret), `a secret of ${secret.length} chars leaked`).toBe(false);
    expect(everything).toContain(merchant.mchNo); // the haystack is real: it holds what was logged
  });

  it('the logger censors secret fields wherever they appear', () => {
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    const key = PrivateKey.generate();
    logger.info({ privateKey: key.revealHex(), merchant: { privateKey: key.revealHex() }, headers: { authorization: 'Bearer tpg_secret' }, key }, 'oops');
    const line = lines.join('');
    expect(line).not.toContain(key.revealHex());
    expect(line).not.toContain('tpg_secret');
    expect(line).toContain('[redacted]');
  });

  it('tokens are stored as SHA-256 hashes only', async () => {
    const rows = await t.gateway.orm.em.fork().getConnection().execute<Array<Record<string, unknown>>>('select * from api_tokens');
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(token);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(String(row.token_hash)))).toBe(true);
  });
});
