import { readFileSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/core';
import { isPublicKeyHex, PrivateKey, PUBLIC_KEY_FORMAT, SigningKeyError } from '../tarspay/signer.js';
import { CommandError, required, UsageError, type Command } from './command.js';

// Loaded only by the commands that use it: `keys generate`, `--help` and usage errors stay fast.
const merchants = () => import('../merchants/merchant.service.js');

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read --private-key-file ${file}: ${(error as Error).message}`);
  }
}

/** A bad key is a usage error naming the flag it came from. */
function checkPrivateKey(hex: string, flag: string): string {
  try {
    PrivateKey.fromHex(hex);
  } catch (error) {
    if (error instanceof SigningKeyError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
  return hex;
}

function checkPlatformPublicKey(hex: string | undefined): string | undefined {
  if (hex !== undefined && !isPublicKeyHex(hex.trim().toLowerCase())) {
    throw new UsageError(`--platform-public-key: must be ${PUBLIC_KEY_FORMAT}, as TarsPay's merchant console shows it`);
  }
  return hex;
}

export async function merchantOrFail(em: EntityManager, mchNo: string) {
  const { findMerchantByMchNo, listMerchantNumbers } = await merchants();
  const merchant = await findMerchantByMchNo(em, mchNo);
  if (merchant) return merchant;
  const known = await listMerchantNumbers(em);
  const hint = known.length
    ? `known merchants: ${known.join(', ')}`
    : 'no merchants yet: add one with "merchant add" (or start the gateway with TARSPAY_MERCHANT_NO set)';
  throw new CommandError(`no merchant "${mchNo}" in the database; ${hint}`);
}

export const MERCHANT_COMMANDS: Record<string, Command> = {
  'merchant add': {
    options: {
      'mch-no': { type: 'string' },
      'private-key': { type: 'string' },
      'private-key-file': { type: 'string' },
      'platform-public-key': { type: 'string' },
      'notify-url': { type: 'string' },
    },
    async run(values, { database, keyRing, print }) {
      const mchNo = required(values, 'mch-no');
      const platformPublicKey = checkPlatformPublicKey(required(values, 'platform-public-key'))!;
      const inline = values['private-key'];
      const file = values['private-key-file'];
      if ((inline === undefined) === (file === undefined)) {
        throw new UsageError('pass exactly one of --private-key-file <file> or --private-key <hex>');
      }
      const privateKeyHex =
        typeof file === 'string' ? checkPrivateKey(readKeyFile(file), `--private-key-file ${file}`) : checkPrivateKey(String(inline), '--private-key');
      const notifyUrl = typeof values['notify-url'] === 'string' ? values['notify-url'] : undefined;
      const em = await database();
      const { upsertMerchant, MerchantInputError } = await merchants();
      try {
        const merchant = await upsertMerchant(em, keyRing(), { mchNo, privateKeyHex, platformPublicKey, notifyUrl });
        print(`Merchant ${merchant.mchNo} saved (id ${merchant.id}, public key ${merchant.publicKey}, key version ${merchant.keyVersion}).`);
        print(`Its private key is stored encrypted with key-encryption key ${keyRing().currentKeyId}.`);
      } catch (error) {
        if (error instanceof MerchantInputError) throw new UsageError(error.message);
        throw error;
      }
    },
  },

  'merchant rotate-key': {
    options: {
      'mch-no': { type: 'string' },
      'private-key-file': { type: 'string' },
      generate: { type: 'boolean' },
      'platform-public-key': { type: 'string' },
    },
    async run(values, { database, keyRing, print, note, readConfiguration }) {
      const mchNo = required(values, 'mch-no');
      const file = values['private-key-file'];
      const generate = values.generate === true;
      const platformPublicKey = checkPlatformPublicKey(typeof values['platform-public-key'] === 'string' ? values['platform-public-key'] : undefined);
      if (file !== undefined && generate) throw new UsageError('pass --private-key-file <file> or --generate, not both');
      if (file === undefined && !generate && platformPublicKey === undefined) {
        throw new UsageError('pass --private-key-file <file> or --generate for a new private key, and/or --platform-public-key <hex>');
      }
      const privateKeyHex =
        typeof file === 'string' ? checkPrivateKey(readKeyFile(file), `--private-key-file ${file}`) : generate ? PrivateKey.generate().revealHex() : undefined;
      // Read before anything changes: a bad TARSPAY_* variable stops the command, not its last line.
      const configured = await readConfiguration((config, env) => config.parseConfiguredMerchantSettings(env));
      const em = await database();
      await merchantOrFail(em, mchNo);
      const { rotateMerchantKeys, MerchantInputError } = await merchants();
      let rotation;
      try {
        rotation = await rotateMerchantKeys(em, keyRing(), { mchNo, privateKeyHex, platformPublicKey });
      } catch (error) {
        if (error instanceof MerchantInputError) throw new UsageError(error.message);
        throw error;
      }
      const { merchant, changed } = rotation;
      if (changed.length === 0) {
        print(`Merchant ${merchant.mchNo} already has these keys: nothing changed (key version ${merchant.keyVersion}).`);
        print(`Public key: ${merchant.publicKey}`);
        return;
      }
      print(
        `Merchant ${merchant.mchNo}: new ${changed.join(' and ')} stored (key version ${merchant.keyVersion}, private key encrypted with key-encryption key ${keyRing().currentKeyId}).`,
      );
      print(`Public key: ${merchant.publicKey}`);
      print();
      if (changed.includes('private key')) {
        print('Upload this public key to TarsPay (merchant console) now: TarsPay refuses requests signed with a');
        print('key it does not have, so creates fail (cleanly, nothing is charged) until it is uploaded.');
      }
      print('Running gateways, every instance, sign and verify with the new keys within 10 s; no restart needed.');
      if (configured.merchantNo === merchant.mchNo && (configured.privateKey || configured.privateKeyFile)) {
        note(`note: ${merchant.mchNo} is also TARSPAY_MERCHANT_NO here. Restarts keep the rotated keys as long as the TARSPAY_* keys stay`);
        note('as they are; changing them later makes the next start apply them instead.');
      }
    },
  },

  'merchant list': {
    options: {},
    async run(_values, { database, note, printTable }) {
      const { listMerchants } = await merchants();
      const list = await listMerchants(await database());
      if (list.length === 0) {
        note('No merchants yet: add one with "merchant add".');
        return;
      }
      const rows = list.map((m) => [m.mchNo, String(m.keyVersion), m.keysUpdatedAt.toISOString(), m.publicKey]);
      printTable(['MCH_NO', 'KEY VERSION', 'KEYS UPDATED', 'PUBLIC KEY'], rows);
    },
  },
};
