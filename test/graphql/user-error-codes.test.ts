import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PAYMENT_METHODS } from '../../src/tarspay/catalogs.js';
import { USER_ERROR_CODES } from '../../src/schema/business-errors.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const schema = buildSchema(readFileSync(join(import.meta.dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));

function enumValues(name: string): string[] {
  return (schema.getType(name) as GraphQLEnumType).getValues().map((value) => value.name);
}

/** Every code literal written as a GraphQL error's `extensions.code` anywhere in src/. */
function extensionCodes(): Set<string> {
  const codes = new Set<string>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.startsWith('generated'));
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const match of text.matchAll(/extensions:\s*\{[^}]*?\bcode:\s*([^,}]+)/gs)) {
      for (const literal of match[1]!.matchAll(/'([A-Z][A-Z_]+)'/g)) codes.add(literal[1]!);
    }
  }
  return codes;
}

describe('enums for typed clients', () => {
  it('UserErrorCode holds every code the gateway emits, in userErrors and in top-level errors', () => {
    const emitted = [...USER_ERROR_CODES, ...extensionCodes()];
    expect(emitted).toEqual(expect.arrayContaining(['RATE_LIMITED', 'CURSOR_EXPIRED', 'FORBIDDEN', 'UNAUTHENTICATED']));
    expect(enumValues('UserErrorCode')).toEqual(expect.arrayContaining([...new Set(emitted)]));
  });

  it('PaymentMethodCode is the catalog of collection wayCodes, and CollectionCreateInput.method takes it', () => {
    expect(enumValues('PaymentMethodCode')).toEqual(PAYMENT_METHODS.map((method) => method.code));
    const input = schema.getType('CollectionCreateInput') as unknown as { getFields(): Record<string, { type: { toString(): string } }> };
    expect(input.getFields().method!.type.toString()).toBe('PaymentMethodCode!');
    const order = schema.getType('Order') as unknown as { getFields(): Record<string, { type: { toString(): string } }> };
    expect(order.getFields().method!.type.toString()).toBe('String!'); // payout bank codes go there too
  });
});
