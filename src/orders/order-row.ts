import { p } from '@mikro-orm/core';
import { uuidv7 } from '../db/uuid.js';
import { Merchant } from '../merchants/merchant.entity.js';
import type { OrderStatus } from './order-status.js';

export const ORDER_KINDS = ['COLLECTION', 'PAYOUT'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** Who pays (collections) or who is paid (payouts), as TarsPay wants them. */
export interface OrderCustomer {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  accountNumber?: string | null;
}

/** The bank account a payout goes to. */
export interface OrderBeneficiary {
  accountNumber: string;
  accountName: string;
  address?: string | null;
}

/** Extra fields of TarsPay's answer worth keeping: VA number, typeBank, payWays… */
export type OrderInstructions = Record<string, unknown>;

/**
 * The one declaration of the `orders` row: each field with its MikroORM property (the entity is made
 * of these: order.entity.ts), how its value is read from a row and written as a parameter, whether
 * the public view shows it (and what a restricted view shows instead), and whether a decision may
 * change it. The record type, the column list, the row reader, the insert, the change columns and
 * the views are all derived from it: a new column is one line here (and its GraphQL field, if
 * public), plus its migration.
 */

/** How a value goes between the record and PostgreSQL (pg's own parsing, or JSON from pub/sub). */
interface Conversion<T> {
  /** From what pg hands over, or from a change message that crossed Redis as JSON. */
  read(value: unknown): T;
  /** To a statement parameter. */
  write(value: T): unknown;
  /** The parameter's cast, e.g. `::jsonb`. */
  cast?: string;
}

const same = <T>(value: T): unknown => value;

const text = <T extends string = string>(): Conversion<T> => ({ read: (value) => value as T, write: same });
const integer: Conversion<number> = { read: (value) => Number(value), write: same };
/** Whole rupiah (`bigint`): pg hands int8 over as text, which is what the record keeps. */
const bigintText: Conversion<string> = { read: (value) => String(value), write: same };
const boolean: Conversion<boolean> = { read: (value) => value as boolean, write: same };
const timestamp: Conversion<Date> = { read: (value) => (value instanceof Date ? value : new Date(value as string)), write: same };
const json = <T>(): Conversion<T> => ({
  read: (value) => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T)),
  write: (value) => JSON.stringify(value),
  cast: '::jsonb',
});
const reference: Conversion<{ id: string }> = { read: (value) => ({ id: value as string }), write: (value) => value.id };

function nullable<T>(conversion: Conversion<T>): Conversion<T | null> {
  return {
    read: (value) => (value === null || value === undefined ? null : conversion.read(value)),
    write: (value) => (value === null ? null : conversion.write(value)),
    cast: conversion.cast,
  };
}

interface FieldOptions<T> {
  /** Defaults to the field's name in snake_case (MikroORM's naming). */
  column?: string;
  /** In the public view: `true` for everyone, `{ restricted }` with what a restricted view shows instead. */
  view?: true | { restricted: T };
  /** A decision may write it: `set` replaces, `fill` only fills in a null (facts that never go backwards). */
  change?: 'set' | 'fill';
}

interface Field<T, Property> extends FieldOptions<T> {
  orm: Property;
  convert: Conversion<T>;
}

function field<T, Property, const Options extends FieldOptions<T> = FieldOptions<T>>(
  orm: Property,
  convert: Conversion<T>,
  options?: Options,
): Field<T, Property> & Options {
  return { orm, convert, ...(options as Options) };
}

