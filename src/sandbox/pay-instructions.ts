import { createHash } from 'node:crypto';
import { PAYMENT_METHODS, type PaymentMethod, type PaymentMethodType } from '../tarspay/catalogs.js';
import { buildQris } from './qris.js';
import type { Customer, PayInstructions, PayWay } from './store.js';

/**
 * What a create-collection answer tells the payer, per method, shaped like TarsPay's: a VA number
 * for banks, a payment code for marts, a QRIS string for QRIS and e-wallets, a hosted page for CASHIER.
 */

/** TarsPay's collection type names (the doc's "Collection type" table; the cashier has none there). */
export const COLLECTION_TYPE: Readonly<Record<PaymentMethodType, string>> = {
  BANK_VA: 'bank',
  MART: 'market',
  EWALLET: 'ewallet',
  QRIS: 'qris',
  CASHIER: 'cashier',
};

/** Made-up but realistic virtual-account prefixes (each bank's VA numbers start with its own). */
const VA_PREFIX: Readonly<Record<string, string>> = {
  BANK_BCA: '39010',
  BANK_BNI: '8808',
  BANK_BRI: '26215',
  BANK_BSS: '9050',
  BANK_CIMB: '5919',
  BANK_MANDIRI: '88608',
  BANK_MAY: '7812',
  BANK_PERMATA: '8215',
  BANK_BSI: '7340',
  BANK_DANAMON: '7915',
};

const MART_PREFIX: Readonly<Record<string, string>> = { MART_ALFA: '7710', MART_INDO: '8870' };

export interface PayInstructionsInput {
  method: PaymentMethod;
  payOrderId: string;
  amount: bigint;
  merchant: { mchNo: string; name: string };
  customer: Customer;
  baseUrl: string;
}

/** A stable national merchant id (`ID` + 13 digits) per merchant. */
export function merchantNmid(mchNo: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(mchNo).digest('hex').slice(0, 15)}`) % 10_000_000_000_000n;
  return `ID${digits.toString().padStart(13, '0')}`;
}

function payWay(method: PaymentMethod, baseUrl: string, payCode?: string): PayWay {
  return {
    countryCode: 'id',
    payWay: method.code,
    payWayLogo: `${baseUrl}/sandbox/logos/${method.code}.svg`,
    payWayType: COLLECTION_TYPE[method.type],
    ...(payCode !== undefined && { payCode }),
  };
}

function payWaysOf(methods: readonly PaymentMethod[], baseUrl: string, payCode?: string): Record<string, PayWay[]> {
  const groups: Record<string, PayWay[]> = {};
  for (const method of methods) (groups[COLLECTION_TYPE[method.type]] ??= []).push(payWay(method, baseUrl, payCode));
  return groups;
}

export function payInstructions(input: PayInstructionsInput): PayInstructions {
  const { method, payOrderId, baseUrl } = input;
  const tail = payOrderId.slice(-12);
  const accountName = input.customer.name ?? input.merchant.name;
  switch (method.type) {
    case 'BANK_VA': {
      const va = `${VA_PREFIX[method.code] ?? '8800'}${tail}`;
      return { payUrl: va, accountName, accountNumber: va, typeBank: method.code.replace(/_/g, ' '), payWays: payWaysOf([method], baseUrl) };
    }
    case 'MART': {
      const paymentCode = `${MART_PREFIX[method.code] ?? '7000'}${tail}`;
      return { payUrl: paymentCode, payWays: payWaysOf([method], baseUrl) };
    }
    case 'QRIS': {
      const nmid = merchantNmid(input.merchant.mchNo);
      const qris = buildQris({ merchantName: input.merchant.name, nmid, amount: input.amount, reference: payOrderId });
      return {
        payUrl: qris,
        payData: qris,
        accountName: input.merchant.name,
        accountNumber: nmid,
        typeBank: 'QRIS',
        payWays: payWaysOf([method], baseUrl, qris),
      };
    }
    case 'EWALLET': {
      const qris = buildQris({ merchantName: input.merchant.name, nmid: merchantNmid(input.merchant.mchNo), amount: input.amount, reference: payOrderId });
      const wallet = method.code.replace(/^EWALLET_/, '').toLowerCase();
      return {
        payUrl: `${baseUrl}/sandbox/ewallet/${wallet}/checkout/${payOrderId}`,
        payData: qris,
        accountName,
        accountNumber: input.customer.contact ?? tail,
        payWays: payWaysOf([method], baseUrl, qris),
      };
    }
    case 'CASHIER':
      return {
        payUrl: `${baseUrl}/sandbox/cashier/${payOrderId}`,
        payWays: payWaysOf(
          PAYMENT_METHODS.filter((candidate) => candidate.type !== 'CASHIER'),
          baseUrl,
        ),
      };
  }
}
