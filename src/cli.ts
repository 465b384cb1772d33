import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parseScopes, ScopeError, SCOPES } from './auth/scopes.js';
import type { ResolvedDatabase } from './db/database-url.js';
import type { KeyRing } from './merchants/key-encryption.js';
import { generateKeyPair, PrivateKey } from './tarspay/signer.js';

// The ORM and the embedded database load only for commands that use them: `keys generate`,
// `--help` and usage errors answer in a fraction of the time.
const tokens = () => import('./auth/tokens.js');
const merchants = () => import('./merchants/merchant.service.js');

const HELP = `tarspay-graphql command line

Usage: npm run cli -- <command> [options]

Commands:
  keys generate
      Print a new secp256k1 key pair: upload the public key to TarsPay, keep the private key secret.
  merchant add --mch-no <mchNo> (--private-key-file <file> | --private-key <hex>)
               --platform-public-key <hex> [--notify-url <url>]
      Add a merchant account, or replace the keys of an existing one.
  merchant rotate-key --mch-no <mchNo> (--private-key-file <file> | --generate)
               [--platform-public-key <hex>]
      Replace a merchant's private key (from a file, or --generate a new one that never leaves
      the database) and/or TarsPay's platform public key. Prints the new public key: upload it to
      TarsPay at once. Running gateways, every instance, sign with the new key within 10 s.
  merchant list
      Merchants with their public key and key version (never the private key).
  token create --merchant <mchNo> --scopes <scope,scope> [--name <name>]
               [--expires-in <90d|12h|30m> | --expires-at <ISO-8601 instant>]
      Create an API token and print it once (only its hash is stored). Without an expiry it
      works until revoked; past its expiry it is refused everywhere, as if revoked.
      Scopes: ${SCOPES.join(', ')}
  token list --merchant <mchNo>
  token revoke --id <tokenId>

The database is DATABASE_URL when set; otherwise the embedded one in $DATA_DIR/pglite
(default ./.data/pglite), through the running gateway when there is one.
Private keys are stored encrypted with KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE), the
gateway's; outside production, without one, the development key in $DATA_DIR/key-encryption-key.
Exit codes: 0 done, 1 failed, 2 usage error.
`;

/** Wrong command line: exit code 2. */
class UsageError extends Error {}
/** The command ran but could not do its job: exit code 1. */
class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  options: Options;
  /**
   * Validates `values` first, then calls `database()` (connect and migrate) only if it needs it;
   * `keyRing()` is the key ring the database was migrated with (call it after `database()`).
   */
  run(values: Values, database: () => Promise<EntityManager>, keyRing: () => KeyRing): Promise<void>;
}

