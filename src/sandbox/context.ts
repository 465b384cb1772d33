import type { PrivateKey } from '../tarspay/signer.js';
import type { CallbackSender } from './callbacks.js';
import type { CallbackFaults } from './callback-faults.js';
import type { FaultRegistry } from './faults.js';
import type { CreateLedger } from './ledger.js';
import type { ResolvedSandboxOptions, SandboxLogger } from './options.js';
import type { SandboxStore } from './store.js';

/** What every part of a running sandbox shares. */
export interface SandboxContext {
  readonly options: ResolvedSandboxOptions;
  readonly store: SandboxStore;
  readonly platformKey: PrivateKey;
  readonly callbacks: CallbackSender;
  readonly faults: FaultRegistry;
  /** Every create received and what the merchant was told, per merchant order number (GET /sandbox/ledger). */
  readonly ledger: CreateLedger;
  /** Faults on the callbacks the sandbox sends (POST /sandbox/callback-faults). */
  readonly callbackFaults: CallbackFaults;
  readonly log: SandboxLogger;
  /** Base of the URLs handed out to payers; known once the server listens. */
  baseUrl: string;
  readonly now: () => number;
}
