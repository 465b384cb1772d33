import { TarsPayError } from '../tarspay/errors.js';
import type { UpstreamClients } from '../tarspay/upstream.js';

/**
 * Asks TarsPay whether it accepts the merchant's credentials: one signed balance inquiry, which
 * TarsPay refuses (5003002, 5003008, …) for an unknown key or a bad signature before anything else.
 * Returns what to tell the operator, or null when TarsPay accepted it or could not say (unreachable,
 * timed out, another error): a start never waits on TarsPay being up.
 */
export async function checkMerchantCredentials(
  upstream: UpstreamClients,
  merchant: { id: string; mchNo: string; publicKey: string },
  keyVariable: string,
): Promise<string | null> {
  try {
    await (await upstream.forMerchant(merchant)).balance();
    return null;
  } catch (error) {
    const reason = error instanceof TarsPayError ? error.refusalReason : undefined;
    if (reason !== 'merchant' && reason !== 'signature') return null;
    return (
      `merchant ${merchant.mchNo}: TarsPay refused its credentials at start (${error instanceof TarsPayError ? error.message : ''}): ` +
      `check TARSPAY_MERCHANT_NO and that ${keyVariable} is the private key whose public half (${merchant.publicKey}) TarsPay has for this merchant; ` +
      'every create and payout will be refused until then'
    );
  }
}
