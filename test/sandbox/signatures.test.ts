import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { requestMessage } from '../../src/tarspay/message.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { loadVectors, type RequestVector } from '../helpers/vectors.js';
import { SandboxTestClient, collectionBody, signVerifies, startTestSandbox, type Envelope } from './helpers.js';

const vectors = loadVectors();
const vector = (name: string): RequestVector => vectors.requests.find((candidate) => candidate.name.startsWith(name))!;

/** Sends a vector exactly as recorded: its body, nonce and signature. */
async function sendVector(sandbox: Sandbox, request: RequestVector): Promise<Envelope> {
  const response = await fetch(`${sandbox.url}${request.path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json;charset=utf-8',
      'X-API-KEY': request.publicKey,
      'X-API-NONCE': request.nonce,
      'X-API-SIGNATURE': request.signature,
    },
    body: JSON.stringify(request.body),
  });
  return (await response.json()) as Envelope;
}

describe("OpenSSL-made vectors (nonce window off, the vectors' keys)", () => {
  const sandboxes: Sandbox[] = [];
  const start = async (): Promise<Sandbox> => {
    const sandbox = await startSandbox({
      nonceWindowMs: 0,
      platformPrivateKey: vectors.keys.sandboxPlatform.privateKey,
      merchants: [
        { mchNo: 'M1700000001', publicKey: vectors.keys.merchant.publicKey },
        { mchNo: 'M1688457769', publicKey: vector('TarsPay documentation example').publicKey },
      ],
    });
    sandboxes.push(sandbox);
    return sandbox;
  };
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
  });

  it.each(['IDR create collection, low S', 'IDR create collection, high S'])('accepts "%s"', async (name) => {
    const request = vector(name);
    const highS = secp256k1.Signature.fromHex(request.signature, 'der').hasHighS();
    expect(highS).toBe(name.endsWith('high S'));
    const sandbox = await start();
    const answer = await sendVector(sandbox, request);
    expect(answer).toMatchObject({ code: 0, data: { mchOrderNo: 'ORD-1001', amount: '150000', orderState: 0 } });
    expect(sandbox.platformPublicKey).toBe(vectors.keys.sandboxPlatform.publicKey);
    expect(signVerifies(answer, vectors.keys.sandboxPlatform.publicKey)).toBe(true);
  });

  it('answers the second create of the same order with 5003011, and the inquiry vector finds it', async () => {
    const sandbox = await start();
    expect((await sendVector(sandbox, vector('IDR create collection, low S'))).code).toBe(0);
    expect((await sendVector(sandbox, vector('IDR create collection, high S'))).code).toBe(5003011);
    expect(await sendVector(sandbox, vector('collection inquiry'))).toMatchObject({ code: 0, data: { mchOrderNo: 'ORD-1001', state: 0 } });
  });

  it("accepts the signature of TarsPay's own doc example (then rejects its MYR body as a parameter error)", async () => {
    const answer = await sendVector(await start(), vector('TarsPay documentation example'));
    expect(answer.code).toBe(5003001);
  });

  it('rejects the tampered vector', async () => {
    expect((await sendVector(await start(), vector('tampered amount must fail'))).code).toBe(5003008);
  });
});

describe('signatures made with the openssl CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-openssl-'));
  let setup: Awaited<ReturnType<typeof startTestSandbox>>;
  let client: SandboxTestClient;
  const merchantKey = PrivateKey.generate();

  /** SEC1 DER of a secp256k1 key, the shape `openssl ec` writes. */
  function pemOf(key: PrivateKey): string {
    const uncompressed = secp256k1.Point.fromHex(key.publicKeyHex).toHex(false);
    const der = Buffer.from(`30740201010420${key.revealHex()}a00706052b8104000aa144034200${uncompressed}`, 'hex');
    return `-----BEGIN EC PRIVATE KEY-----\n${der
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END EC PRIVATE KEY-----\n`;
  }

  /** ECDSA over SHA256(SHA256(message)): openssl hashes the file holding SHA256(message) once more. */
  function opensslSign(message: string): string {
    const digestPath = join(dir, 'digest.bin');
    writeFileSync(digestPath, execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: message }));
    return execFileSync('openssl', ['dgst', '-sha256', '-sign', join(dir, 'key.pem'), digestPath]).toString('hex');
  }

  beforeAll(async () => {
    writeFileSync(join(dir, 'key.pem'), pemOf(merchantKey));
    setup = await startTestSandbox();
    setup.sandbox.registerMerchant({ mchNo: 'M-OPENSSL', publicKey: merchantKey.publicKeyHex });
    client = new SandboxTestClient(setup.sandbox.url, 'M-OPENSSL', merchantKey);
  });
  afterAll(async () => {
    await setup.sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the PEM built from the hex key is the same key for openssl', () => {
    const publicDer = execFileSync('openssl', ['ec', '-in', join(dir, 'key.pem'), '-pubout', '-outform', 'DER', '-conv_form', 'compressed'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(publicDer.subarray(-33).toString('hex')).toBe(merchantKey.publicKeyHex);
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toContain('BEGIN EC PRIVATE KEY');
  });

  it('accepts both a high-S and a low-S signature', async () => {
    const seen = new Set<boolean>();
    for (let tries = 0; seen.size < 2 && tries < 40; tries += 1) {
      const body = collectionBody({ mchNo: 'M-OPENSSL' });
      const nonce = String(Date.now());
      const signature = opensslSign(requestMessage('/api/pay/unifiedOrder', nonce, body));
      const highS = secp256k1.Signature.fromHex(signature, 'der').hasHighS();
      if (seen.has(highS)) continue;
      seen.add(highS);
      const answer = await client.call('/api/pay/unifiedOrder', body, { nonce, signature });
      expect(answer.code, `${highS ? 'high' : 'low'} S: ${answer.msg}`).toBe(0);
    }
    expect(seen).toEqual(new Set([true, false]));
  });
});

describe('empty values', () => {
  it("accepts a signature over either form: empty values omitted or kept as 'key='", async () => {
    const { sandbox, client } = await startTestSandbox();
    try {
      for (const emptyValues of ['omit', 'keep'] as const) {
        const body = collectionBody({ customerName: '', customerEmail: null });
        const answer = await client.call('/api/pay/unifiedOrder', body, { emptyValues });
        expect(answer.code, `${emptyValues}: ${answer.msg}`).toBe(0);
        expect(answer.data!.accountName).toBe(`Sandbox ${client.mchNo}`);
      }
    } finally {
      await sandbox.close();
    }
  });
});
