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
let token: string;
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
  // As `npm start` prints it: a browser token that may run trusted documents only.
  token = await t.token(await t.addMerchant('M-DEMO-1'), ['collections:write', 'orders:read'], { trustedDocumentsOnly: true });
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
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql') && request.method() === 'POST') graphqlPosts.push(JSON.parse(request.postData() ?? '{}'));
    });

    await page.goto(`${t.gateway.url}/demo?token=${token}`);
    expect(page.url()).not.toContain('token=');
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
    // Nothing polled the order: the POSTs were the methods, the collection and the settle mutation,
    // each by its trusted document's hash and never as text.
    const names = ['DemoPaymentMethods', 'DemoCreateCollection', 'DemoSimulatePayment'];
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
    await page.screenshot({ path: `${ARTIFACTS}/demo-paid.png`, fullPage: true });
    await page.close();
  });

  it('loses the network while the order is paid, reconnects with back-off once back online and shows the final state', async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const sockets: number[] = [];
    page.on('websocket', () => sockets.push(Date.now()));
    await page.goto(`${t.gateway.url}/demo?token=${token}`);
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
    await page.goto(`${t.gateway.url}/demo?token=${token}`);
    await expect.poll(() => page.locator('#method option[value="BANK_BCA"]').count()).toBe(1);
    await page.selectOption('#method', 'BANK_BCA');
    await page.click('#create');
    await page.locator('#va-number').waitFor();
    expect(await page.textContent('#va-number')).toMatch(/^\d{8,}$/);
    await expect.poll(() => page.locator('#status').getAttribute('data-status')).toBe('CREATED');
    await page.screenshot({ path: `${ARTIFACTS}/demo-bank-va.png`, fullPage: true });
    await page.close();
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
    for (const name of ['DemoPaymentMethods', 'DemoCreateCollection', 'DemoOrderUpdated', 'DemoSimulatePayment'])
      expect(operations[name]).toBe(shippedHash(name));
  });
});