const print = (line = '') => process.stdout.write(`${line}\n`);
const note = (line = '') => process.stderr.write(`${line}\n`);

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read --private-key-file ${file}: ${(error as Error).message}`);
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) print(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

async function merchantOrFail(em: EntityManager, mchNo: string) {
  const { findMerchantByMchNo, listMerchantNumbers } = await merchants();
  const merchant = await findMerchantByMchNo(em, mchNo);
  if (merchant) return merchant;
  const known = await listMerchantNumbers(em);
  const hint = known.length
    ? `known merchants: ${known.join(', ')}`
    : 'no merchants yet: add one with "merchant add" (or start the gateway with TARSPAY_MERCHANT_NO set)';
  throw new CommandError(`no merchant "${mchNo}" in the database; ${hint}`);
}

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--expires-in 90d` or `--expires-at 2027-01-01T00:00:00Z` → the instant; null when neither is given. */
function expiryOf(values: Values, now = new Date()): Date | null {
  const inText = values['expires-in'];
  const atText = values['expires-at'];
  if (inText !== undefined && atText !== undefined) throw new UsageError('pass at most one of --expires-in and --expires-at');
  if (typeof inText === 'string') {
    const match = /^(\d+)\s*([mhdw])$/.exec(inText.trim());
    const amount = match ? Number(match[1]) : 0;
    if (!match || amount <= 0) throw new UsageError(`--expires-in "${inText}" is not a duration: use a whole number and a unit, e.g. 30m, 12h, 90d or 4w`);
    return new Date(now.getTime() + amount * DURATION_UNITS_MS[match[2]!]!);
  }
  if (typeof atText === 'string') {
    // A zone is required: without one, the instant would depend on the machine's time zone.
    const at = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(atText.trim()) ? new Date(atText.trim()) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--expires-at "${atText}" is not an ISO-8601 instant with a zone, e.g. 2027-01-31T00:00:00Z or 2027-01-31T07:00:00+07:00`);
    if (at.getTime() <= now.getTime()) throw new UsageError(`--expires-at ${at.toISOString()} is in the past: give a future instant`);
    return at;
  }
  return null;
}

const COMMANDS: Record<string, Command> = {
  'keys generate': {
    options: {},
    async run() {
      const { privateKey, publicKey } = generateKeyPair();
      print(`Private key: ${privateKey}`);
      print(`Public key:  ${publicKey}`);
      print();
      print('Upload the public key to TarsPay (merchant console). Keep the private key secret: it signs');
      print('your requests. Give it to the gateway as TARSPAY_PRIVATE_KEY or in a file named by');
      print('TARSPAY_PRIVATE_KEY_FILE, and never commit it.');
    },
  },

  'merchant add': {
    options: {
      'mch-no': { type: 'string' },
      'private-key': { type: 'string' },
      'private-key-file': { type: 'string' },
      'platform-public-key': { type: 'string' },
      'notify-url': { type: 'string' },
    },
    async run(values, database, keyRing) {
      const mchNo = required(values, 'mch-no');
      const platformPublicKey = required(values, 'platform-public-key');
      const inline = values['private-key'];
      const file = values['private-key-file'];
      if ((inline === undefined) === (file === undefined)) {
        throw new UsageError('pass exactly one of --private-key-file <file> or --private-key <hex>');
      }
      const privateKeyHex = typeof file === 'string' ? readKeyFile(file) : String(inline);
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
    async run(values, database, keyRing) {
      const mchNo = required(values, 'mch-no');
      const file = values['private-key-file'];
      const generate = values.generate === true;
      const platformPublicKey = typeof values['platform-public-key'] === 'string' ? values['platform-public-key'] : undefined;
      if (file !== undefined && generate) throw new UsageError('pass --private-key-file <file> or --generate, not both');
      if (file === undefined && !generate && platformPublicKey === undefined) {
        throw new UsageError('pass --private-key-file <file> or --generate for a new private key, and/or --platform-public-key <hex>');
      }
      const privateKeyHex = typeof file === 'string' ? readKeyFile(file) : generate ? PrivateKey.generate().revealHex() : undefined;
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
      print(`Merchant ${merchant.mchNo}: new ${changed.join(' and ')} stored (key version ${merchant.keyVersion}, private key encrypted with key-encryption key ${keyRing().currentKeyId}).`);
      print(`Public key: ${merchant.publicKey}`);
      print();
      if (changed.includes('private key')) {
        print('Upload this public key to TarsPay (merchant console) now: TarsPay refuses requests signed with a');
        print('key it does not have, so creates fail (cleanly, nothing is charged) until it is uploaded.');
      }
      print('Running gateways, every instance, sign and verify with the new keys within 10 s; no restart needed.');
      if (process.env.TARSPAY_MERCHANT_NO === merchant.mchNo && (process.env.TARSPAY_PRIVATE_KEY || process.env.TARSPAY_PRIVATE_KEY_FILE)) {
        note(`note: ${merchant.mchNo} is also TARSPAY_MERCHANT_NO here. Restarts keep the rotated keys as long as the TARSPAY_* keys stay`);
        note('as they are; changing them later makes the next start apply them instead.');
      }
    },
  },

  'merchant list': {
    options: {},
    async run(_values, database) {
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

  'token create': {
    options: { merchant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, 'expires-in': { type: 'string' }, 'expires-at': { type: 'string' } },
    async run(values, database) {
      const mchNo = required(values, 'merchant');
      const expiresAt = expiryOf(values);
      let scopes;
      try {
        scopes = parseScopes(required(values, 'scopes'));
      } catch (error) {
        if (error instanceof ScopeError) throw new UsageError(error.message);
        throw error;
      }
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : `cli ${new Date().toISOString()}`;
      const em = await database();
      const merchant = await merchantOrFail(em, mchNo);
      const { createApiToken } = await tokens();
      const { token, apiToken } = await createApiToken(em, { merchant, name, scopes, expiresAt });
      const expiry = expiresAt ? `, expiring at ${expiresAt.toISOString()}` : ', without expiry';
      note(`Created token ${apiToken.id} "${name}" for merchant ${mchNo} with scopes ${scopes.join(', ')}${expiry}.`);
      note('It is shown only this once (only its hash is stored): keep it now.');
      print(token);
    },
  },

  'token list': {
    options: { merchant: { type: 'string' } },
    async run(values, database) {
      const mchNo = required(values, 'merchant');
      const em = await database();
      const merchant = await merchantOrFail(em, mchNo);
      const { listApiTokens } = await tokens();
      const list = await listApiTokens(em, merchant);
      if (list.length === 0) {
        note(`Merchant ${merchant.mchNo} has no tokens.`);
        return;
      }
      const iso = (date: Date | null | undefined) => (date ? date.toISOString() : '-');
      const status = (t: (typeof list)[number]) => {
        if (t.revokedAt) return `revoked ${iso(t.revokedAt)}`;
        if (t.expiresAt) return `${t.expiresAt.getTime() > Date.now() ? 'expires' : 'expired'} ${iso(t.expiresAt)}`;
        return 'active';
      };
      const rows = list.map((t) => [t.id, t.name, t.scopes.join(','), iso(t.createdAt), iso(t.lastUsedAt), status(t)]);
      printTable(['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'STATUS'], rows);
    },
  },

  'token revoke': {
    options: { id: { type: 'string' } },
    async run(values, database) {
      const id = required(values, 'id');
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new UsageError(`--id "${id}" is not a token id: use the ID column of "token list"`);
      }
      const { revokeApiToken } = await tokens();
      const revoked = await revokeApiToken(await database(), id.toLowerCase());
      if (!revoked) throw new CommandError(`no token with id ${id}: see "token list --merchant <mchNo>"`);
      print(`Token ${revoked.id} "${revoked.name}" revoked at ${revoked.revokedAt!.toISOString()}.`);
    },
  },
};

const GLOBAL_OPTIONS: Options = { help: { type: 'boolean', short: 'h' }, 'data-dir': { type: 'string' } };

/** Runs `command`, connecting (and migrating) on its first call to `database()`; disconnects after. */
async function runWithDatabase(command: Command, values: Values): Promise<void> {
  let database: ResolvedDatabase | undefined;
  let orm: MikroORM | undefined;
  let keyRing: KeyRing | undefined;
  const connect = async (): Promise<EntityManager> => {
    if (!orm) {
      const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : join(process.env.DATA_DIR || './.data', 'pglite');
      keyRing = await resolveKeys();
      const { resolveDatabase } = await import('./db/database-url.js');
      const { DatabaseUnavailableError, initOrm, migrateUp } = await import('./db/orm.js');
      database = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
      try {
        orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
        await migrateUp(orm, { keyRing });
      } catch (error) {
        if (error instanceof DatabaseUnavailableError) throw new CommandError(error.message);
        throw new CommandError(`cannot migrate the database at ${redact(database.url)}: ${(error as Error).message}`);
      }
    }
    return orm.em.fork();
  };
  const ring = (): KeyRing => {
    if (!keyRing) throw new Error('keyRing() called before database()');
    return keyRing;
  };
  try {
    await command.run(values, connect, ring);
  } finally {
    await orm?.close(true);
    await database?.close();
  }
}

/** The gateway's key ring, from the same variables (KEY_ENCRYPTION_KEY…); a configuration problem is exit code 1. */
async function resolveKeys(): Promise<KeyRing> {
  const { ConfigError, parseKeyEncryptionSettings } = await import('./config.js');
  const { resolveKeyRing } = await import('./merchants/key-encryption-config.js');
  try {
    const { keyRing, notice } = resolveKeyRing(parseKeyEncryptionSettings(process.env));
    if (notice) note(notice);
    return keyRing;
  } catch (error) {
    if (error instanceof ConfigError) throw new CommandError(error.message);
    throw error;
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export async function main(argv: string[]): Promise<number> {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  const name = words.join(' ');
  const command = COMMANDS[name];
  if (!command) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    note(`error: unknown command "${name || argv.join(' ')}"; run with --help to see the commands`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    await runWithDatabase(command, values as Values);
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    note(`error: ${(error as Error).message}${usage ? ' (see --help)' : ''}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
