import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMerchantServer } from '../../examples/merchant-server.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let token: string;
let shop: { url: string; server: Server };
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  profile = await mkdtemp(join(tmpdir(), 'tpg-chromium-'));
  [t, context] = await Promise.all([
    startTestGateway(),
    chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] }),
  ]);
  token = await t.token(await t.addMerchant('M-SHOP-1'), ['collections:write', 'orders:read']);
  shop = await startMerchantServer({ gatewayUrl: t.gateway.url, token });
});
afterAll(async () => {
  shop?.server.close();
  await context?.close();
  await t?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('examples/merchant-server.ts and checkout-page.html', () => {
  it('the server creates the order; the page follows it over graphql-ws with the client secret only', async () => {
    const page = await context.newPage();
    const seen: string[] = [];
    page.on('request', (request) => seen.push(request.url(), JSON.stringify(request.headers()), request.postData() ?? ''));
    page.on('response', async (response) => seen.push(await response.text().catch(() => '')));
    page.on('websocket', (socket) => socket.on('framesent', (frame) => seen.push(String(frame.payload))));
    await page.goto(shop.url);
    await page.click('#pay');
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('CREATED');
    expect(JSON.parse((await page.textContent('#how-to-pay'))!)).toMatchObject({ amount: '150000', method: 'QRIS', payData: expect.stringMatching(/^000201/) });

    // The payer pays (here: the sandbox, asked by the merchant's back office).
    const orderId = /"orderId":"([^"]+)"/.exec(seen.join('\n'))![1]!;
    await t.graphql(token, 'mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: SUCCEEDED) { userErrors { code } } }', { id: orderId });
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('SUCCEEDED');

    const everything = seen.join('\n');
    expect(everything).toMatch(/"authorization":"Bearer tpcs_[A-Za-z0-9_-]{43}"/);
    expect(everything).not.toContain(token);
  }, 30_000);
});
