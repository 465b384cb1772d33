import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdir } from 'node:fs/promises';
import { parse, validate } from 'graphql';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLE } from '../../src/graphql/graphiql-example.js';
import { schema } from '../../src/schema/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';

describe('GraphiQL in development', () => {
  it('opens with example operations that are valid against the schema', () => {
    const document = parse(GRAPHIQL_EXAMPLE);
    expect(validate(schema, document)).toEqual([]);
    const names = document.definitions.map((definition) => ('name' in definition ? definition.name?.value : undefined));
    expect(names).toEqual(expect.arrayContaining(['CreateCollection', 'SettleInSandbox', 'GetOrder', 'WatchOrder', 'Latest', 'Resume']));
  });
});

describe('GraphiQL in headless Chromium, under its content security policy', () => {
  let t: TestGateway;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the GraphiQL test needs Debian's Chromium. Install it with: apt-get update && apt-get install -y chromium`);
    }
    [t, browser] = await Promise.all([
      startTestGateway(),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      }),
    ]);
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('runs an operation with the token typed in the Headers tab, and keeps the headers out of localStorage', async () => {
    const token = await t.token(await t.addMerchant('M-GRAPHIQL-1'));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    // Works with no network but the gateway's: every file comes from it (no CDN).
    const elsewhere: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(t.gateway.url)) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });
    const response = await page.goto(`${t.gateway.url}/graphql`);
    expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self';");
    await page.locator('.graphiql-container').first().waitFor();

    await page.locator('button[data-name="headers"]').click();
    await page.locator('.graphiql-editor-tool .graphiql-editor:visible').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));

    // Run "Recent" (the example holds several operations: the run button asks which).
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'Recent' }).click();
    await expect.poll(() => page.locator('.graphiql-response').textContent(), { timeout: 15_000 }).toContain('availableAmount');
    expect(await page.locator('.graphiql-response').textContent()).not.toContain('UNAUTHENTICATED');

    const stored: Record<string, string> = await page.evaluate(() => ({ ...localStorage }));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored['graphiql:headers']).toBeUndefined();
    const tabs = (JSON.parse(stored['graphiql:tabState']!) as { tabs: Array<{ headers: string | null }> }).tabs;
    expect(tabs.map((tab) => tab.headers)).toEqual([null]); // the query is kept, the headers are not
    expect(problems).toEqual([]); // CSP violations are console errors: none
    expect(elsewhere).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/graphiql.png` });
    await page.close();
  });

  it("a second visit takes GraphiQL's code from the browser's cache: only the small page is asked for", async () => {
    // Every request of this context carries one request id, which the gateway's access lines repeat: a late
    // request of another test's page is not counted.
    const visitor = 'graphiql-cache-visit';
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-request-id': visitor } });
    const fileRequestsServed = () => t.logs.filter((line) => line.includes('"route":"/graphiql"') && line.includes(`"requestId":"${visitor}"`)).length;
    // Every file the page names, and Monaco's workers (named in its JSON config); waits until each has loaded.
    const visit = async () => {
      const page = await context.newPage();
      const loaded: string[] = [];
      page.on('response', (response) => {
        if (response.status() === 200) loaded.push(response.url().slice(t.gateway.url.length));
      });
      const html = await (await page.goto(`${t.gateway.url}/graphql`))!.text();
      const files = [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((match) => match[1]!);
      const config = JSON.parse(/<script type="application\/json" id="graphiql-config">(.*?)<\/script>/s.exec(html)![1]!) as {
        workers: Record<string, string>;
      };
      const everything = [...files, ...Object.values(config.workers)];
      await expect.poll(() => everything.filter((file) => !loaded.includes(file)), { timeout: 20_000 }).toEqual([]);
      await page.close();
      return { html, files, everything };
    };
    const before = fileRequestsServed();
    const first = await visit();
    expect(Buffer.byteLength(first.html)).toBeLessThan(8 * 1024); // was ~9 MB with everything inlined
    expect(first.files.length).toBeGreaterThanOrEqual(4); // icon, styles, GraphiQL, start
    expect(first.everything.length).toBe(first.files.length + 3);
    expect(fileRequestsServed() - before).toBe(first.everything.length);

    const second = await visit();
    expect(second.everything).toEqual(first.everything);
    expect(fileRequestsServed() - before).toBe(first.everything.length); // nothing more reached the gateway
    await context.close();
  });
});

describe("GraphiQL's files", () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are content-hashed, kept for a year, gzipped when asked, and answered 304 to their etag', async () => {
    const page = await (await fetch(`${t.gateway.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const script = /<script src="(\/graphiql\/graphiql\.[0-9a-f]{16}\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const plain = await fetch(`${t.gateway.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const body = Buffer.from(await plain.arrayBuffer());
    expect(body.toString('utf8', 0, 200)).toContain('YogaGraphiQL');
    expect(script).toContain(createHash('sha256').update(body).digest('hex').slice(0, 16));

    const raw = await rawGet(t.gateway.url, script!, { 'accept-encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.length).toBeLessThan(body.length / 2);
    expect(gunzipSync(raw.body).equals(body)).toBe(true);

    const revalidated = await fetch(`${t.gateway.url}${script}`, { headers: { 'if-none-match': plain.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    expect((await fetch(`${t.gateway.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
  });

  it('are not served when GraphiQL is off (production)', async () => {
    const production = await startTestGateway({ env: { NODE_ENV: 'production' } });
    try {
      const script = /<script src="(\/graphiql\/[^"]+)"/.exec(
        await (await fetch(`${t.gateway.url}/graphql`, { headers: { accept: 'text/html' } })).text(),
      )?.[1];
      expect((await fetch(`${production.gateway.url}${script}`)).status).toBe(404);
    } finally {
      await production.close();
    }
  });
});

function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}
