import { readFileSync } from 'node:fs';

/** The committed manifest of the shipped operations: `{"sha256:<hex>": "<text>"}`. */
const MANIFEST = JSON.parse(readFileSync(new URL('../../src/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;

/** The SHA-256 hex of a shipped operation, found by its name in the manifest. */
export function shippedHash(operationName: string): string {
  const entry = Object.entries(MANIFEST).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${operationName}\\b`).test(text));
  if (!entry) throw new Error(`${operationName} is not in src/generated/persisted-documents.json: run npm run codegen`);
  return entry[0].replace(/^sha256:/, '');
}

/** The normalised text of a shipped operation, as the manifest holds it. */
export function shippedText(operationName: string): string {
  return MANIFEST[`sha256:${shippedHash(operationName)}`]!;
}

/** The body fields that name a trusted document the way Apollo's persisted-query link does. */
export function persistedQuery(hash: string): { extensions: { persistedQuery: { version: 1; sha256Hash: string } } } {
  return { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
}
