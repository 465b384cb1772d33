import { z } from 'zod';
import { isStorableText } from '../db/storable-text.js';
import { findPaymentMethod, findPayoutBank } from '../tarspay/catalogs.js';

/** Input rules shared by the GraphQL inputs: what TarsPay accepts, checked before anything is stored. */

/** C0 controls (NUL … U+001F: TAB, LF, CR, ESC among them), DEL and C1 controls (U+0080–U+009F). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, less the two a paragraph may hold: LF and TAB. */
const CONTROL_BUT_LINE_BREAK_OR_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Names, subjects, codes, numbers, URLs: one line, no control characters, nothing unstorable. */
export function isSingleLineText(text: string): boolean {
  return !CONTROL.test(text) && isStorableText(text);
}

/** Descriptions and addresses: may span lines (LF) and hold tabs; no other control characters. */
export function isFreeText(text: string): boolean {
  return !CONTROL_BUT_LINE_BREAK_OR_TAB.test(text) && isStorableText(text);
}

const SINGLE_LINE = 'must be a single line of printable text (no line breaks, tabs, ESC or other control characters)';
const FREE_TEXT = 'may hold line breaks (LF) and tabs, but no other control characters (CR, ESC, NUL…)';

/** Every string input starts from one of these two, so no rule can let a control character through. */
const singleLine = () => z.string().refine(isSingleLineText, SINGLE_LINE);
const freeText = () => z.string().refine(isFreeText, FREE_TEXT);

/** Whole rupiah as a string: digits only, no leading zero, not zero, at most 15 digits. */
export const amountRule = singleLine().regex(
  /^[1-9]\d{0,14}$/,
  'must be a string of whole rupiah, greater than 0, without decimals or separators (e.g. "150000")',
);

export const merchantOrderNoRule = singleLine()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"');

export const collectionMethodRule = singleLine().refine((code) => findPaymentMethod(code) !== undefined, {
  message: 'is not a collection method: see the paymentMethods query (e.g. BANK_BCA, QRIS, EWALLET_OVO, MART_ALFA, CASHIER)',
});

export const payoutBankRule = singleLine().refine((code) => findPayoutBank(code) !== undefined, {
  message: 'is not a payout bank code: see the payoutBanks query (e.g. BANK_BCA)',
});

export const urlRule = singleLine()
  .max(512)
  .refine((text) => /^https?:\/\/[^\s]+$/i.test(text) && URL.canParse(text), 'must be an http(s) URL');

/** Indonesian mobile or landline: +62…, 62… or 0…, 9 to 15 digits after the prefix's own. */
export const indonesianPhoneRule = singleLine().regex(/^(\+62|62|0)[1-9]\d{7,12}$/, 'must be an Indonesian phone number like 081234567890 or +6281234567890');

export const emailRule = z.email('must be an e-mail address').max(254).refine(isSingleLineText, SINGLE_LINE);
export const nameRule = singleLine().trim().min(1).max(64);
export const accountNumberRule = singleLine().regex(/^\d{5,34}$/, 'must be 5 to 34 digits');
export const subjectRule = singleLine().trim().min(1).max(64);
export const descriptionRule = freeText().trim().min(1).max(256);
export const addressRule = freeText().max(256);
