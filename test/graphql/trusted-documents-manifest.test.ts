import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../src/config.js';
import { TrustedDocuments, operationTextFor, requestedDocumentHash } from '../../src/graphql/trusted-documents.js';
import { shippedHash, shippedText } from '../helpers/trusted-documents.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpg-manifest-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let files = 0;
function manifestFile(content: string): string {
  const file = join(scratch, `manifest-${(files += 1)}.json`);
  writeFileSync(file, content);
  return file;
}

describe('trusted documents manifests', () => {
  it("hold every shipped operation, the demo checkout's included, by SHA-256 of its text", () => {
    const documents = TrustedDocuments.load();
    const shipped = documents.shippedOperationHashes();
    for (const name of ['DemoPaymentMethods', 'DemoCreateCollection', 'DemoOrderUpdated', 'DemoSimulatePayment', 'CreateCollection', 'OrderUpdated']) {
      expect(shipped[name]).toBe(shippedHash(name));
      expect(documents.get(shipped[name]!)).toBe(shippedText(name));
      expect(documents.get(`sha256:${shipped[name]!}`)).toBe(shippedText(name));
      expect(sha256(shippedText(name))).toBe(shipped[name]);
    }
  });

  it('TRUSTED_DOCUMENTS_FILE names none by default, or comma-separated paths', () => {
    expect(parseEnvironment({}).graphql.trustedDocumentFiles).toEqual([]);
    expect(parseEnvironment({ TRUSTED_DOCUMENTS_FILE: ' shop/persisted-documents.json, office.json ,' }).graphql.trustedDocumentFiles).toEqual([
      'shop/persisted-documents.json',
      'office.json',
    ]);
  });

  it('add the operations of TRUSTED_DOCUMENTS_FILE manifests, not to the shipped names', () => {
    const text = 'query ShopBalance { balance { availableAmount } }';
    const documents = TrustedDocuments.load([manifestFile(JSON.stringify({ [`sha256:${sha256(text)}`]: text }))]);
    expect(documents.get(sha256(text))).toBe(text);
    expect(documents.shippedOperationHashes().ShopBalance).toBeUndefined();
  });

  it('refuse to start on a manifest that is missing, not JSON, tampered with or unparseable, naming the file and entry', () => {
    const text = 'query A { balance { availableAmount } }';
    const cases: Array<[string, RegExp]> = [
      [join(scratch, 'absent.json'), /absent\.json: ENOENT.*persisted-documents\.json of GraphQL Codegen's client preset/],
      [manifestFile('{"sha256:'), /manifest-\d+\.json: .*JSON/],
      [manifestFile('[]'), /expected a JSON object/],
      [
        manifestFile(JSON.stringify({ [`sha256:${sha256(text)}`]: 'query A { payoutBanks { code } }' })),
        /is not the SHA-256 of its document: generate the manifest with persistedDocuments: \{ hashAlgorithm: 'sha256' \}/,
      ],
      [manifestFile(JSON.stringify({ [`md5:${sha256(text)}`]: text })), /entry "md5:.*" is not the SHA-256 of its document/],
      [manifestFile(JSON.stringify({ [`sha256:${sha256('query {')}`]: 'query {' })), /does not parse: Syntax Error/],
      [manifestFile(JSON.stringify({ [`sha256:${sha256(text)}`]: 42 })), /is not a document text/],
    ];
    for (const [file, message] of cases) expect(() => TrustedDocuments.load([file])).toThrow(message);
  });
});

describe('which operation a request names', () => {
  const documents = TrustedDocuments.load();
  const methods = shippedHash('DemoPaymentMethods');

  it('reads extensions.persistedQuery (version 1) and documentId', () => {
    expect(requestedDocumentHash({ extensions: { persistedQuery: { version: 1, sha256Hash: methods } } })).toBe(methods);
    expect(requestedDocumentHash({ extensions: { persistedQuery: { version: 2, sha256Hash: methods } } })).toBeNull();
    expect(requestedDocumentHash({ documentId: `sha256:${methods}` })).toBe(`sha256:${methods}`);
    expect(requestedDocumentHash({ extensions: 'persistedQuery' })).toBeNull();
    expect(requestedDocumentHash({})).toBeNull();
  });

  it('gives text only to tokens that may send it, and a trusted document by hash to all', () => {
    const byHash = { query: '', documentId: `sha256:${methods}` };
    expect(operationTextFor(byHash, documents, { trustedDocumentsOnly: true })).toEqual({ query: shippedText('DemoPaymentMethods') });
    expect(operationTextFor({ query: '{ __typename }' }, documents, { trustedDocumentsOnly: false })).toEqual({ query: '{ __typename }' });
    const refused = operationTextFor({ query: '{ __typename }', documentId: `sha256:${methods}` }, documents, { trustedDocumentsOnly: true });
    expect('error' in refused && refused.error.extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    const unknown = operationTextFor({ query: '', documentId: `sha256:${'0'.repeat(64)}` }, documents, { trustedDocumentsOnly: false });
    expect('error' in unknown && unknown.error.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
