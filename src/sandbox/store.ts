import { isPublicKeyHex, PUBLIC_KEY_FORMAT } from '../tarspay/signer.js';
import { SandboxConfigError } from './options.js';

/** The sandbox's whole state, in memory: merchants with their balances, and orders. Lost on restart. */

export type OrderKind = 'collection' | 'payout';

export interface Merchant {
  readonly mchNo: string;
  readonly publicKey: string;
  readonly name: string;
  available: bigint;
  frozen: bigint;
}

export interface Delivery {
  attempt: number;
  at: string;
  status: number | null;
  /** The receiver's answer, first 200 characters. */
  response: string | null;
  error: string | null;
}

export interface PayWay {
  countryCode: string;
  payWay: string;
  payWayLogo: string;
  payWayType: string;
  payCode?: string;
}

/** What a collection's create answer tells the payer (pay-instructions.ts). */
export interface PayInstructions {
  payUrl: string;
  payData?: string;
  accountName?: string;
  accountNumber?: string;
  typeBank?: string;
  payWays: Record<string, PayWay[]>;
}

export interface Customer {
  name?: string;
  email?: string;
  contact?: string;
  accountNumber?: string;
}

export interface SandboxOrder {
  readonly kind: OrderKind;
  readonly payOrderId: string;
  readonly mchNo: string;
  readonly mchOrderNo: string;
  readonly wayCode: string;
  readonly amount: bigint;
  readonly currency: 'IDR';
  readonly notifyUrl: string;
  readonly returnUrl?: string;
  readonly subject?: string;
  readonly body?: string;
  readonly address?: string;
  readonly customer: Customer;
  readonly createdAt: number;
  /** Collections only: when an unpaid order turns to state 6. */
  readonly expiresAt?: number;
  readonly instructions?: PayInstructions;
  state: number;
  payAmount: bigint;
  fee: bigint;
  failReason?: string;
  /** When the order reached a final state. */
  finishedAt?: number;
  readonly deliveries: Delivery[];
}

export class SandboxStore {
  readonly #merchants = new Map<string, Merchant>();
  readonly #mchNoByKey = new Map<string, string>();
  readonly #orders = new Map<string, SandboxOrder>();
  readonly #createRequests = new Map<string, number>();
  readonly #ordersByMerchant = new Map<string, SandboxOrder[]>();
  readonly #idByMerchantOrderNo = new Map<string, string>();
  /** Collections still waiting for payment (the expiry sweep looks only at these). */
  readonly pendingCollections = new Set<SandboxOrder>();
  #lastOrderNumber = 0n;

  /** Registers a merchant, or changes its key; the balance is set only on first registration or when given. */
  registerMerchant(input: { mchNo: string; publicKey: string; name?: string; balance?: bigint }, initialBalance: bigint): Merchant {
    const publicKey = input.publicKey.trim().toLowerCase();
    if (!input.mchNo.trim()) throw new SandboxConfigError('mchNo must not be empty');
    if (!isPublicKeyHex(publicKey)) {
      throw new SandboxConfigError(`merchant ${input.mchNo}: publicKey must be ${PUBLIC_KEY_FORMAT}`);
    }
    const owner = this.#mchNoByKey.get(publicKey);
    if (owner !== undefined && owner !== input.mchNo) {
      throw new SandboxConfigError(`public key ${publicKey} is already registered for merchant ${owner}; each merchant needs its own key`);
    }
    const existing = this.#merchants.get(input.mchNo);
    if (existing && existing.publicKey !== publicKey) this.#mchNoByKey.delete(existing.publicKey);
    const merchant: Merchant = {
      mchNo: input.mchNo,
      publicKey,
      name: input.name ?? existing?.name ?? `Sandbox ${input.mchNo}`,
      available: input.balance ?? existing?.available ?? initialBalance,
      frozen: existing?.frozen ?? 0n,
    };
    this.#merchants.set(merchant.mchNo, merchant);
    this.#mchNoByKey.set(publicKey, merchant.mchNo);
    return merchant;
  }

