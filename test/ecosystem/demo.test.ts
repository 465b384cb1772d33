import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { persistedQuery, shippedHash } from '../helpers/trusted-documents.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';

let t: TestGateway;
/** The settle mutation's token of the offline test: the merchant's server would hold it. */
let token: string;
/** The token the gateway's demo route creates orders with: it must never reach the browser. */
let merchantToken: string;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the demo checkout test needs Debian's Chromium. Install it with: apt-get update && apt-get install -y chromium`);
  }
  profile = await mkdtemp(join(tmpdir(), 'tpg-chromium-'));
  // A fresh profile directory (playwright passes it as --user-data-dir).
  [t, context] = await Promise.all([
    startTestGateway(),
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 760, height: 1100 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  // As `npm start` sets it up: the demo route's server-side token, limited to DemoCreateCollection.
  const merchant = await t.addMerchant('M-DEMO-1');
  merchantToken = await t.token(merchant, ['collections:write'], { operations: ['DemoCreateCollection'] });
  t.gateway.demo!.merchantToken = merchantToken;
  token = await t.token(merchant, ['collections:write', 'orders:read'], { trustedDocumentsOnly: true });
  await mkdir(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await context?.close();
  await t?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('the demo checkout at /demo, in headless Chromium', () => {
  it('creates a QRIS collection, shows the QR code and flips to "paid" from the subscription', async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    // Every frame the page's graphql-ws socket receives, to prove "paid" came from the subscription.
    const frames: Array<{ type: string; payload?: any }> = [];
    const sent: Array<{ type: string; payload?: any }> = [];
    page.on('websocket', (socket) => {
      socket.on('framereceived', (frame) => frames.push(JSON.parse(String(frame.payload))));
      socket.on('framesent', (frame) => sent.push(JSON.parse(String(frame.payload))));
    });
    const graphqlPosts: Array<Record<string, any>> = [];
    // Everything the browser sends and receives, to look for the merchant token in it.
    const seen: string[] = [];
    const authorizations: string[] = [];
    page.on('request', (request) => {
      seen.push(request.url(), JSON.stringify(request.headers()), request.postData() ?? '');
      if (request.headers().authorization) authorizations.push(request.headers().authorization!);
      if (request.url().endsWith('/graphql') && request.method() === 'POST') graphqlPosts.push(JSON.parse(request.postData() ?? '{}'));
    });
    page.on('response', async (response) => {
      seen.push(JSON.stringify(response.headers()));
      if (response.request().resourceType() === 'fetch') seen.push(await response.text().catch(() => ''));
    });
    page.on('websocket', (socket) => {
      seen.push(socket.url());
      socket.on('framesent', (frame) => seen.push(String(frame.payload)));
      socket.on('framereceived', (frame) => seen.push(String(frame.payload)));
    });

    await page.goto(`${t.gateway.url}/demo`);
    await expect.poll(() => page.locator('#method option[value="QRIS"]').count()).toBe(1);
    expect(await page.locator('#sandbox-badge').isVisible()).toBe(true);
    await page.selectOption('#method', 'QRIS');
    await page.fill('#amount', '150000');
    await page.click('#create');

    await page.locator('#qr svg').waitFor();
    const modules = Number(await page.locator('#qr svg').getAttribute('data-modules'));
    expect(modules).toBeGreaterThanOrEqual(21);
    expect((modules - 17) % 4).toBe(0); // a real QR symbol: 4·version + 17 modules a side
    await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('CREATED');
    expect(await page.textContent('#status')).toBe('waiting for payment');

    await page.click('#simulate');
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toBe('paid');
    expect(await page.locator('#status').getAttribute('data-via')).toBe('subscription');
    expect(await page.locator('#paid-banner').isVisible()).toBe(true);

    const next = frames.filter((frame) => frame.type === 'next').map((frame) => frame.payload.data.orderUpdated.status);
    expect(next).toEqual(['CREATED', 'SUCCEEDED']);
    expect(frames.at(-1)?.type).toBe('complete');
    // Nothing polled the order: the page read it once (how to pay) and settled it, each by its
    // trusted document's hash and never as text. The order was created by the gateway's demo route.
    const names = ['DemoOrder', 'DemoSimulatePayment'];
    expect(graphqlPosts.map((body) => body.operationName)).toEqual(names);
    graphqlPosts.forEach((body, index) => {
      expect(body.query).toBeUndefined();
      expect(body.extensions).toEqual(persistedQuery(shippedHash(names[index]!)).extensions);
    });
    const subscribes = sent.filter((frame) => frame.type === 'subscribe');
    expect(subscribes).toHaveLength(1);
    expect(subscribes[0]!.payload).toEqual({
      query: '',
      operationName: 'DemoOrderUpdated',
      variables: { id: expect.any(String) },
      ...persistedQuery(shippedHash('DemoOrderUpdated')),
    });
    expect(pageErrors).toEqual([]);

    // The browser held the order's client secret, and never a merchant token: not in its URL, its
    // storage, its cookies, its requests (URLs, headers, bodies), the answers it read, or its
    // WebSocket frames.
    const clientSecret = /^Bearer (tpcs_[A-Za-z0-9_-]{43})$/.exec(authorizations[0] ?? '')?.[1];
    expect(clientSecret).toBeDefined();
    expect(new Set(authorizations)).toEqual(new Set([`Bearer ${clientSecret}`]));
    expect(sent.find((frame) => frame.type === 'connection_init')?.payload).toEqual({ authorization: `Bearer ${clientSecret}` });
    const storage = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href, history.length]));
    seen.push(page.url(), storage, JSON.stringify(await context.cookies()));
    const everything = seen.join('\n');
    expect(everything).toContain(clientSecret);
    expect(everything).not.toContain(merchantToken);
    expect(everything).not.toMatch(/tpg_[A-Za-z0-9_-]{20}/);
    await page.screenshot({ path: `${ARTIFACTS}/demo-paid.png`, fullPage: true });
    await page.close();
  });

  it('loses the network while the order is paid, reconnects with back-off once back online and shows the final state', async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const sockets: number[] = [];
    page.on('websocket', () => sockets.push(Date.now()));
    await page.goto(`${t.gateway.url}/demo`);
    await expect.poll(() => page.locator('#method option[value="BANK_BNI"]').count()).toBe(1);
    await page.selectOption('#method', 'BANK_BNI');
    await page.click('#create');
    await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('CREATED');
    const orderId = await page.locator('#payment').getAttribute('data-order-id');

    await context.setOffline(true);
    await expect.poll(() => page.locator('#status').getAttribute('data-connection'), { timeout: 20_000 }).toBe('reconnecting');
    expect(await page.textContent('#connection')).toContain('reconnecting');
    // Paid while the phone is offline: the page cannot hear it.
    const settle = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...persistedQuery(shippedHash('DemoSimulatePayment')), variables: { id: orderId } }),
    });
    expect(((await settle.json()) as { data: any }).data.sandboxOrderSettle.userErrors).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // at least one reconnect attempt fails while offline
    expect(await page.locator('#status').getAttribute('data-status')).toBe('CREATED');

    await context.setOffline(false);
    await expect.poll(() => page.textContent('#status'), { timeout: 20_000 }).toBe('paid');
    expect(await page.locator('#status').getAttribute('data-connection')).toBe('done');
    expect(await page.locator('#paid-banner').isVisible()).toBe(true);
    expect(await page.textContent('#log')).toContain('reconnected: current state from the gateway');
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/demo-resumed.png`, fullPage: true });
    await page.close();
  }, 60_000);

  it('shows the virtual account number for a bank VA collection', async () => {
    const page = await context.newPage();
    await page.goto(`${t.gateway.url}/demo`);
    await expect.poll(() => page.locator('#method option[value="BANK_BCA"]').count()).toBe(1);
    await page.selectOption('#method', 'BANK_BCA');
    await page.click('#create');
    await page.locator('#va-number').waitFor();
    expect(await page.textContent('#va-number')).toMatch(/^\d{8,}$/);
    // One way to write an amount, and the method's name once: "IDR 150.000", "BCA virtual account".
    expect(await page.textContent('#transfer-note')).toMatch(/^Transfer exactly IDR \d{1,3}(\.\d{3})+ to this BCA virtual account:$/);
    expect(await page.textContent('#payment-title')).toMatch(/^Pay IDR \d{1,3}(\.\d{3})+ with BCA virtual account$/);
    await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('CREATED');
    await page.screenshot({ path: `${ARTIFACTS}/demo-bank-va.png`, fullPage: true });
    await page.close();
  });

  it('creates orders server-side only for JSON posts, and answers with the order id and client secret only', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${t.gateway.url}/demo/orders`, { method: 'POST', headers: { 'content-type': type }, body });
    const created = await post(JSON.stringify({ amount: '150000', method: 'QRIS' }));
    expect(created.status).toBe(201);
    const answer = (await created.json()) as Record<string, string>;
    expect(Object.keys(answer).sort()).toEqual(['clientSecret', 'orderId']);
    expect(answer.clientSecret).toMatch(/^tpcs_/);
    expect((await post(JSON.stringify({ amount: '150000', method: 'QRIS' }), 'text/plain')).status).toBe(415);
    expect((await post('{"amount": 1}')).status).toBe(400);
    const refused = await post(JSON.stringify({ amount: '1', method: 'QRIS' }));
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { userErrors: Array<{ code: string }> }).userErrors[0]!.code).toBe('VALIDATION');
  });

  it('serves the page with a strict content security policy and no referrer', async () => {
    const response = await fetch(`${t.gateway.url}/demo`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toContain('data-sandbox="true"');
    expect((await fetch(`${t.gateway.url}/demo/qrcode.js`)).headers.get('content-type')).toContain('javascript');
  });

  it('serves the hashes of its trusted documents, made from the committed manifest', async () => {
    const response = await fetch(`${t.gateway.url}/demo/operations.js`);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const operations = JSON.parse(/Object\.freeze\((\{.*\})\);/.exec(await response.text())![1]!) as Record<string, string>;
    for (const name of ['DemoOrder', 'DemoOrderUpdated', 'DemoSimulatePayment']) expect(operations[name]).toBe(shippedHash(name));
  });
});
