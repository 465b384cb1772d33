import { z } from 'zod';
import { decodeKeyEncryptionKey, KEY_ENCRYPTION_KEY_FORMAT } from '../merchants/key-encryption.js';
import { TRACES_SAMPLERS } from '../observability/tracing-settings.js';
import { isPrivateKeyHex, isPublicKeyHex, PRIVATE_KEY_FORMAT, PRIVATE_KEY_HEX, PUBLIC_KEY_FORMAT, PUBLIC_KEY_HEX } from '../tarspay/signer.js';
import { COLLECTION_AMOUNT_LIMITS, PAYMENT_METHOD_TYPES, type AmountLimit, type PaymentMethodType } from '../tarspay/catalogs.js';

/** How the environment's text becomes values: the building blocks of the models in src/config/models.ts. */

export { booleanVariable as boolean } from '../lib/environment-values.js';
const hexKey = z.string().trim().regex(PRIVATE_KEY_HEX, `must be ${PRIVATE_KEY_FORMAT}`);
const publicKey = z.string().trim().regex(PUBLIC_KEY_HEX, `must be ${PUBLIC_KEY_FORMAT}`);
export const positiveInt = z.coerce.number().int().positive();
/** A well-formed key can still be no key at all: 0, or past the curve's order (private); off the curve (public). */
export const privateKey = hexKey.refine(
  (text) => !PRIVATE_KEY_HEX.test(text) || isPrivateKeyHex(text),
  "is not a valid secp256k1 private key (zero, or not below the curve's order): set the merchant's private key, whose public half TarsPay has",
);
export const platformPublicKey = publicKey.refine(
  (text) => !PUBLIC_KEY_HEX.test(text) || isPublicKeyHex(text),
  'is not a point on secp256k1: copy the platform public key TarsPay gave you again',
);

/** `a, b,,c ` → ['a', 'b', 'c']: the comma-separated lists of the variables below. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
const KEK_FORMAT = `must be ${KEY_ENCRYPTION_KEY_FORMAT} (make one with \`openssl rand -hex 32\`)`;
export const keyEncryptionKey = z
  .string()
  .trim()
  .refine((text) => decodeKeyEncryptionKey(text) !== null, KEK_FORMAT);
export const keyEncryptionKeys = z.string().transform((text, context) => {
  const keys = commaList(text);
  keys.forEach((key, index) => {
    if (!decodeKeyEncryptionKey(key)) context.addIssue({ code: 'custom', message: `entry ${index + 1} ${KEK_FORMAT}` });
  });
  return keys;
});

function parseLimit(text: string): AmountLimit {
  const match = /^(\d+)-(\d*)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not MIN-MAX or MIN- in whole rupiah`);
  const min = BigInt(match[1]!);
  if (!match[2]) return { min };
  const max = BigInt(match[2]);
  if (max < min) throw new Error(`"${text}": MAX is below MIN`);
  return { min, max };
}

/** `BANK_VA:10000-50000000,EWALLET:10000-` → limits per method type; unlisted types keep TarsPay's (COLLECTION_AMOUNT_LIMITS). */
export const collectionLimits = z.string().transform((text, context) => {
  const limits: Record<PaymentMethodType, AmountLimit> = { ...COLLECTION_AMOUNT_LIMITS };
  for (const entry of text.split(',').filter(Boolean)) {
    const [type, range] = entry.split(':');
    if (!PAYMENT_METHOD_TYPES.includes(type as PaymentMethodType) || !range) {
      context.addIssue({ code: 'custom', message: `"${entry}": expected TYPE:MIN-MAX with TYPE one of ${PAYMENT_METHOD_TYPES.join(', ')}` });
      return z.NEVER;
    }
    try {
      limits[type as PaymentMethodType] = parseLimit(range);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }
  return limits;
});

export const payoutLimit = z.string().transform((text, context) => {
  try {
    return parseLimit(text);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** `https://shop.example,http://localhost:3000` → exact origins (scheme, host and port; no path). */
export const origins = z.string().transform((text, context) => {
  const list: string[] = [];
  for (const entry of commaList(text)) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin !== entry.replace(/\/$/, '').toLowerCase()) {
      context.addIssue({ code: 'custom', message: `"${entry}" is not an origin: write scheme://host[:port], e.g. https://shop.example` });
      return z.NEVER;
    }
    list.push(origin);
  }
  return list;
});

/** `GetOrder,MyCheckout` → GraphQL operation names. */
export const operationNames = z.string().transform((text, context) => {
  const names = commaList(text);
  const bad = names.filter((name) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name));
  if (bad.length) {
    context.addIssue({ code: 'custom', message: `not GraphQL operation names: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return names;
});

/** `key1=value1,key2=value2` (values percent-decoded), the format of OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES; never echoed (headers may hold an API key). */
export const keyValueList = z.string().transform((text, context) => {
  const pairs: Record<string, string> = {};
  for (const [index, entry] of commaList(text).entries()) {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    let value: string | undefined;
    try {
      value = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      value = undefined;
    }
    if (!key || value === undefined) {
      context.addIssue({ code: 'custom', message: `entry ${index + 1} is not key=value (comma-separated, values percent-encoded)` });
      return z.NEVER;
    }
    pairs[key] = value;
  }
  return pairs;
});

/** OTEL_TRACES_EXPORTER: `otlp`, `console` (both: `otlp,console`) or `none`. */
export const traceExporters = z.string().transform((text, context) => {
  const names = [...new Set(commaList(text.toLowerCase()))];
  const unknown = names.filter((name) => !['otlp', 'console', 'none'].includes(name));
  if (unknown.length || names.length === 0 || (names.includes('none') && names.length > 1)) {
    const what = unknown.length ? `${unknown.map((name) => `"${name}"`).join(', ')} not supported` : 'none cannot be combined with an exporter';
    context.addIssue({ code: 'custom', message: `${what}: use otlp, console, otlp,console or none` });
    return z.NEVER;
  }
  return names as Array<'otlp' | 'console' | 'none'>;
});

export const otlpProtocol = z.string().transform((text, context) => {
  const protocol = text.trim().toLowerCase();
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  const hint = protocol === 'grpc' ? 'grpc is not supported' : `"${text}" is not an OTLP protocol`;
  context.addIssue({ code: 'custom', message: `${hint}: use http/protobuf (the default) or http/json, to the collector's OTLP/HTTP port (4318)` });
  return z.NEVER;
});

export const otlpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://localhost:4318' });

export const tracesSampler = z.enum(TRACES_SAMPLERS, { error: `must be one of ${TRACES_SAMPLERS.join(', ')}` });
const RATIO = 'must be a ratio from 0 to 1, e.g. 0.1';
export const ratio = z.coerce.number({ error: RATIO }).min(0, RATIO).max(1, RATIO);
