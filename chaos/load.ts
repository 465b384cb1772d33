import type { MutationAnswer } from './invariants.js';
import { pick, randomInt, seededRandom } from './schedule.js';

/**
 * The merchant's side of the run: collections and payouts over GraphQL (HTTP, a random live
 * instance per request), client retries with the same merchantOrderNo, payments and late payments
 * at the sandbox (the payer's side), and reads.
 */

const ORDER_FIELDS = 'id merchantOrderNo platformOrderId status';
const COLLECTION_CREATE = `mutation ($input: CollectionCreateInput!) { collectionCreate(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message } } }`;
const PAYOUT_CREATE = `mutation ($input: PayoutCreateInput!) { payoutCreate(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const ORDERS = `query { orders(first: 20) { edges { node { ${ORDER_FIELDS} } } } }`;

export interface LoadTarget {
  /** Base URLs of the instances up now. */
  liveUrls(): string[];
  token: string;
  sandboxUrl: string;
  mchNo: string;
}

interface PlacedOrder {
  kind: 'COLLECTION' | 'PAYOUT';
  merchantOrderNo: string;
  input: Record<string, unknown>;
  id?: string;
  paid: boolean;
}

export interface LoadStats {
  requests: number;
  failedRequests: number;
  collections: number;
  payouts: number;
  retries: number;
  payments: number;
  latePayments: number;
  latePaymentsRefused: number;
}

export class Load {
  readonly answers: MutationAnswer[] = [];
  readonly orders: PlacedOrder[] = [];
  readonly stats: LoadStats = { requests: 0, failedRequests: 0, collections: 0, payouts: 0, retries: 0, payments: 0, latePayments: 0, latePaymentsRefused: 0 };
  readonly #random: () => number;
  #stopped = false;
  #next = 0;

  constructor(
    private readonly target: LoadTarget,
    seed: number,
    private readonly log: (message: string) => void,
  ) {
    this.#random = seededRandom(seed ^ 0x5eed);
  }

  async #graphql(query: string, variables: Record<string, unknown>): Promise<any> {
    this.stats.requests += 1;
    const urls = this.target.liveUrls();
    if (urls.length === 0) throw new Error('no gateway instance is up');
    const url = pick(Math.random, urls);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const answer = (await response.json()) as { data?: any; errors?: unknown[] };
    if (!answer.data || answer.errors?.length) throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer.errors ?? answer).slice(0, 300)}`);
    return answer.data;
  }

  /** Sends a create; on a transport failure retries it (same merchantOrderNo) on another instance, as a careful client would. */
  async #create(order: PlacedOrder, retry = false): Promise<void> {
    const operation = order.kind === 'COLLECTION' ? 'collectionCreate' : 'payoutCreate';
    for (let attempt = 0; attempt < 4 && !this.#stopped; attempt += 1) {
      if (retry || attempt > 0) this.stats.retries += 1;
      try {
        const data = await this.#graphql(order.kind === 'COLLECTION' ? COLLECTION_CREATE : PAYOUT_CREATE, { input: order.input });
        const placed = data[operation].order as { id: string } | null;
        if (placed) {
          order.id = placed.id;
          this.answers.push({ operation, merchantOrderNo: order.merchantOrderNo, orderId: localOrderId(placed.id) });
        }
        return;
      } catch (error) {
        this.stats.failedRequests += 1;
        this.log(`${operation} ${order.merchantOrderNo}: ${(error as Error).message.slice(0, 200)}`);
        await sleep(200);
      }
    }
  }

  #newOrder(kind: PlacedOrder['kind']): PlacedOrder {
    const merchantOrderNo = `chaos-${kind === 'COLLECTION' ? 'c' : 'p'}-${String(++this.#next).padStart(5, '0')}`;
    const amount = String(randomInt(this.#random, 10, 500) * 1000);
    const customer = { name: 'Budi Santoso', email: 'budi@example.co.id', phone: '081234567890' };
    const input =
      kind === 'COLLECTION'
        ? { amount, method: 'BANK_BCA', merchantOrderNo, subject: 'Chaos order', description: 'chaos run', customer }
        : { amount, bankCode: 'BANK_BCA', accountNumber: '1234567890', accountName: 'Budi Santoso', merchantOrderNo, customer };
    const order: PlacedOrder = { kind, merchantOrderNo, input, paid: false };
    this.orders.push(order);
    return order;
  }

  async #sandbox(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${this.target.sandboxUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json().catch(() => null) };
  }

  /** The sandbox's order for a merchantOrderNo, when TarsPay holds one. */
  async #tarspayOrder(order: PlacedOrder): Promise<{ payOrderId: string; status: string } | undefined> {
    const query = new URLSearchParams({ mchNo: this.target.mchNo, mchOrderNo: order.merchantOrderNo, kind: order.kind });
    const { json } = await this.#sandbox('GET', `/sandbox/orders?${query}`);
    return (json?.orders as Array<{ payOrderId: string; status: string }> | undefined)?.[0];
  }

  /** The payer pays (or the bank fails) an open order. */
  async #settleOne(): Promise<void> {
    const open = this.orders.filter((order) => !order.paid && order.id);
    if (open.length === 0) return;
    const order = pick(this.#random, open);
    const outcome = this.#random() < 0.8 ? 'SUCCEEDED' : 'FAILED';
    const held = await this.#tarspayOrder(order);
    if (!held || !['CREATED', 'PROCESSING'].includes(held.status)) return;
    order.paid = true;
    const { status } = await this.#sandbox('POST', `/sandbox/orders/${held.payOrderId}/settle`, { outcome });
    if (status === 200) this.stats.payments += 1;
  }

  /** A payment after the collection was closed (EXPIRED or FAILED): TarsPay reports it, the merchant must see it. */
  async latePayment(after: 'EXPIRED' | 'FAILED'): Promise<void> {
    const collections = this.orders.filter((order) => order.kind === 'COLLECTION' && order.id && !order.paid);
    if (collections.length === 0) return;
    const order = pick(this.#random, collections);
    const held = await this.#tarspayOrder(order);
    if (!held) return;
    order.paid = true;
    if (held.status === 'CREATED') await this.#sandbox('POST', `/sandbox/orders/${held.payOrderId}/settle`, { outcome: after });
    await sleep(randomInt(this.#random, 300, 1500));
    const { status, json } = await this.#sandbox('POST', `/sandbox/orders/${held.payOrderId}/settle`, { outcome: 'SUCCEEDED' });
    if (status === 200) this.stats.latePayments += 1;
    else {
      this.stats.latePaymentsRefused += 1;
      this.log(`late payment after ${after} on ${order.merchantOrderNo} refused by the sandbox: ${JSON.stringify(json).slice(0, 200)}`);
    }
  }

  /** One client: until stop(), an operation every few hundred ms. */
  async #worker(): Promise<void> {
    while (!this.#stopped) {
      const roll = this.#random();
      try {
        if (roll < 0.5) {
          this.stats.collections += 1;
          await this.#create(this.#newOrder('COLLECTION'));
        } else if (roll < 0.65) {
          this.stats.payouts += 1;
          await this.#create(this.#newOrder('PAYOUT'));
        } else if (roll < 0.75 && this.orders.length > 0) {
          await this.#create(pick(this.#random, this.orders), true);
        } else if (roll < 0.9) {
          await this.#settleOne();
        } else {
          const known = this.orders.filter((order) => order.id);
          await (known.length && roll < 0.95 ? this.#graphql(ORDER, { id: pick(this.#random, known).id }) : this.#graphql(ORDERS, {}));
        }
      } catch (error) {
        this.stats.failedRequests += 1;
        this.log(`load: ${(error as Error).message.slice(0, 200)}`);
      }
      await sleep(randomInt(this.#random, 150, 450));
    }
  }

  run(clients: number): Promise<void> {
    return Promise.all(Array.from({ length: clients }, () => this.#worker())).then(() => {});
  }

  stop(): void {
    this.#stopped = true;
  }
}

/** The database id inside a GraphQL global id (base64 of `Order:<uuid>`). */
export function localOrderId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.startsWith('Order:') ? decoded.slice('Order:'.length) : globalId;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
