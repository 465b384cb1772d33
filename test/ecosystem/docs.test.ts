import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kind, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';

const DOCUMENTS = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];
const read = (path: string) => readFileSync(path, 'utf8');
/** The text outside fenced code blocks and inline code: what a reader sees as prose, headings and links. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's anchors for a document's headings (lower case, punctuation dropped, spaces as hyphens, repeats numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

describe('the README and docs/', () => {
  it('keep the README short enough for a first hour', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      for (const [, target] of prose(read(document)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? document : join(dirname(document), path);
        if (!existsSync(file)) broken.push(`${document}: ${target} (no file ${file})`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(read(file)).has(anchor))
          broken.push(`${document}: ${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('show GraphQL examples that are valid against the schema', () => {
    const blocks = DOCUMENTS.flatMap((document) => [...read(document).matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // Each operation on its own: a block may list several anonymous ones.
    for (const block of blocks)
      for (const definition of parse(block).definitions) expect(validate(schema, { kind: Kind.DOCUMENT, definitions: [definition] })).toEqual([]);
  });
});
