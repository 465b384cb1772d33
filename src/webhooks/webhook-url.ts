import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { WebhookError } from './webhook-errors.js';

/**
 * Where webhooks may go. In production: https only, and never to a private, loopback, link-local
 * or otherwise non-public address (unless WEBHOOK_ALLOW_PRIVATE=true, for receivers on a private
 * network: then http and private addresses are allowed), checked when the endpoint
 * is stored and again at each delivery, on the very address the connection is made to (a DNS
 * answer that changes in between, DNS rebinding, gains nothing).
 */
export interface WebhookUrlPolicy {
  requireHttps: boolean;
  allowPrivate: boolean;
}

/** Outside production anything goes; in production https to public addresses, unless WEBHOOK_ALLOW_PRIVATE. */
export function webhookUrlPolicy(settings: { runtime: { production: boolean }; webhooks: { allowPrivate: boolean } }): WebhookUrlPolicy {
  const strict = settings.runtime.production && !settings.webhooks.allowPrivate;
  return { requireHttps: strict, allowPrivate: !strict };
}

const MAX_URL_LENGTH = 2048;

/** Addresses that are not on the public Internet (RFC 6890 and friends). */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['100::', 64],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** True for an address a webhook must not reach without WEBHOOK_ALLOW_PRIVATE. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NOT_PUBLIC.check(mapped[1]!, 'ipv4');
  return NOT_PUBLIC.check(address, 'ipv6');
}

/** The URL, checked for form (http(s), no credentials, a host); throws WebhookError naming `url`. */
export function checkWebhookUrlForm(text: string, policy: WebhookUrlPolicy): URL {
  const refuse = (why: string) => new WebhookError('INVALID_INPUT', `url: ${why}`, 'url');
  if (text.length > MAX_URL_LENGTH) throw refuse(`longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('not an absolute URL, e.g. https://shop.example/webhooks/tarspay');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an https:// URL');
  if (policy.requireHttps && url.protocol !== 'https:') throw refuse('must be https:// in production');
  if (url.username || url.password) throw refuse('must not carry a user name or password: authenticate deliveries by their signature');
  if (url.hash) throw refuse('must not have a #fragment');
  return url;
}

type Resolve = (hostname: string) => Promise<string[]>;

const resolveAll: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) =>
      error ? reject(error) : resolve(addresses.map((entry) => entry.address)),
    ),
  );

/** Checks the URL's form and, unless private addresses are allowed, every address its host resolves to now. */
export async function checkWebhookUrl(text: string, policy: WebhookUrlPolicy, resolve: Resolve = resolveAll): Promise<URL> {
  const url = checkWebhookUrlForm(text, policy);
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new WebhookError('INVALID_INPUT', `url: ${host} does not resolve: check the host name`, 'url');
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
    throw new WebhookError('INVALID_INPUT', `url: ${host} resolves to a private, loopback or link-local address, which webhooks may not reach`, 'url');
  }
  return url;
}

export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
}

/**
 * A `lookup` for http.request that refuses private addresses (unless allowed): the connection goes
 * to the address checked here, so the check holds against DNS rebinding.
 */
export function safeLookup(policy: WebhookUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = policy.allowPrivate ? addresses : addresses.filter((entry) => !isPrivateAddress(entry.address));
      if (allowed.length === 0) {
        return callback(new PrivateAddressError(`${hostname} resolves only to private, loopback or link-local addresses`), '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
