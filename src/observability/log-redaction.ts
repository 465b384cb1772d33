import { DriverException } from '@mikro-orm/core';

/**
 * Database errors carry the values of the statement that failed: MikroORM inlines the parameters
 * into the SQL it puts at the front of the message (`insert into "orders" (…) values (…, 'budi@…')
 * - new row violates …`), and PostgreSQL adds a `detail` ("Failing row contains (…)", "Key (…)=(…)").
 * A customer's email or phone must not reach a log line or a GraphQL answer that way. These helpers
 * keep what helps an operator (SQLSTATE code, table, constraint, the kind of statement, PostgreSQL's
 * message with its quoted values replaced) and drop the rest.
 */

/** PostgreSQL's error fields that name schema objects, never row values. */
const SAFE_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'constraint', 'dataType', 'routine'] as const;

const SQL_START =
  /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|create|alter|drop|truncate|lock|set|do|values|copy|explain)\b/i;
/** `relation "orders"`, `constraint "…"`: schema objects, kept; any other "…" may be a value. */
const NAMED_OBJECT =
  /\b(relation|column|constraint|table|index|schema|type|function|database|role|sequence|view|trigger|savepoint|extension|operator|parameter)\s+"[^"]*"/gi;

interface PgErrorFields {
  code?: unknown;
  severity?: unknown;
}

/** A MikroORM DriverException, or a raw `pg` error (it has PostgreSQL's severity and a SQLSTATE code). */
export function isDatabaseError(error: unknown): error is Error {
  if (error instanceof DriverException) return true;
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as PgErrorFields;
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * `insert into "orders" (…) values (…) - message\n - detail: Failing row contains (…)\n - hint: …`
 * (knex puts the statement first, MikroORM adds detail and hint) → `message\n - hint: …`, with any
 * quoted value in them replaced by "?". The detail is dropped: it repeats the row or the key.
 */
export function redactDatabaseMessage(message: string): string {
  const detailAt = message.indexOf('\n - detail: ');
  const hintAt = message.indexOf('\n - hint: ');
  const hint = hintAt >= 0 ? message.slice(hintAt) : '';
  let text = message.slice(
    0,
    [detailAt, hintAt].filter((at) => at >= 0).reduce((first, at) => Math.min(first, at), message.length),
  );
  if (SQL_START.test(text)) {
    const separator = text.lastIndexOf(' - ');
    text = separator >= 0 ? text.slice(separator + 3) : '[SQL statement withheld]';
  }
  return redactQuoted(text + hint);
}

function redactQuoted(text: string): string {
  const kept: string[] = [];
  const marked = text.replace(NAMED_OBJECT, (match) => `\u0000${kept.push(match) - 1}\u0000`);
  const redacted = marked.replace(/"(?:[^"\\]|\\.)*"/g, '"?"').replace(/'(?:[^'\\]|\\.|'')*'/g, "'?'");
  return redacted.replace(/\u0000(\d+)\u0000/g, (_match, index: string) => kept[Number(index)]!);
}

/** `insert into "orders" (…) values …` → `insert into "orders"`: the kind of statement and its table. */
function statementOf(message: string): string | undefined {
  if (!SQL_START.test(message)) return undefined;
  const table = /^\s*(insert\s+into|update|delete\s+from)\s+("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(message);
  if (table) return `${table[1]!.toLowerCase().replace(/\s+/g, ' ')} ${table[2]}`;
  const from = /\bfrom\s+("[^"]+"(?:\."[^"]+")?|[\w.]+)/i.exec(message.slice(0, message.lastIndexOf(' - ')));
  const verb = /^\s*(\w+)/.exec(message)![1]!.toLowerCase();
  return from ? `${verb} … from ${from[1]}` : verb;
}

/** The error as it may be shown: same name, redacted message and stack, only the fields naming schema objects. */
export class RedactedDatabaseError extends Error {
  readonly statement?: string;

  constructor(original: Error) {
    const message = redactDatabaseMessage(original.message);
    super(message);
    this.name = original.name;
    const statement = statementOf(original.message) ?? (original as { statement?: unknown }).statement;
    if (typeof statement === 'string') this.statement = statement;
    for (const field of SAFE_FIELDS) {
      const value = (original as unknown as Record<string, unknown>)[field];
      if (typeof value === 'string' || typeof value === 'number') Object.assign(this, { [field]: value });
    }
    const frames = (original.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    this.stack = [`${this.name}: ${message}`, ...frames].join('\n');
  }
}

/** Where one error holds another: `cause`, GraphQLError's `originalError`, and any own enumerable field. */
function nestedKeys(error: Error): string[] {
  return [...new Set(['cause', 'originalError', ...Object.keys(error)])];
}

/**
 * The error with every database error in it (itself, or held in `cause`, `originalError` or another
 * field, as deep as 5 levels) redacted; the same object when there is none. An error whose message
 * repeats a database error's message (a GraphQLError made from it) gets the redacted one. Strings
 * that start with SQL (an error's message logged as text) lose the statement too.
 */
export function withoutDatabaseValues<T>(error: T, depth = 0): T | Error | string {
  if (typeof error === 'string') return SQL_START.test(error) ? redactDatabaseMessage(error) : error;
  if (!(error instanceof Error)) return error;
  if (isDatabaseError(error)) return new RedactedDatabaseError(error);
  if (depth >= 5) return error;
  let copy: Error | undefined;
  for (const key of nestedKeys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (!(value instanceof Error)) continue;
    const redacted = withoutDatabaseValues(value, depth + 1);
    if (redacted === value) continue;
    copy ??= cloneError(error);
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    Object.defineProperty(copy, key, { value: redacted, enumerable: descriptor?.enumerable ?? false, writable: true, configurable: true });
    const redactedMessage = (redacted as Error).message;
    if (copy.message.includes(value.message)) copy.message = copy.message.replace(value.message, redactedMessage);
    if (copy.stack?.includes(value.message)) copy.stack = copy.stack.replace(value.message, redactedMessage);
  }
  return copy ?? error;
}

function cloneError(error: Error): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Object.getOwnPropertyNames(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    Object.defineProperty(copy, key, 'value' in descriptor ? { ...descriptor, writable: true, configurable: true } : descriptor);
  }
  return copy;
}
