import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost } from '../../src/graphql/operation-cost.js';
import { schema } from '../../src/schema/index.js';

const cost = (document: string, operationName?: string) => operationCost(schema, parse(document), operationName);
const aliased = (count: number, field: string) => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
const CREATE = 'collectionCreate(input: { amount: "10000", method: QRIS }) { userErrors { code } }';

describe('operationCost', () => {
  it('a query or a subscription costs 1', () => {
    expect(cost('{ paymentMethods { code } }')).toBe(1);
    expect(cost('{ orders(first: 5) { edges { node { id events { status } } } } }')).toBe(1);
    expect(cost('subscription { orderEvents { status } }')).toBe(1);
  });

  it('a mutation costs 1 per root field, aliases included', () => {
    expect(cost(`mutation { ${CREATE} }`)).toBe(1);
    expect(cost(`mutation { ${aliased(15, CREATE)} }`)).toBe(15);
  });

  it('every field that calls TarsPay adds 1, as often as it is selected', () => {
    expect(cost('{ balance { availableAmount } }')).toBe(2);
    expect(cost(`{ ${aliased(15, 'balance { availableAmount }')} }`)).toBe(16);
    expect(cost(`{ ${aliased(15, 'transactions { total }')} }`)).toBe(16);
    expect(cost('{ balance { availableAmount } transactions { total } paymentMethods { code } }')).toBe(3);
    expect(cost('mutation { orderRefresh(id: "x") { userErrors { code } } }')).toBe(2);
    expect(cost(`mutation { ${aliased(3, 'orderRefresh(id: "x") { userErrors { code } }')} }`)).toBe(6);
  });

  it('sees through fragments, inline fragments and directives, each fragment costed once', () => {
    const viaFragments = `
      query { ...Money ...Money ... on Query { b1: balance { frozenAmount } } x: balance @skip(if: true) { currency } }
      fragment Money on Query { balance { availableAmount } ...History }
      fragment History on Query { transactions { total } }`;
    expect(cost(viaFragments)).toBe(1 + 2 * 2 + 1 + 1);
    const mutation = `mutation { ...Creates } fragment Creates on Mutation { ${aliased(4, CREATE)} }`;
    expect(cost(mutation)).toBe(4);
  });

  it('picks the named operation', () => {
    const document = `query Cheap { paymentMethods { code } } query Dear { ${aliased(5, 'balance { currency }')} }`;
    expect(cost(document, 'Cheap')).toBe(1);
    expect(cost(document, 'Dear')).toBe(6);
  });
});
