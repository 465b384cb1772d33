import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstDuplicateKey, nestingDepth, parseCallbackBody, type ParsedCallback } from '../../src/callbacks/callback-body.js';

const SIGNED =
  '{"bizType":1,"currency":"IDR","fee":"4500","mchNo":"M1","mchOrderNo":"ORD-1","orderAmount":"150000","payAmount":"150000","payOrderId":"P1","state":2}';

function parsed(text: string): ParsedCallback {
  const result = parseCallbackBody(Buffer.from(text, 'utf8'));
  if (!result.ok) throw new Error(`refused: ${result.problem}`);
  return result.callback;
}

function problem(body: string | Uint8Array): string {
  const result = parseCallbackBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  if (result.ok) throw new Error('accepted');
  return result.problem;
}

describe('parseCallbackBody', () => {
  it("keeps TarsPay's own text: the canonical form of a compact sorted body is the body itself", () => {
    const callback = parsed(SIGNED);
    expect(callback.text).toBe(SIGNED);
    expect(callback.canonical).toBe(SIGNED);
    expect(callback.contentHash).toBe(createHash('sha256').update(SIGNED).digest('hex'));
    expect(callback.body.state).toBe(2);
  });

  it('padding and key order do not change the canonical form or the content hash', () => {
    const padded = parsed(`  ${JSON.stringify(JSON.parse(SIGNED), Object.keys(JSON.parse(SIGNED)).reverse(), 3)}\n`);
    expect(padded.canonical).toBe(SIGNED);
    expect(padded.contentHash).toBe(parsed(SIGNED).contentHash);
  });

  it('objects have no prototype: __proto__ and constructor are plain keys, kept in the canonical form', () => {
    const body = parsed(`${SIGNED.slice(0, -1)},"__proto__":{"state":3},"constructor":"x"}`);
    expect(Object.getPrototypeOf(body.body)).toBeNull();
    expect(Object.keys(body.body)).toContain('__proto__');
    expect(body.body.state).toBe(2);
    expect(body.canonical).toContain('"__proto__":{"state":3}');
    expect(body.canonical).toContain('"constructor":"x"');
    expect(body.canonical).not.toBe(SIGNED);
    // Absent keys read as undefined, not as Object.prototype's members.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- null-prototype objects have no toString at all
    expect(parsed(SIGNED).body.toString).toBeUndefined();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the same for hasOwnProperty
    expect(parsed(SIGNED).body.hasOwnProperty).toBeUndefined();
  });

  it.each([
    ['a key twice', `{"state":3,${SIGNED.slice(1)}`, /"state" appears twice/],
    ['a key twice, one spelt with an escape', `{"st\\u0061te":3,${SIGNED.slice(1)}`, /"state" appears twice/],
    ['a key twice in a nested object', `${SIGNED.slice(0, -1)},"x":[{"a":1},{"b":1,"b":2}]}`, /"b" appears twice/],
    ['not JSON', '{not json', /not JSON/],
    ['an array', '[1,2]', /object with a string mchNo/],
    ['no mchNo', '{"state":2}', /mchNo/],
    ['a number as mchNo', '{"mchNo":17}', /mchNo/],
    ['an empty mchNo', '{"mchNo":""}', /mchNo/],
    ['a NUL in a value', `${SIGNED.slice(0, -1)},"failReason":"a\\u0000b"}`, /failReason holds text that cannot be stored/],
    ['a NUL in a key', `${SIGNED.slice(0, -1)},"a\\u0000":"b"}`, /cannot be stored/],
    ['a lone surrogate in a nested value', `${SIGNED.slice(0, -1)},"x":{"y":"\\udc00"}}`, /x\.y holds text that cannot be stored/],
    ['deep nesting', `${SIGNED.slice(0, -1)},"x":${'['.repeat(9)}${']'.repeat(9)}}`, /nests deeper/],
    ['a byte-order mark', `\uFEFF${SIGNED}`, /not JSON/],
  ])('refuses %s', (_name, body, expected) => {
    expect(problem(body)).toMatch(expected);
  });

  it('refuses bytes that are not UTF-8 (they could not be stored as they were signed)', () => {
    expect(problem(Buffer.concat([Buffer.from(SIGNED.slice(0, -1) + ',"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]))).toMatch(/not UTF-8/);
    expect(problem(Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]))).toMatch(/not UTF-8/); // an encoded lone surrogate
  });

  it('refuses nesting far too deep for a recursive walk without throwing', () => {
    expect(problem(`{"mchNo":"M1","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`)).toMatch(/nests deeper/);
  });

  it('accepts well-formed non-ASCII text and pairs of surrogates', () => {
    expect(parsed(`${SIGNED.slice(0, -1)},"failReason":"Pembayaran ditolak 🙏 é"}`).body.failReason).toBe('Pembayaran ditolak 🙏 é');
  });
});

describe('firstDuplicateKey', () => {
  it('agrees with a reference on any JSON object text', () => {
    const key = fc.constantFrom('a', 'b', 'state', '__proto__', 'c\u00e9');
    const tree: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.string(),
        fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map((entries) => ({ entries })),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    const write = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
      if (value && typeof value === 'object')
        return `{${(value as { entries: [string, unknown][] }).entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
      return JSON.stringify(value);
    };
    const hasDuplicate = (value: unknown): boolean => {
      if (Array.isArray(value)) return value.some(hasDuplicate);
      if (value && typeof value === 'object') {
        const { entries } = value as { entries: [string, unknown][] };
        return new Set(entries.map(([k]) => k)).size !== entries.length || entries.some(([, v]) => hasDuplicate(v));
      }
      return false;
    };
    fc.assert(
      fc.property(tree, (value) => (firstDuplicateKey(write(value)) !== undefined) === hasDuplicate(value)),
      { numRuns: 500 },
    );
  });
});

describe('nestingDepth', () => {
  it.each([
    ['{}', 1],
    ['{"a":[{"b":1}]}', 3],
    ['{"a":"[[[{{{"}', 1],
    ['{"a":"\\"[["}', 1],
    ['[[],[[]]]', 3],
  ])('%s nests %i deep', (text, depth) => {
    expect(nestingDepth(text)).toBe(depth);
  });
});
