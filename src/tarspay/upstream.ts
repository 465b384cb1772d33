import { TarsPayClient, type TarsPayClientOptions } from './client.js';
import type { PrivateKey } from './signer.js';
import { TarsPayTransport } from './transport.js';

export type SharedClientOptions = Omit<TarsPayClientOptions, 'merchantNo' | 'privateKey' | 'platformPublicKey' | 'transport'>;

/** What signing for one merchant account takes. `keyVersion` changes whenever the keys do. */
export interface UpstreamCredentials {
  merchantId: string;
  mchNo: string;
  privateKey: PrivateKey;
  platformPublicKey: string;
  keyVersion: number;
}

/** Where current credentials come from (the merchants module: decrypted from the database, cached briefly). */
export interface CredentialsSource {
  credentialsFor(merchantId: string): Promise<UpstreamCredentials>;
  /** Drops anything cached for the merchant, so the next call reads it afresh. */
  forget?(merchantId: string): void;
}

/**
 * One signed TarsPay client per merchant account, rebuilt when the merchant's keys change: every
 * call asks the credentials source (cheap: it caches for a few seconds), so a key rotated on any
 * instance is used here without a restart.
 */
export class UpstreamClients {
  readonly #clients = new Map<string, { client: TarsPayClient; keys: string }>();
  /** One pool of kept-alive connections to TarsPay for every merchant. */
  readonly #transport: TarsPayTransport;

  constructor(
    readonly options: SharedClientOptions,
    readonly credentials: CredentialsSource,
  ) {
    this.#transport = new TarsPayTransport(options.baseUrl);
  }

  /** The client that signs with the merchant's current keys. */
  async forMerchant(merchant: { id: string }): Promise<TarsPayClient> {
    return this.clientFor(await this.credentials.credentialsFor(merchant.id));
  }

  /** The cached client for these credentials, or a new one if the merchant's keys changed. */
  clientFor(credentials: UpstreamCredentials): TarsPayClient {
    const keys = [credentials.keyVersion, credentials.mchNo, credentials.privateKey.publicKeyHex, credentials.platformPublicKey].join(':');
    const cached = this.#clients.get(credentials.merchantId);
    if (cached?.keys === keys) return cached.client;
    const client = new TarsPayClient({
      ...this.options,
      merchantNo: credentials.mchNo,
      privateKey: credentials.privateKey,
      platformPublicKey: credentials.platformPublicKey,
      transport: this.#transport,
    });
    this.#clients.set(credentials.merchantId, { client, keys });
    return client;
  }

  /** Closes the connections to TarsPay (at shutdown). */
  close(): void {
    this.#transport.close();
  }

  /** After a merchant's keys change in this process: the next call reads them afresh. */
  forget(merchantId: string): void {
    this.#clients.delete(merchantId);
    this.credentials.forget?.(merchantId);
  }
}