export const ORDER_ROW = {
  id: field(
    p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    text(),
    { view: true },
  ),
  merchant: field(p.manyToOne(Merchant), reference, { column: 'merchant_id' }),
  kind: field(p.text().$type<OrderKind>(), text<OrderKind>(), { view: true }),
  merchantOrderNo: field(p.text(), text(), { view: true }),
  /** TarsPay's payOrderId, once TarsPay has answered. */
  platformOrderId: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'fill' }),
  status: field(p.text().$type<OrderStatus>(), text<OrderStatus>(), { view: true, change: 'set' }),
  amount: field(p.bigint('string'), bigintText, { view: true }),
  paidAmount: field(p.bigint('string').nullable(), nullable(bigintText), { view: { restricted: null }, change: 'set' }),
  /** TarsPay's fee as it reported it, exact decimal text ("1050.50"): informational, never computed with. */
  fee: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'set' }),
  currency: field(
    p
      .text()
      .default('IDR')
      .onCreate(() => 'IDR'),
    text(),
    { view: true },
  ),
  /** wayCode for collections, payout bank code for payouts. */
  method: field(p.text(), text(), { view: true }),
  subject: field(p.text().nullable(), nullable(text()), { view: true }),
  description: field(p.text().nullable(), nullable(text())),
  returnUrl: field(p.text().nullable(), nullable(text())),
  customer: field(p.json<OrderCustomer>().nullable(), nullable(json<OrderCustomer>())),
  beneficiary: field(p.json<OrderBeneficiary>().nullable(), nullable(json<OrderBeneficiary>())),
  payUrl: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'fill' }),
  payData: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'fill' }),
  instructions: field(p.json<OrderInstructions>().nullable(), nullable(json<OrderInstructions>()), { view: { restricted: null }, change: 'fill' }),
  failureReason: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'set' }),
  upstreamCode: field(p.integer().nullable(), nullable(integer), { view: { restricted: null }, change: 'set' }),
  /** Hash of the creating input: the same merchantOrderNo with another input is an idempotency conflict. */
  requestFingerprint: field(p.text(), text()),
  /** The API token that created the order: an idempotent replay answers it (or a token with orders:read) only. */
  createdByToken: field(p.uuid().nullable(), nullable(text())),
  /** TarsPay reported a paid amount different from the order's amount. */
  amountMismatch: field(
    p
      .boolean()
      .default(false)
      .onCreate(() => false),
    boolean,
    { view: { restricted: false }, change: 'set' },
  ),
  expiresAt: field(p.datetime().nullable(), nullable(timestamp), { view: { restricted: null }, change: 'set' }),
  /** TarsPay proved it holds this order (an answer naming it, or "already exists" to a re-sent create). */
  upstreamConfirmed: field(
    p
      .boolean()
      .default(false)
      .onCreate(() => false),
    boolean,
    { change: 'set' },
  ),
  /** Creates sent to TarsPay for this order: the first, plus identical re-sends by reconciliation. */
  createAttempts: field(
    p
      .integer()
      .default(0)
      .onCreate(() => 0),
    integer,
  ),
  /** Since when a person should look at the order (see orders/attention.ts); null when not flagged. */
  attentionSince: field(p.datetime().nullable(), nullable(timestamp), { view: { restricted: null }, change: 'set' }),
  /** Why, as `CODE: message` (codes in orders/attention.ts); null when not flagged. */
  attentionReason: field(p.text().nullable(), nullable(text()), { view: { restricted: null }, change: 'set' }),
  /** When reconciliation should next ask TarsPay about this order (null: nothing to check). */
  nextCheckAt: field(p.datetime().nullable(), nullable(timestamp), { change: 'set' }),
  checkAttempts: field(
    p
      .integer()
      .default(0)
      .onCreate(() => 0),
    integer,
    { change: 'set' },
  ),
  createdAt: field(
    p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    timestamp,
    { view: true },
  ),
  updatedAt: field(
    p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    timestamp,
    { view: true },
  ),
};

type Row = typeof ORDER_ROW;
type FieldName = keyof Row;
type ValueOf<F> = F extends Field<infer T, unknown> ? T : never;

/** The entity's properties (order.entity.ts), in the row's order. */
export const ORDER_PROPERTIES = Object.fromEntries(Object.entries(ORDER_ROW).map(([name, { orm }]) => [name, orm])) as {
  [K in FieldName]: Row[K]['orm'];
};

/** An order as the write paths read and return it: the `orders` row as plain data. */
export type OrderRecord = { [K in FieldName]: ValueOf<Row[K]> };

