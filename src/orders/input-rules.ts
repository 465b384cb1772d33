import { z } from 'zod';
import { findPaymentMethod, findPayoutBank } from '../tarspay/catalogs.js';

/** Input rules shared by the GraphQL inputs: what TarsPay accepts, checked before anything is stored. */

/** Whole rupiah as a string: digits only, no leading zero, not zero, at most 15 digits. */
export const amountRule = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a string of whole rupiah, greater than 0, without decimals or separators (e.g. "150000")');

export const merchantOrderNoRule = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"');

export const collectionMethodRule = z.string().refine((code) => findPaymentMethod(code) !== undefined, {
  message: 'is not a collection method: see the paymentMethods query (e.g. BANK_BCA, QRIS, EWALLET_OVO, MART_ALFA, CASHIER)',
});

export const payoutBankRule = z.string().refine((code) => findPayoutBank(code) !== undefined, {
  message: 'is not a payout bank code: see the payoutBanks query (e.g. BANK_BCA)',
});

export const urlRule = z
  .string()
  .max(512)
  .refine((text) => /^https?:\/\/[^\s]+$/i.test(text) && URL.canParse(text), 'must be an http(s) URL');

/** Indonesian mobile or landline: +62…, 62… or 0…, 9 to 15 digits after the prefix's own. */
export const indonesianPhoneRule = z
  .string()
  .regex(/^(\+62|62|0)[1-9]\d{7,12}$/, 'must be an Indonesian phone number like 081234567890 or +6281234567890');

export const emailRule = z.email('must be an e-mail address').max(254);
export const nameRule = z.string().trim().min(1).max(64);
export const accountNumberRule = z.string().regex(/^\d{5,34}$/, 'must be 5 to 34 digits');
export const subjectRule = z.string().trim().min(1).max(64);
export const descriptionRule = z.string().trim().min(1).max(256);
export const addressRule = z.string().max(256);
