import type { LedgerEntry } from '../src/sandbox/ledger.js';
import { INVARIANTS, type GatewayOrder, type StoredEvent, type Violation } from './invariants.js';
import { FAULT_KINDS, type FaultKind } from './schedule.js';

/** The run's table: faults by kind, orders, events, each invariant's result, and each violation with its order's history. */

export interface RunSummary {
  seed: number;
  digest: string;
  planned: Map<FaultKind, number>;
  injected: Map<FaultKind, number>;
  orders: readonly GatewayOrder[];
  ledger: readonly LedgerEntry[];
  events: readonly StoredEvent[];
  violations: readonly Violation[];
  notes: string[];
}

const MAX_DETAILED = 8;

export function faultTotal(injected: Map<FaultKind, number>): number {
  return [...injected.values()].reduce((sum, count) => sum + Math.max(0, count), 0);
}

export function renderReport(run: RunSummary): string {
  const lines: string[] = [];
  lines.push('', `faults (seed ${run.seed}, plan ${run.digest})          planned  injected`);
  for (const kind of FAULT_KINDS) {
    lines.push(`  ${kind.padEnd(36)} ${String(run.planned.get(kind) ?? 0).padStart(7)} ${String(Math.max(0, run.injected.get(kind) ?? 0)).padStart(9)}`);
  }
  const byStatus = new Map<string, number>();
  for (const order of run.orders) byStatus.set(order.status, (byStatus.get(order.status) ?? 0) + 1);
  const flagged = run.orders.filter((order) => order.attentionSince !== null).length;
  lines.push(
    '',
    `orders: ${run.orders.length} in the gateway (${[...byStatus].map(([status, count]) => `${status} ${count}`).join(', ')}; ${flagged} flagged), ` +
      `${run.ledger.filter((entry) => entry.order).length} held by TarsPay, ${run.ledger.reduce((sum, entry) => sum + entry.creates.length, 0)} creates received`,
    `events: ${run.events.length} committed`,
    '',
    'invariants',
  );
  for (const [number, text] of Object.entries(INVARIANTS)) {
    const count = run.violations.filter((violation) => violation.invariant === Number(number)).length;
    lines.push(`  ${number}. ${text.padEnd(72)} ${count === 0 ? 'ok' : `${count} violation${count === 1 ? '' : 's'}`}`);
  }
  for (const note of run.notes) lines.push(`  note: ${note}`);
  if (run.violations.length > 0) {
    lines.push('', 'violations');
    for (const number of Object.keys(INVARIANTS).map(Number)) {
      const list = run.violations.filter((violation) => violation.invariant === number);
      // The first few with their history, the rest one line each.
      for (const violation of list.slice(0, MAX_DETAILED)) lines.push(...describe(violation, run));
      for (const violation of list.slice(MAX_DETAILED)) lines.push(describe(violation, run)[0]!);
    }
  }
  return lines.join('\n');
}

function describe(violation: Violation, run: RunSummary): string[] {
  const order = run.orders.find(
    (candidate) => candidate.id === violation.orderId || (violation.orderId === undefined && candidate.merchantOrderNo === violation.merchantOrderNo),
  );
  const lines = [
    `  [${violation.invariant}] ${violation.merchantOrderNo ?? order?.merchantOrderNo ?? '-'} ${order?.id ?? violation.orderId ?? ''}: ${violation.message}`,
  ];
  if (order) {
    const events = run.events.filter((event) => event.orderId === order.id);
    lines.push(`      gateway: ${events.map((event) => `#${event.seq} ${event.status}${event.applied ? '' : ' (ignored)'}`).join(' → ') || 'no events'}`);
  }
  const merchantOrderNo = violation.merchantOrderNo ?? order?.merchantOrderNo;
  for (const entry of run.ledger.filter((candidate) => candidate.mchOrderNo === merchantOrderNo)) {
    const creates = entry.creates.map(
      (create) => `${create.outcome}${create.code === undefined ? '' : ` ${create.code}`}${create.afterConfirmed ? ' (after confirmed)' : ''}`,
    );
    const history = entry.order?.history.map((step) => step.status).join(' → ') ?? 'nothing stored';
    lines.push(
      `      TarsPay ${entry.kind} ${entry.mchOrderNo}: creates [${creates.join(', ')}], ${entry.order?.payOrderId ?? ''} ${history}, confirmed ${entry.confirmedBy ?? 'never'}`,
    );
  }
  return lines;
}

export function finalLine(seed: number, orders: number, faults: number, violations: number): string {
  return `chaos: seed ${seed}, ${orders} orders, ${faults} faults, ${violations} violations`;
}