const FIELDS = (Object.keys(ORDER_ROW) as FieldName[]).map((name) => {
  const declared: Field<unknown, unknown> & FieldOptions<unknown> = ORDER_ROW[name];
  return { name, ...declared, column: declared.column ?? name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) };
});

/** Every column of `orders` in the record's order, for `select` and `returning`. */
export const ORDER_COLUMNS = FIELDS.map((field) => field.column).join(', ');

/** ORDER_COLUMNS of the table aliased `alias` (for joins). */
export function orderColumnsOf(alias: string): string {
  return FIELDS.map((field) => `${alias}.${field.column}`).join(', ');
}

export function orderFromRow(row: Record<string, unknown>): OrderRecord {
  const record: Record<string, unknown> = {};
  for (const field of FIELDS) record[field.name] = field.convert.read(row[field.column]);
  return record as OrderRecord;
}

/** The columns and parameters of an insert of `values` (fields left out take their column's default), parameters from `$first`. */
export function insertColumns(values: Partial<OrderRecord>, first: number): { columns: string; parameters: string; values: unknown[] } {
  const given = FIELDS.filter((field) => values[field.name] !== undefined);
  return {
    columns: given.map((field) => field.column).join(', '),
    parameters: given.map((field, index) => `$${first + index}${field.convert.cast ?? ''}`).join(', '),
    values: given.map((field) => field.convert.write(values[field.name])),
  };
}

type ChangeableField = { [K in FieldName]: Row[K] extends { change: 'set' | 'fill' } ? K : never }[FieldName];

/** The columns a decision changes (only those), by field. */
export type ColumnChanges = Partial<Pick<OrderRecord, ChangeableField>>;

/**
 * `column = $n` for each change, parameters pushed onto `values`. A `fill` field keeps a value a
 * concurrent write filled in first (the compare-and-set is on the status, not on these facts).
 */
export function changeAssignments(changes: ColumnChanges, values: unknown[]): string[] {
  return FIELDS.filter((field) => field.change && field.name in changes).map((field) => {
    const value = changes[field.name as ChangeableField];
    values.push(field.convert.write(value));
    const parameter = `$${values.length}${field.convert.cast ?? ''}`;
    return `${field.column} = ${field.change === 'fill' ? `coalesce(${field.column}, ${parameter})` : parameter}`;
  });
}

type ViewField = { [K in FieldName]: Row[K] extends { view: unknown } ? K : never }[FieldName];

/**
 * What the GraphQL Order type reads: a record, an Order entity, or the snapshot a change message
 * carries (toOrderView). Values an entity may leave undefined read as null.
 */
export type OrderView = { [K in ViewField]: OrderRecord[K] | (null extends OrderRecord[K] ? undefined : never) };

/** The snapshot of an order a change message carries: plain JSON, so it crosses Redis to every instance. */
export type OrderSnapshot = { [K in ViewField]: OrderRecord[K] };

const VIEW_FIELDS = FIELDS.filter((field): field is (typeof FIELDS)[number] & { name: ViewField } => field.view !== undefined);

export function toOrderView(order: OrderView): OrderSnapshot {
  const view: Record<string, unknown> = {};
  for (const { name } of VIEW_FIELDS) view[name] = order[name] ?? null;
  return view as OrderSnapshot;
}

/** A snapshot that crossed Redis as JSON, with its values as the record has them again (dates). */
export function reviveOrderView(order: OrderSnapshot): OrderSnapshot {
  const view: Record<string, unknown> = {};
  for (const { name, convert } of VIEW_FIELDS) view[name] = convert.read(order[name]);
  return view as OrderSnapshot;
}

/**
 * What a token without orders:read may see of an order it replayed (same merchantOrderNo, same
 * input): its id and status, and what it sent itself. No payment details, no TarsPay ids, no events.
 */
export function restrictedView(order: OrderView): OrderSnapshot & { restricted: true } {
  const view: Record<string, unknown> = toOrderView(order);
  for (const { name, view: shown } of VIEW_FIELDS) if (shown !== true && shown) view[name] = shown.restricted;
  return { ...(view as OrderSnapshot), restricted: true };
}
