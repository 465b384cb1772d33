import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { renderCheckoutPage, renderLogo } from './checkout-page.js';
import type { SandboxContext } from './context.js';
import { callbackFaultInputSchema } from './callback-faults.js';
import { faultInputSchema } from './faults.js';
import { readBody, sendBody, sendHtml, sendJson } from './http-io.js';
import { settleAndNotify } from './order-lifecycle.js';
import { sandboxOrderView, settlementView } from './order-views.js';
import { OUTCOMES, SettlementError } from './settlement.js';
import type { SandboxOrder } from './store.js';

/** The sandbox's own paths under /sandbox (not TarsPay's): plain JSON and normal HTTP statuses. */

export const settlementSchema = z.object({
  outcome: z.enum(OUTCOMES),
  paidAmount: z.string().optional(),
  failReason: z.string().min(1).max(200).optional(),
  notify: z.boolean().optional(),
});

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const read = await readBody(req);
  if (!read.ok) throw new ControlError(read.reason === 'too-large' ? 413 : 400, 'request body larger than 1 MiB or cut short');
  try {
    return JSON.parse(read.body.toString('utf8'));
  } catch {
    throw new ControlError(400, 'the request body must be JSON');
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ControlError(400, parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}

function orderOrThrow(ctx: SandboxContext, payOrderId: string) {
  const order = ctx.store.order(payOrderId);
  if (!order) throw new ControlError(404, `no order ${payOrderId} in this sandbox (orders live in memory and are lost on restart)`);
  return order;
}

export const orderLookupSchema = z.object({
  mchNo: z.string({ error: 'required: the merchant number, e.g. ?mchNo=M1700000001&mchOrderNo=…' }).min(1, 'must not be empty'),
  mchOrderNo: z.string({ error: "required: the merchant's own order number" }).min(1, 'must not be empty'),
  kind: z.enum(['COLLECTION', 'PAYOUT']).optional(),
});

/** Orders by the merchant's own number, for a client that never learnt the payOrderId (its create answer was lost). */
export function findOrdersByMerchantOrderNo(ctx: SandboxContext, lookup: z.infer<typeof orderLookupSchema>): SandboxOrder[] {
  const kind = lookup.kind === undefined ? undefined : lookup.kind === 'COLLECTION' ? 'collection' : 'payout';
  return ctx.store.ordersByMerchantOrderNo(lookup.mchNo, lookup.mchOrderNo, kind);
}

type Route = {
  method: string;
  pattern: RegExp;
  run: (ctx: SandboxContext, params: string[], req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
};

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/sandbox\/health$/, run: (_ctx, _params, _req, res) => sendJson(res, 200, { ok: true }) },
  {
    method: 'GET',
    pattern: /^\/sandbox\/orders$/,
    run: (ctx, _params, req, res) => {
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://sandbox').searchParams);
      const orders = findOrdersByMerchantOrderNo(ctx, parseWith(orderLookupSchema, query));
      sendJson(res, 200, { orders: orders.map(sandboxOrderView) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sandbox\/orders\/([^/]+)$/,
    run: (ctx, [id], _req, res) => sendJson(res, 200, sandboxOrderView(orderOrThrow(ctx, id!))),
  },
  {
    method: 'POST',
    pattern: /^\/sandbox\/orders\/([^/]+)\/settle$/,
    run: async (ctx, [id], req, res) => {
      const settlement = parseWith(settlementSchema, await readJson(req));
      const { order, callbackSent } = settleAndNotify(ctx, id!, settlement);
      sendJson(res, 200, settlementView(order, callbackSent));
    },
  },
  { method: 'GET', pattern: /^\/sandbox\/faults$/, run: (ctx, _params, _req, res) => sendJson(res, 200, { faults: ctx.faults.list() }) },
  {
    method: 'POST',
    pattern: /^\/sandbox\/faults$/,
    run: async (ctx, _params, req, res) => sendJson(res, 201, ctx.faults.add(parseWith(faultInputSchema, await readJson(req)))),
  },
  {
    method: 'DELETE',
    pattern: /^\/sandbox\/faults$/,
    run: (ctx, _params, _req, res) => {
      ctx.faults.clear();
      sendJson(res, 200, { faults: [] });
    },
  },
  { method: 'GET', pattern: /^\/sandbox\/ledger$/, run: (ctx, _params, _req, res) => sendJson(res, 200, { entries: ctx.ledger.entries() }) },
  {
    method: 'GET',
    pattern: /^\/sandbox\/callback-faults$/,
    run: (ctx, _params, _req, res) => sendJson(res, 200, { faults: ctx.callbackFaults.list() }),
  },
  {
    method: 'POST',
    pattern: /^\/sandbox\/callback-faults$/,
    run: async (ctx, _params, req, res) => sendJson(res, 201, ctx.callbackFaults.add(parseWith(callbackFaultInputSchema, await readJson(req)))),
  },
  {
    method: 'DELETE',
    pattern: /^\/sandbox\/callback-faults$/,
    run: (ctx, _params, _req, res) => {
      ctx.callbackFaults.clear();
      sendJson(res, 200, { faults: [] });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sandbox\/merchants$/,
    run: (ctx, _params, _req, res) =>
      sendJson(res, 200, {
        merchants: ctx.store.merchants().map((merchant) => ({
          mchNo: merchant.mchNo,
          publicKey: merchant.publicKey,
          name: merchant.name,
          availableAmount: merchant.available.toString(),
          frozenAmount: merchant.frozen.toString(),
        })),
      }),
  },
  {
    method: 'GET',
    pattern: /^\/sandbox\/(?:cashier|ewallet\/[a-z]+\/checkout)\/([^/]+)$/,
    run: (ctx, [id], _req, res) => {
      const order = orderOrThrow(ctx, id!);
      sendHtml(res, 200, renderCheckoutPage(order, ctx.store.merchant(order.mchNo)?.name ?? order.mchNo));
    },
  },
  {
    method: 'GET',
    pattern: /^\/sandbox\/logos\/([A-Z0-9_]+)\.svg$/,
    run: (_ctx, [code], _req, res) => sendBody(res, 200, 'image/svg+xml', renderLogo(code!)),
  },
];

export async function handleControlRequest(ctx: SandboxContext, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const matches = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter(({ match }) => match);
    const found = matches.find(({ route }) => route.method === req.method);
    if (!found) {
      if (matches.length > 0) res.setHeader('Allow', matches.map(({ route }) => route.method).join(', '));
      throw new ControlError(matches.length > 0 ? 405 : 404, `not found: ${req.method} ${path}`);
    }
    const params = found.match!.slice(1).map((param) => decodeURIComponent(param));
    await found.route.run(ctx, params, req, res);
  } catch (error) {
    if (error instanceof ControlError || error instanceof SettlementError) {
      sendJson(res, error.status, { error: error.message });
      return;
    }
    if (error instanceof URIError) {
      sendJson(res, 400, { error: `bad percent-encoding in ${path}` });
      return;
    }
    ctx.log('error', 'sandbox control failed', { path, error: (error as Error).stack ?? String(error) });
    sendJson(res, 500, { error: 'sandbox internal error' });
  }
}
