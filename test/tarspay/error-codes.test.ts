import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyCreateFailure } from '../../src/orders/create-outcome.js';
import { TARSPAY_CODES, describeTarsPayCode } from '../../src/tarspay/error-codes.js';
import { TarsPayError } from '../../src/tarspay/errors.js';

const outcomes = readFileSync(new URL('../../docs/OUTCOMES.md', import.meta.url), 'utf8');
const rejected = (code: number) => TarsPayError.rejected('/api/pay/unifiedOrder', code, undefined);

describe("TarsPay's code table", () => {
  it('gives every code a reason, and docs/OUTCOMES.md shows the same reading', () => {
    for (const [code, entry] of Object.entries(TARSPAY_CODES)) {
      expect(entry.why.length).toBeGreaterThan(10);
      if (entry.meaning === 'refused') expect(entry.reason).toBeDefined();
      expect(outcomes).toContain(`| \`${code}\` | ${entry.message} | ${entry.meaning} | ${entry.meaning === 'refused' ? 'FAILED' : 'UNKNOWN'} /`);
    }
  });

  it('reads an unknown code as ambiguous', () => {
    expect(describeTarsPayCode(4242424).meaning).toBe('ambiguous');
    expect(classifyCreateFailure(rejected(4242424))).toMatchObject({ status: 'UNKNOWN', errorCode: 'UPSTREAM_UNAVAILABLE', upstreamCode: 4242424 });
  });

  it('makes an order FAILED for refusals only, and keeps "already exists" as proof', () => {
    for (const [code, entry] of Object.entries(TARSPAY_CODES)) {
      const failure = classifyCreateFailure(rejected(Number(code)));
      expect(failure.status).toBe(entry.meaning === 'refused' ? 'FAILED' : 'UNKNOWN');
      expect(failure.upstreamConfirmed).toBe(entry.meaning === 'exists');
    }
  });

  it('reads no answer, an unverified answer and our own faults as UNKNOWN; a connection never made as FAILED', () => {
    const endpoint = '/api/payOut/unifiedOrder';
    expect(classifyCreateFailure(new TarsPayError({ kind: 'unavailable', endpoint, message: 'timeout' })).status).toBe('UNKNOWN');
    expect(classifyCreateFailure(new TarsPayError({ kind: 'bad_response', endpoint, code: 5003001, message: 'unsigned refusal' })).status).toBe('UNKNOWN');
    expect(classifyCreateFailure(new Error('bug')).status).toBe('UNKNOWN');
    expect(classifyCreateFailure(new TarsPayError({ kind: 'unavailable', endpoint, message: 'refused', notSent: true }))).toMatchObject({
      status: 'FAILED',
      errorCode: 'UPSTREAM_UNAVAILABLE',
    });
  });
});
