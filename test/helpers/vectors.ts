import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RequestVector {
  name: string;
  path: string;
  nonce: string;
  body: Record<string, unknown>;
  message: string;
  signature: string;
  publicKey: string;
  valid: boolean;
}
export interface CallbackVector {
  name: string;
  rawBody: string;
  signature: string;
  publicKey: string;
  valid: boolean;
}
export interface Vectors {
  keys: {
    merchant: { privateKey: string; publicKey: string };
    sandboxPlatform: { privateKey: string; publicKey: string };
    tarspayProductionPlatformPublicKey: string;
  };
  requests: RequestVector[];
  callbacks: CallbackVector[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** Signature vectors made with OpenSSL, independently of this project (test/fixtures/vectors.json). */
export function loadVectors(): Vectors {
  return JSON.parse(readFileSync(join(here, '../fixtures/vectors.json'), 'utf8')) as Vectors;
}
