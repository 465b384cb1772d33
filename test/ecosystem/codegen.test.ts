import { readdir, readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const GENERATED_DIR = 'src/generated/';

describe('the typed client in src/generated/', () => {
  it('is what `npm run codegen` makes of schema/schema.graphql and examples/operations/ (run it if this fails)', async () => {
    const outputs = (await generate({ ...config, cwd: process.cwd(), silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      expect(output.filename.startsWith(GENERATED_DIR), `${output.filename} is generated outside ${GENERATED_DIR}`).toBe(true);
      const committed = await readFile(output.filename, 'utf8').catch(() => null);
      expect(committed, `${output.filename} is stale: run npm run codegen`).toBe(output.content);
    }
    const onDisk = (await readdir(GENERATED_DIR)).map((name) => `${GENERATED_DIR}${name}`).sort();
    expect(onDisk, 'files in src/generated/ that codegen no longer makes').toEqual(outputs.map((output) => output.filename).sort());
  });
});
