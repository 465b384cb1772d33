import { SpanKind, type Span } from '@opentelemetry/api';
import { failSpan, recordingParent, startSpan } from '../lib/tracing.js';

/**
 * A span per SQL statement, as a child of the active span (nothing outside a trace, nothing at
 * all when tracing is off). `db.statement` is the statement's text with its `$1`/`?`
 * placeholders: parameter values never reach a span.
 */
export function startSqlSpan(text: string): Span | undefined {
  if (!recordingParent()) return undefined;
  return startSpan(sqlSpanName(text), { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': text } });
}

/** The ORM reports statements after they ran (its query logger): the span is drawn from when it started. */
export function recordOrmStatement(text: string, tookMs: number, failed: boolean): void {
  if (!recordingParent()) return;
  const end = Date.now();
  const span = startSpan(sqlSpanName(text), {
    kind: SpanKind.CLIENT,
    startTime: end - tookMs,
    attributes: { 'db.system': 'postgresql', 'db.statement': text },
  });
  if (failed) failSpan(span, undefined, 'db_error');
  span.end(end);
}

/** `insert orders`, `select merchants`, `begin`: the operation and its first table, a low-cardinality name. */
export function sqlSpanName(text: string): string {
  const target = statementTarget(text);
  if (target) return `${target.verb.split(' ')[0]} ${target.table}`;
  return /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'sql';
}

/**
 * What a statement does, and to which table: its first write (`with o as (insert into orders …` →
 * insert into orders), else the table it selects from. Never its values (there are none in its text).
 */
export function statementTarget(text: string): { verb: 'insert into' | 'update' | 'delete from' | 'select'; table: string } | undefined {
  const write = /\b(insert into|update|delete from)\s+"?(\w+)"?/i.exec(text);
  if (write) return { verb: write[1]!.toLowerCase() as 'insert into' | 'update' | 'delete from', table: write[2]! };
  const read = /^\s*(?:with\b[\s\S]*?\)\s*)?select\b[\s\S]*?\bfrom\s+"?(\w+)"?/i.exec(text);
  return read ? { verb: 'select', table: read[1]! } : undefined;
}
