import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrivateKey } from '../tarspay/signer.js';
import { handleApiRequest, type HeldAnswers } from './api.js';
import { CallbackSender } from './callbacks.js';
import type { SandboxContext } from './context.js';
import { findOrdersByMerchantOrderNo, handleControlRequest } from './control.js';
import { CallbackFaults } from './callback-faults.js';
import { FaultRegistry, type Fault, type FaultInput } from './faults.js';
import { CreateLedger } from './ledger.js';
import { sendJson } from './http-io.js';
import { settleAndNotify, startExpirySweep } from './order-lifecycle.js';
import { sandboxOrderView, settlementView, type SandboxOrderView, type SandboxSettlementView } from './order-views.js';
import { parseWholeRupiah, resolveSandboxOptions, type SandboxMerchantInput, type SandboxOptions } from './options.js';
import type { Settlement } from './settlement.js';
import { SandboxStore } from './store.js';

/** The TarsPay sandbox: a node:http server, its state in memory, and the programmatic handle. */

export interface SandboxMerchantView {
  mchNo: string;
  publicKey: string;
  name: string;
  availableAmount: string;
  frozenAmount: string;
}

export interface Sandbox {
  /** Where it listens, e.g. http://127.0.0.1:4100: the TARSPAY_BASE_URL for a gateway. */
  readonly url: string;
  /** The base of the URLs it hands out (payUrl of CASHIER and e-wallets, logos). */
  readonly publicBaseUrl: string;
  /** Verifies its answers' `sign` and its callbacks' X-RESP-SIGNATURE. */
  readonly platformPublicKey: string;
  /** Adds a merchant, or changes its key; throws SandboxConfigError on a bad key or a key already used by another merchant. */
  registerMerchant(merchant: SandboxMerchantInput): SandboxMerchantView;
  merchants(): SandboxMerchantView[];
  order(payOrderId: string): SandboxOrderView | undefined;
  /**
   * The order by the merchant's own number (same as GET /sandbox/orders?mchNo=…&mchOrderNo=…), for a
   * test whose client never learnt the payOrderId. A collection and a payout may share a mchOrderNo:
   * then pass kind, or this throws.
   */
  findOrder(mchNo: string, mchOrderNo: string, kind?: 'COLLECTION' | 'PAYOUT'): SandboxOrderView | undefined;
  /** Create requests that named this merchant order number (valid enough to read it), refused duplicates included. */
  createRequests(mchNo: string, mchOrderNo: string, kind: 'COLLECTION' | 'PAYOUT'): number;
  /**
   * Same as POST /sandbox/orders/{payOrderId}/settle; throws SettlementError (status 400, 404 or 409).
   * `callbackSent` is false for EXPIRED and REJECTED: TarsPay sends no callback for them; nor with `notify: false`.
   */
  settle(payOrderId: string, settlement: Settlement): SandboxSettlementView;
  readonly faults: { add(fault: FaultInput): Fault; clear(): void; list(): Fault[] };
  /** Stops the server, the expiry sweep, pending callback resends and held answers. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function merchantView(merchant: { mchNo: string; publicKey: string; name: string; available: bigint; frozen: bigint }): SandboxMerchantView {
  return {
    mchNo: merchant.mchNo,
    publicKey: merchant.publicKey,
    name: merchant.name,
    availableAmount: merchant.available.toString(),
    frozenAmount: merchant.frozen.toString(),
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveSandboxOptions(options);
  const platformKey = resolved.platformPrivateKey ? PrivateKey.fromHex(resolved.platformPrivateKey) : PrivateKey.generate();
  const log = resolved.log;
  const callbackFaults = new CallbackFaults();
  const ctx: SandboxContext = {
    options: resolved,
    store: new SandboxStore(),
    platformKey,
    callbacks: new CallbackSender({
      platformKey,
      retryMs: resolved.callbackRetryMs,
      retryMaxMs: resolved.callbackRetryMaxMs,
      timeoutMs: resolved.callbackTimeoutMs,
      log,
      faults: callbackFaults,
    }),
    faults: new FaultRegistry(),
    ledger: new CreateLedger(),
    callbackFaults,
    log,
    baseUrl: '',
    now: () => Date.now(),
  };
  const registerMerchant = (input: SandboxMerchantInput): SandboxMerchantView => {
    const balance = input.balance === undefined ? undefined : parseWholeRupiah(input.balance, `balance of ${input.mchNo}`);
    const merchant = ctx.store.registerMerchant({ mchNo: input.mchNo, publicKey: input.publicKey, name: input.name, balance }, resolved.initialBalance);
    log('info', 'merchant registered', { mchNo: merchant.mchNo, publicKey: merchant.publicKey });
    return merchantView(merchant);
  };
  for (const merchant of resolved.merchants) registerMerchant(merchant);

  const held: HeldAnswers = new Set();
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The signed message uses the raw path, without the query.
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/')) return handleApiRequest(ctx, path, req, res, held);
    if (path.startsWith('/sandbox/')) return handleControlRequest(ctx, path, req, res);
    sendJson(res, 404, { error: `not found: ${req.method} ${path} (TarsPay's paths are under /api/, the sandbox's under /sandbox/)` });
  };
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log('error', 'request failed', { url: req.url, error: (error as Error).stack ?? String(error) });
      sendJson(res, 500, { error: 'sandbox internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(resolved.host)}:${port}`;
  ctx.baseUrl = resolved.publicBaseUrl ?? url;
  const stopExpirySweep = startExpirySweep(ctx);

  let closing: Promise<void> | undefined;
  return {
    url,
    publicBaseUrl: ctx.baseUrl,
    platformPublicKey: platformKey.publicKeyHex,
    registerMerchant,
    merchants: () => ctx.store.merchants().map(merchantView),
    order: (payOrderId) => {
      const order = ctx.store.order(payOrderId);
      return order && sandboxOrderView(order);
    },
    createRequests: (mchNo, mchOrderNo, kind) => ctx.store.createRequests(kind === 'COLLECTION' ? 'collection' : 'payout', mchNo, mchOrderNo),
    findOrder: (mchNo, mchOrderNo, kind) => {
      const found = findOrdersByMerchantOrderNo(ctx, { mchNo, mchOrderNo, kind });
      if (found.length > 1)
        throw new Error(`merchant ${mchNo} has both a collection and a payout with mchOrderNo ${mchOrderNo}: pass kind 'COLLECTION' or 'PAYOUT'`);
      return found[0] && sandboxOrderView(found[0]);
    },
    settle: (payOrderId, settlement) => {
      const { order, callbackSent } = settleAndNotify(ctx, payOrderId, settlement);
      return settlementView(order, callbackSent);
    },
    faults: {
      add: (fault) => ctx.faults.add(fault),
      clear: () => ctx.faults.clear(),
      list: () => ctx.faults.list(),
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        stopExpirySweep();
        ctx.callbacks.close();
        for (const timer of held) clearTimeout(timer);
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
