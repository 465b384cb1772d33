import type { PrivateKey } from '../tarspay/signer.js';
import type { CallbackSender } from './callbacks.js';
import type { FaultRegistry } from './faults.js';
import type { ResolvedSandboxOptions, SandboxLogger } from './options.js';
import type { SandboxStore } from './store.js';

/** What every part of a running sandbox shares. */
export interface SandboxContext {
  readonly options: ResolvedSandboxOptions;
  readonly store: SandboxStore;
  readonly platformKey: PrivateKey;
  readonly callbacks: CallbackSender;
  readonly faults: FaultRegistry;
  readonly log: SandboxLogger;
  /** Base of the URLs handed out to payers; known once the server listens. */
  baseUrl: string;
  readonly now: () => number;
}
