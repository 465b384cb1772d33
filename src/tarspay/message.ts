/**
 * The text TarsPay signs (docs/TARSPAY.md): `POST|path|nonce|params`, where params are the body's
 * top-level keys in byte order, `key=value` joined by `&`, values raw (no URL-encoding, no quotes).
 */
export type SignableBody = Record<string, unknown>;

/** How empty values ('' and null) appear in params. TarsPay has not settled it. */
export type EmptyValueForm = 'omit' | 'keep';

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Absent on TarsPay's wire: the key is missing, null or "" (TarsPay has not settled which it sends).
 * The one reading of "no value", for what is signed and sent and for what is read back.
 */
export function isAbsentOnWire(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return '';
  return JSON.stringify(value);
}

export function canonicalParams(body: SignableBody, emptyValues: EmptyValueForm = 'omit'): string {
  return Object.keys(body)
    .filter((key) => body[key] !== undefined && (emptyValues === 'keep' || !isAbsentOnWire(body[key])))
    .sort(byteOrder)
    .map((key) => `${key}=${paramText(body[key])}`)
    .join('&');
}

export function requestMessage(path: string, nonce: string, body: SignableBody, emptyValues: EmptyValueForm = 'omit'): string {
  return `POST|${path}|${nonce}|${canonicalParams(body, emptyValues)}`;
}

/** Drops undefined, null and '' so that what is signed and what is sent are the same. */
export function withoutEmptyValues<T extends SignableBody>(body: T): Partial<T> {
  const result: SignableBody = {};
  for (const [key, value] of Object.entries(body)) {
    if (!isAbsentOnWire(value)) result[key] = value;
  }
  return result as Partial<T>;
}

/**
 * Compact JSON with object keys sorted (byte order) at every level: what TarsPay signs in callbacks
 * and response `data`. Written out directly, key by key, so every own key is kept as it is: an
 * intermediate object would turn a `__proto__` key into a prototype and drop it from the text.
 */
export function compactSortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => compactSortedJson(item === undefined ? null : item)).join(',')}]`;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const record = value as SignableBody;
    const members = Object.keys(record)
      .filter((key) => !['undefined', 'function', 'symbol'].includes(typeof record[key])) // as JSON.stringify drops them
      .sort(byteOrder)
      .map((key) => `${JSON.stringify(key)}:${compactSortedJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
