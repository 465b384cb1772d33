/**
 * The text TarsPay signs (PROTOCOL.md): `POST|path|nonce|params`, where params are the body's
 * top-level keys in byte order, `key=value` joined by `&`, values raw (no URL-encoding, no quotes).
 */
export type SignableBody = Record<string, unknown>;

/** How empty values ('' and null) appear in params. TarsPay has not settled it. */
export type EmptyValueForm = 'omit' | 'keep';

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isEmpty(value: unknown): boolean {
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
    .filter((key) => body[key] !== undefined && (emptyValues === 'keep' || !isEmpty(body[key])))
    .sort(byteOrder)
    .map((key) => `${key}=${paramText(body[key])}`)
    .join('&');
}

export function requestMessage(
  path: string,
  nonce: string,
  body: SignableBody,
  emptyValues: EmptyValueForm = 'omit',
): string {
  return `POST|${path}|${nonce}|${canonicalParams(body, emptyValues)}`;
}

/** Drops undefined, null and '' so that what is signed and what is sent are the same. */
export function withoutEmptyValues<T extends SignableBody>(body: T): Partial<T> {
  const result: SignableBody = {};
  for (const [key, value] of Object.entries(body)) {
    if (!isEmpty(value)) result[key] = value;
  }
  return result as Partial<T>;
}

/** Compact JSON with object keys sorted at every level: what TarsPay signs in callbacks and response `data`. */
export function compactSortedJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(byteOrder)) sorted[key] = sortKeysDeep((value as SignableBody)[key]);
    return sorted;
  }
  return value;
}
