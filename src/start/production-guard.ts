import { ConfigError, type Environment } from '../config.js';

/**
 * What `npm start` refuses with NODE_ENV=production: a start that would quietly run the in-process
 * sandbox (and "pay" orders), send TarsPay's callbacks to http://localhost, or talk to TarsPay or
 * receive its callbacks in plain http. Each problem names its variable and what to set it to;
 * all of them are reported at once. Plain http is allowed for a sandbox (TARSPAY_SANDBOX=true)
 * and on a private network (TARSPAY_ALLOW_HTTP=true).
 */
export function productionProblems(config: Environment): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  const httpAllowed = config.TARSPAY_SANDBOX || config.TARSPAY_ALLOW_HTTP;
  const plainHttp = (url: string) => new URL(url).protocol === 'http:';
  if (!config.TARSPAY_BASE_URL && !config.TARSPAY_SANDBOX) {
    problems.push(
      "TARSPAY_BASE_URL is not set: set it to TarsPay's API address (https://…), with TARSPAY_MERCHANT_NO, TARSPAY_PRIVATE_KEY and " +
        'TARSPAY_PLATFORM_PUBLIC_KEY; or set TARSPAY_SANDBOX=true to run against the TarsPay sandbox (no real payments)',
    );
  } else if (config.TARSPAY_BASE_URL && plainHttp(config.TARSPAY_BASE_URL) && !httpAllowed) {
    problems.push(
      `TARSPAY_BASE_URL is plain http (${config.TARSPAY_BASE_URL}): set it to TarsPay's https:// address, ` +
        'or set TARSPAY_ALLOW_HTTP=true if it is reached over a private network',
    );
  }
  if (!config.PUBLIC_URL) {
    problems.push(
      'PUBLIC_URL is not set: set it to the address TarsPay reaches this gateway at, e.g. https://pay.example.com ' +
        '(TarsPay sends its callbacks to PUBLIC_URL/tarspay/notify)',
    );
  } else if (plainHttp(config.PUBLIC_URL) && !httpAllowed) {
    problems.push(
      `PUBLIC_URL is plain http (${config.PUBLIC_URL}): set it to the gateway's https:// address, ` +
        "or set TARSPAY_ALLOW_HTTP=true if TarsPay's callbacks reach it over a private network",
    );
  }
  return problems;
}

/** Throws one ConfigError listing every production problem (see productionProblems). */
export function checkProductionStart(config: Environment): void {
  const problems = productionProblems(config);
  if (problems.length) throw new ConfigError(`NODE_ENV=production refuses to start:\n  ${problems.join('\n  ')}`);
}