  merchants(): Merchant[] {
    return [...this.#merchants.values()];
  }

  merchant(mchNo: string): Merchant | undefined {
    return this.#merchants.get(mchNo);
  }

  merchantByPublicKey(publicKey: string): Merchant | undefined {
    const mchNo = this.#mchNoByKey.get(publicKey.trim().toLowerCase());
    return mchNo === undefined ? undefined : this.#merchants.get(mchNo);
  }

  /** `P` + 19 digits, like TarsPay's snowflake ids; time-based and strictly increasing. */
  nextPayOrderId(now: number): string {
    const candidate = BigInt(now) * 1_000_000n;
    this.#lastOrderNumber = candidate > this.#lastOrderNumber ? candidate : this.#lastOrderNumber + 1n;
    return `P${this.#lastOrderNumber.toString().padStart(19, '0').slice(-19)}`;
  }

  addOrder(order: SandboxOrder): void {
    this.#orders.set(order.payOrderId, order);
    this.#idByMerchantOrderNo.set(merchantOrderKey(order.kind, order.mchNo, order.mchOrderNo), order.payOrderId);
    const list = this.#ordersByMerchant.get(order.mchNo) ?? [];
    list.push(order);
    this.#ordersByMerchant.set(order.mchNo, list);
    if (order.kind === 'collection' && order.expiresAt !== undefined) this.pendingCollections.add(order);
  }

  order(payOrderId: string): SandboxOrder | undefined {
    return this.#orders.get(payOrderId);
  }

  /** A merchant's own order of one kind, by either id; undefined when the ids disagree. */
  findMerchantOrder(kind: OrderKind, mchNo: string, ids: { payOrderId?: string; mchOrderNo?: string }): SandboxOrder | undefined {
    const id = ids.payOrderId ?? this.#idByMerchantOrderNo.get(merchantOrderKey(kind, mchNo, ids.mchOrderNo ?? ''));
    const order = id === undefined ? undefined : this.#orders.get(id);
    if (!order || order.kind !== kind || order.mchNo !== mchNo) return undefined;
    if (ids.mchOrderNo !== undefined && order.mchOrderNo !== ids.mchOrderNo) return undefined;
    return order;
  }

  /** The merchant's orders with this mchOrderNo: a collection and a payout may share one. */
  ordersByMerchantOrderNo(mchNo: string, mchOrderNo: string, kind?: OrderKind): SandboxOrder[] {
    const kinds: OrderKind[] = kind === undefined ? ['collection', 'payout'] : [kind];
    return kinds.flatMap((candidate) => this.findMerchantOrder(candidate, mchNo, { mchOrderNo }) ?? []);
  }

  /** Counts a create request naming this order number, whether or not it creates an order (a duplicate is refused). */
  countCreateRequest(kind: OrderKind, mchNo: string, mchOrderNo: string): void {
    const key = merchantOrderKey(kind, mchNo, mchOrderNo);
    this.#createRequests.set(key, (this.#createRequests.get(key) ?? 0) + 1);
  }

  createRequests(kind: OrderKind, mchNo: string, mchOrderNo: string): number {
    return this.#createRequests.get(merchantOrderKey(kind, mchNo, mchOrderNo)) ?? 0;
  }

  hasMerchantOrderNo(kind: OrderKind, mchNo: string, mchOrderNo: string): boolean {
    return this.#idByMerchantOrderNo.has(merchantOrderKey(kind, mchNo, mchOrderNo));
  }

  /** The merchant's orders, oldest first. */
  ordersOf(mchNo: string): readonly SandboxOrder[] {
    return this.#ordersByMerchant.get(mchNo) ?? [];
  }
}

function merchantOrderKey(kind: OrderKind, mchNo: string, mchOrderNo: string): string {
  return `${kind}\u0000${mchNo}\u0000${mchOrderNo}`;
}
