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

/** TarsPay's shared vectors (made with OpenSSL), kept beside the project in ../shared; a copy ships in test/fixtures. */
export function loadVectors(): Vectors {
  const candidates = [join(here, '../../../shared/tarspay/vectors.json'), join(here, '../fixtures/vectors.json')];
  for (const path of candidates) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Vectors;
    } catch {
      // try the next place
    }
  }
  throw new Error(`vectors.json not found in ${candidates.join(' or ')}`);
}
