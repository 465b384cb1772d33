import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without types
import { ensureTranspiled } from '../../scripts/start.mjs';

/** `npm start` (scripts/start.mjs) transpiles src/ and migrations/ once into .cache/start/, again only when a file changed. */
const root = mkdtempSync(join(tmpdir(), 'tpg-start-script-'));
const out = join(root, '.cache', 'start');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const transpile = (): Promise<boolean> => ensureTranspiled(root, out) as Promise<boolean>;

describe('scripts/start.mjs', () => {
  it('transpiles the TypeScript, copies what the code reads beside itself, and leaves out documentation', async () => {
    write('package.json', '{"type": "module"}');
    write('src/main.ts', "import { rate } from './money/rate.js';\nexport const total: number = rate * 2;\n");
    write('src/money/rate.ts', 'export const rate: number = 21;\n');
    write('src/demo/page.html', '<p>demo</p>');
    write('src/README.md', '# notes');
    write('migrations/Migration1_initial.ts', 'export class Migration1 { readonly name: string = "initial"; }\n');
    write('examples/operations/order.graphql', 'query Order { __typename }');
    write('examples/operations/client.ts', 'export {};');

    expect(await transpile()).toBe(true);
    const main = (await import(pathToFileURL(join(out, 'src/main.js')).href)) as { total: number };
    expect(main.total).toBe(42);
    expect(readFileSync(join(out, 'src/demo/page.html'), 'utf8')).toBe('<p>demo</p>');
    expect(existsSync(join(out, 'migrations/Migration1_initial.js'))).toBe(true);
    expect(existsSync(join(out, 'examples/operations/order.graphql'))).toBe(true);
    expect(existsSync(join(out, 'src/README.md'))).toBe(false);
    expect(existsSync(join(out, 'examples/operations/client.js'))).toBe(false);
    expect(readFileSync(join(out, 'src/main.js'), 'utf8')).toMatch(/sourceMappingURL=main\.js\.map/);
  });

  it('does nothing while no file changed, and builds again when one is edited, added or removed', async () => {
    expect(await transpile()).toBe(false);

    write('src/money/rate.ts', 'export const rate: number = 50;\n');
    expect(await transpile()).toBe(true);
    expect(readFileSync(join(out, 'src/money/rate.js'), 'utf8')).toContain('50');
    expect(await transpile()).toBe(false);

    write('src/money/fee.ts', 'export const fee = 1;\n');
    expect(await transpile()).toBe(true);
    expect(existsSync(join(out, 'src/money/fee.js'))).toBe(true);

    unlinkSync(join(root, 'src/demo/page.html'));
    expect(await transpile()).toBe(true);
    expect(existsSync(join(out, 'src/demo/page.html'))).toBe(false);
    expect(await transpile()).toBe(false);
  });
});
