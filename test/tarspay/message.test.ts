import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactSortedJson } from '../../src/tarspay/message.js';

/** What compactSortedJson wrote before it kept __proto__ keys: sort into new objects, then stringify. */
function throughSortedObjects(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item !== null && typeof item === 'object') {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
        sorted[key] = sort((item as Record<string, unknown>)[key]);
      return sorted;
    }
    return item;
  };
  return JSON.stringify(sort(value));
}

describe('compactSortedJson', () => {
  it('sorts keys by their UTF-8 bytes at every level, compactly', () => {
    expect(compactSortedJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, é: 'x', Z: true })).toBe(
      '{"Z":true,"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1,"é":"x"}',
    );
  });

  it('writes the same text as JSON.stringify of key-sorted objects, for every JSON value without __proto__ or integer-like keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!/"(__proto__|\d+)":/.test(JSON.stringify(value)));
        expect(compactSortedJson(value)).toBe(throughSortedObjects(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a __proto__ key (a plain object would turn it into a prototype and drop it)', () => {
    const parsed = JSON.parse('{"state":2,"__proto__":{"state":3}}');
    expect(compactSortedJson(parsed)).toBe('{"__proto__":{"state":3},"state":2}');
  });

  it('sorts integer-like keys by their bytes too (a plain object would list them first, in numeric order)', () => {
    expect(compactSortedJson({ b: 1, 10: 'x', 9: 'y', '': 0 })).toBe('{"":0,"10":"x","9":"y","b":1}');
  });

  it('drops undefined members as JSON.stringify does', () => {
    expect(compactSortedJson({ a: undefined, b: [undefined], c: () => 1 })).toBe('{"b":[null]}');
  });
});
