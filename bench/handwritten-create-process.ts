import { createHash, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { compactSortedJson, withoutEmptyValues } from '../src/tarspay/message.js';
import { signRequest, verifyAnswerSign } from '../src/tarspay/signatures.js';
import { parseExpiredTime } from '../src/tarspay/expired-time.js';
import { PrivateKey } from '../src/tarspay/signer.js';

/**
 * collectionCreate's floor: the same create written by hand, as a `node:http` handler with no
 * framework, in a process of its own (its CPU is its own). Per request it does what the gateway
 * does for a create and nothing more: look the token up by its hash (reused for 5 s, as the
 * gateway's auth cache does), fingerprint the input, insert the order with its first event (the
 * unique (merchant, merchantOrderNo) is the idempotency key), sign and send the create to TarsPay
 * over a keep-alive agent, check the answer's `sign` (the gateway's default), write the answer with
 * its event (a compare-and-set on SUBMITTING) and answer JSON. Same signer, `pg` and sandbox.
 * Started by bench/run.ts with BENCH_* variables; prints one `BENCH_HANDWRITTEN_READY {json}` line.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this script is started by bench/run.ts`);
  return value;
}

const CREATE_PATH = '/api/pay/unifiedOrder';
const TOKEN_TTL_MS = 5_000;
const pool = new pg.Pool({ connectionString: required('BENCH_DATABASE_URL'), max: Number(process.env.BENCH_POOL_MAX ?? 10) });
const sandbox = new URL(required('BENCH_SANDBOX_URL'));
const merchantKey = PrivateKey.fromHex(required('BENCH_MERCHANT_KEY'));
const platformPublicKey = required('BENCH_PLATFORM_PUBLIC_KEY');
const agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, scheduling: 'lifo', timeout: 4_000 });
// Callbacks and the payer's return go to the gateway, as for the gateway's own creates: the same request to TarsPay.
const publicUrl = required('BENCH_PUBLIC_URL');
let lastNonce = 0;

interface Token {
  merchantId: string;
  mchNo: string;
  notifyUrl: string | null;
  expiresAt: number;
}
const tokens = new Map<string, Token>();

async function authenticate(header: string | undefined): Promise<Token | null> {
  const token = header?.replace(/^bearer\s+/i, '');
  if (!token) return null;
  const hash = createHash('sha256').update(token).digest('hex');
  const cached = tokens.get(hash);
  if (cached && cached.expiresAt > Date.now()) return cached;
  const { rows } = await pool.query(
    `select t.token_hash, t.merchant_id, m.mch_no, m.notify_url from api_tokens t join merchants m on m.id = t.merchant_id
      where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())`,
    [hash],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
  const found = { merchantId: row.merchant_id, mchNo: row.mch_no, notifyUrl: row.notify_url, expiresAt: Date.now() + TOKEN_TTL_MS };
  tokens.set(hash, found);
  return found;
}

interface CreateInput {
  amount: string;
  method: string;
  merchantOrderNo: string;
  subject: string;
  description: string;
  customer?: { name?: string; email?: string; phone?: string };
}

function readInput(text: string): CreateInput | string {
  const input = (JSON.parse(text) as { input?: CreateInput }).input;
  if (!input) return 'input is missing';
  if (typeof input.amount !== 'string' || !/^[1-9]\d{0,14}$/.test(input.amount)) return 'amount must be whole rupiah as a string';
  if (typeof input.method !== 'string' || !input.method) return 'method is missing';
  if (typeof input.merchantOrderNo !== 'string' || !input.merchantOrderNo) return 'merchantOrderNo is missing';
  return input;
}

function callTarsPay(body: Record<string, unknown>): Promise<{ code: number; msg?: string; data?: Record<string, unknown>; sign?: string }> {
  lastNonce = Math.max(Date.now(), lastNonce + 1);
  const signed = signRequest(merchantKey, CREATE_PATH, String(lastNonce), body);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: sandbox.hostname,
        port: sandbox.port,
        path: CREATE_PATH,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...signed },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        answer.on('error', reject);
      },
    );
    outgoing.setTimeout(15_000, () => outgoing.destroy(new Error('TarsPay: no answer within 15 s')));
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

const EVENT = (
  source: string,
  first: number,
) => `seq as (update merchants set event_seq = event_seq + 1 where id = (select merchant_id from ${source}) returning event_seq),
  ev as (insert into order_events (order_id, merchant_id, seq, status, previous_status, source, applied, note, payload, created_at)
    select ${source}.id, ${source}.merchant_id, seq.event_seq, $${first}, $${first + 1}, 'API', true, $${first + 2}, $${first + 3}::jsonb, now() from ${source}, seq returning id)`;

async function create(token: Token, input: CreateInput): Promise<{ status: number; body: unknown }> {
  const customer = input.customer ? withoutEmptyValues(input.customer) : null;
  const fingerprint = createHash('sha256')
    .update(
      compactSortedJson({ kind: 'COLLECTION', amount: input.amount, method: input.method, subject: input.subject, description: input.description, customer }),
    )
    .digest('hex');
  const expiresAt = new Date(Date.now() + 30 * 60_000);
  const inserted = await pool.query(
    `with o as (insert into orders (id, merchant_id, kind, merchant_order_no, status, amount, currency, method, subject, description, customer,
         request_fingerprint, amount_mismatch, expires_at, next_check_at, check_attempts, upstream_confirmed, create_attempts)
       values ($1, $2, 'COLLECTION', $3, 'SUBMITTING', $4, 'IDR', $5, $6, $7, $8::jsonb, $9, false, $10, now() + interval '1 minute', 0, false, 1)
       on conflict (merchant_id, merchant_order_no) do nothing returning id, merchant_id), ${EVENT('o', 11)}
     select o.id from o, ev`,
    [
      ...[
        uuidv7(),
        token.merchantId,
        input.merchantOrderNo,
        input.amount,
        input.method,
        input.subject,
        input.description,
        JSON.stringify(customer),
        fingerprint,
      ],
      ...[expiresAt, 'SUBMITTING', null, 'stored; sending the create to TarsPay', null],
    ],
  );
  const id = inserted.rows[0]?.id as string | undefined;
  if (!id) return { status: 409, body: { error: 'merchantOrderNo is taken', field: 'merchantOrderNo' } };
  const answer = await callTarsPay(
    withoutEmptyValues({
      mchNo: token.mchNo,
      currency: 'IDR',
      mchOrderNo: input.merchantOrderNo,
      wayCode: input.method,
      amount: input.amount,
      subject: input.subject,
      body: input.description,
      notifyUrl: token.notifyUrl ?? `${publicUrl}/tarspay/notify`,
      returnUrl: `${publicUrl}/return`,
      customerName: customer?.name,
      customerEmail: customer?.email,
      customerContact: customer?.phone,
    }),
  );
  if (!verifyAnswerSign(platformPublicKey, answer, answer.sign)) throw new Error('TarsPay answer sign does not verify');
  if (answer.code !== 0 || !answer.data) return { status: 502, body: { error: `TarsPay refused the create (${answer.code})` } };
  const data = answer.data;
  const instructions = withoutEmptyValues({
    accountNumber: data.accountNumber,
    accountName: data.accountName,
    typeBank: data.typeBank,
    payDataType: data.payDataType,
  });
  const updated = await pool.query(
    `with upd as (update orders set status = 'CREATED', platform_order_id = $3, pay_url = $4, instructions = $5::jsonb, expires_at = coalesce($6, expires_at),
         next_check_at = now() + interval '5 minutes', updated_at = now() where id = $1 and status = $2
       returning id, merchant_id, merchant_order_no, platform_order_id, status, amount, pay_url, expires_at), ${EVENT('upd', 7)}
     select upd.* from upd, ev`,
    [
      id,
      'SUBMITTING',
      data.payOrderId,
      data.payUrl ?? null,
      JSON.stringify(instructions),
      expiresAtOf(data.expiredTime),
      'CREATED',
      'SUBMITTING',
      null,
      JSON.stringify(data),
    ],
  );
  const order = updated.rows[0];
  return {
    status: 200,
    body: {
      order: {
        id: order.id,
        merchantOrderNo: order.merchant_order_no,
        platformOrderId: order.platform_order_id,
        status: order.status,
        amount: order.amount,
        payUrl: order.pay_url,
        vaNumber: instructions.accountNumber ?? null,
        expiresAt: order.expires_at,
      },
    },
  };
}

function expiresAtOf(value: unknown): Date | null {
  const parsed = parseExpiredTime(value);
  return parsed.kind === 'at' ? parsed.at : null;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/collections') return answer(res, 404, { error: 'POST /collections' });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const token = await authenticate(req.headers.authorization);
  if (!token) return answer(res, 401, { error: 'unknown token' });
  const input = readInput(Buffer.concat(chunks).toString('utf8'));
  if (typeof input === 'string') return answer(res, 400, { error: input });
  const { status, body } = await create(token, input);
  answer(res, status, body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) answer(res, 500, { error: (error as Error).message });
  });
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`BENCH_HANDWRITTEN_READY ${JSON.stringify({ url, pid: process.pid })}`);
});
const stop = () => server.close(() => void pool.end().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
