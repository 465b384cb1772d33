/**
 * Dynamic QRIS payloads (EMVCo merchant-presented QR, Bank Indonesia's QRIS profile): `ID.TAG.LEN.VALUE`
 * fields, amount in tag 54, and a CRC16-CCITT (poly 0x1021, init 0xFFFF) over everything up to and
 * including "6304". Any QRIS-reading app parses them; no real acquirer stands behind them.
 */

function field(id: string, value: string): string {
  if (value.length > 99) throw new RangeError(`QRIS field ${id} is longer than 99 characters`);
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}

/** CRC-16/CCITT-FALSE as 4 upper-case hex digits ("123456789" → "29B1"). */
export function crc16Ccitt(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** QRIS allows only printable ASCII in names, merchant name at most 25 characters. */
function qrText(text: string, maxLength: number): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '').trim();
  return (ascii || 'SANDBOX MERCHANT').slice(0, maxLength);
}

export interface QrisInput {
  merchantName: string;
  /** National merchant id printed under the QR (`ID` + 13 digits). */
  nmid: string;
  amount: bigint;
  /** Goes in the additional-data reference label (tag 62, sub-tag 05). */
  reference: string;
  city?: string;
  postalCode?: string;
}

export function buildQris(input: QrisInput): string {
  const payload = [
    field('00', '01'),
    field('01', '12'),
    field('26', field('00', 'ID.CO.TARSPAY.SANDBOX') + field('01', `936000${input.nmid.slice(-13)}`) + field('02', input.nmid) + field('03', 'UMI')),
    field('51', field('00', 'ID.CO.QRIS.WWW') + field('02', input.nmid) + field('03', 'UMI')),
    field('52', '5999'),
    field('53', '360'),
    field('54', input.amount.toString()),
    field('58', 'ID'),
    field('59', qrText(input.merchantName, 25)),
    field('60', qrText(input.city ?? 'JAKARTA', 15)),
    field('61', input.postalCode ?? '10110'),
    field('62', field('05', qrText(input.reference, 25))),
  ].join('');
  const withCrcTag = `${payload}6304`;
  return withCrcTag + crc16Ccitt(withCrcTag);
}

/** Splits a payload into its top-level fields (for tests and the cashier page). */
export function parseQrisFields(payload: string): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < payload.length) {
    const id = payload.slice(offset, offset + 2);
    const length = Number(payload.slice(offset + 2, offset + 4));
    if (!/^\d{2}$/.test(id) || !Number.isInteger(length)) throw new SyntaxError(`bad QRIS field at offset ${offset}`);
    fields.set(id, payload.slice(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fields;
}
