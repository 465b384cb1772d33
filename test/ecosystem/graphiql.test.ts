import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Kind, parse, validate } from 'graphql';
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

  it("the README's GraphQL examples are valid against the schema", () => {
    const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // Each operation on its own: a block may list several anonymous ones.
    for (const block of blocks)
      for (const definition of parse(block).definitions) expect(validate(schema, { kind: Kind.DOCUMENT, definitions: [definition] })).toEqual([]);
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
    const response = await page.goto(`${t.gateway.url}/graphql`);
    expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
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
    expect(problems).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/graphiql.png` });
    await page.close();
  });
});
