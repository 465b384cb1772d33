import { randomBytes } from 'node:crypto';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { SCOPES, type Scope } from '../../src/auth/scopes.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { parseEnvironment } from '../../src/config.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { upsertMerchant } from '../../src/merchants/merchant.service.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import type { TarsPayCallInfo } from '../../src/tarspay/client.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { recordingLogger } from './logs.js';

export interface TestGateway {
  gateway: Gateway;
  sandbox: Sandbox;
  database: TestDatabase;
  /** Every call the gateway made to TarsPay (the sandbox), in order. */
  upstreamCalls: TarsPayCallInfo[];
  /** Every SQL statement the gateway ran, while `recordQueries` is on. */
  queries: string[];
  recordQueries: boolean;
  /** Every log line the gateway wrote, as text. */
  logs: string[];
  /** A merchant with a new key, registered at the sandbox. */
  addMerchant(mchNo: string): Promise<Merchant>;
  /** The merchant's private key, decrypted (to look for it where it must not be). */
  privateKeyOf(merchant: Merchant): PrivateKey;
  /** The KEY_ENCRYPTION_KEY the gateway (and its peers) run with, hex. */
  keyEncryptionKey: string;
  token(merchant: Merchant, scopes?: readonly Scope[], options?: { trustedDocumentsOnly?: boolean; operations?: string[] }): Promise<string>;
  graphql<T = Record<string, any>>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /**
   * Another gateway instance on the same database and sandbox, as in a scaled-out deployment;
   * `env` changes its settings (e.g. a new KEY_ENCRYPTION_KEY, as a restart with new settings would).
   */
  startPeer(env?: Record<string, string>): Promise<Gateway>;
  /** Time passes for the reconciler: the order (global id) is due for its next check now. */
  makeOrderDue(globalId: string): Promise<void>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

/**
 * The real gateway on a loopback port, with its own database (PostgreSQL from DATABASE_URL, else
 * PGlite; or `database`, which close() then drops) and a real sandbox on another port. It gets a
 * random KEY_ENCRYPTION_KEY unless `env` gives one, so no test writes a key into ./.data.
 */
export async function startTestGateway(
  options: {
    env?: Record<string, string>;
    sandbox?: SandboxOptions;
    sandboxControls?: boolean;
    gateway?: Partial<GatewayOptions>;
    database?: TestDatabase;
  } = {},
): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase({ migrated: true }));
  const sandbox = await startSandbox({ host: '127.0.0.1', port: 0, callbackRetryMs: 50, log: () => {}, ...options.sandbox });
  const logs: string[] = [];
  const logger = recordingLogger(logs, 'debug');
  const upstreamCalls: TarsPayCallInfo[] = [];
  const queries: string[] = [];
  const harness = { recordQueries: false };
  const keyEncryptionKey = options.env?.KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('hex');
  const env = { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...options.env, KEY_ENCRYPTION_KEY: keyEncryptionKey };
  const config = parseEnvironment(env);
  const gatewayOptions: GatewayOptions = {
    config,
    databaseUrl: database.url,
    tarspayBaseUrl: sandbox.url,
    sandboxUrl: options.sandboxControls === false ? null : sandbox.url,
    logger,
    poolMax: 5,
    onUpstreamCall: (info) => upstreamCalls.push(info),
    // Not the measured work's: the webhook worker's look for due endpoints (once a second, whatever
    // a test measures), and the event sequencer's passes (shared by every write of the merchant).
    onQuery: (sql, origin) => {
      if (harness.recordQueries && !origin?.background && !/\bwebhook_endpoints\b/.test(sql)) queries.push(sql);
    },
    ...options.gateway,
  };
  const gateway = await startGateway(gatewayOptions);
  const peers: Gateway[] = [];

  const test: TestGateway = {
    gateway,
    sandbox,
    database,
    upstreamCalls,
    queries,
    logs,
    keyEncryptionKey,
    get recordQueries() {
      return harness.recordQueries;
    },
    set recordQueries(value: boolean) {
      harness.recordQueries = value;
    },
    async addMerchant(mchNo) {
      const key = PrivateKey.generate();
      const merchant = await upsertMerchant(gateway.orm.em.fork(), gateway.keyRing, {
        mchNo,
        privateKeyHex: key.revealHex(),
        platformPublicKey: sandbox.platformPublicKey,
      });
      sandbox.registerMerchant({ mchNo, publicKey: key.publicKeyHex });
      return merchant;
    },
    privateKeyOf(merchant) {
      return openPrivateKey(gateway.keyRing, merchant);
    },
    async token(merchant, scopes = SCOPES, tokenOptions = {}) {
      const { token } = await createApiToken(gateway.orm.em.fork(), { merchant, name: 'test', scopes, ...tokenOptions });
      return token;
    },
    async graphql(token, query, variables) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    async makeOrderDue(globalId) {
      const id = decodeGlobalID(globalId).id;
      await gateway.orm.em.fork().getConnection().execute(`update orders set next_check_at = now() - interval '1 second' where id = ?`, [id]);
    },
    async startPeer(peerEnv) {
      const peerConfig = peerEnv ? parseEnvironment({ ...env, ...peerEnv }) : config;
      const peer = await startGateway({ ...gatewayOptions, config: peerConfig, onQuery: undefined });
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) await peer.close();
      await gateway.close();
      await sandbox.close();
      await database.close();
    },
  };
  return test;
}
