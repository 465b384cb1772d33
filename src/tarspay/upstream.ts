import type { Merchant } from '../merchants/merchant.entity.js';
import { TarsPayClient, type TarsPayClientOptions } from './client.js';
import { PrivateKey } from './signer.js';

export type SharedClientOptions = Omit<TarsPayClientOptions, 'merchantNo' | 'privateKey' | 'platformPublicKey'>;

/** One signed TarsPay client per merchant account, built on first use and kept. */
export class UpstreamClients {
  readonly #clients = new Map<string, TarsPayClient>();

  constructor(readonly options: SharedClientOptions) {}

  forMerchant(merchant: Merchant): TarsPayClient {
    let client = this.#clients.get(merchant.id);
    if (!client) {
      client = new TarsPayClient({
        ...this.options,
        merchantNo: merchant.mchNo,
        privateKey: PrivateKey.fromHex(merchant.privateKey),
        platformPublicKey: merchant.platformPublicKey,
      });
      this.#clients.set(merchant.id, client);
    }
    return client;
  }

  /** After a merchant's keys change. */
  forget(merchantId: string): void {
    this.#clients.delete(merchantId);
  }
}
