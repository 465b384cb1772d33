import { Migration } from '@mikro-orm/migrations';
import { migrationContext } from '../src/db/migration-context.js';
import { privateKeyContext } from '../src/merchants/key-encryption.js';
import { PrivateKey } from '../src/tarspay/signer.js';

/**
 * Merchant private keys encrypted at rest: `private_key` (plain hex) becomes
 * `private_key_encrypted` (AES-256-GCM under the key-encryption key, bound to the row's id) with
 * `key_encryption_key_id`; keys get a `key_version` and `keys_updated_at`. Existing rows are
 * encrypted here, with the key ring migrateUp was given (src/db/migration-context.ts); without one
 * the migration fails if any row needs it, and nothing changes. The plain column is emptied, then dropped.
 */
export class Migration20261203090000_encrypt_merchant_keys extends Migration {
  override async up(): Promise<void> {
    const { keyRing } = migrationContext();
    await this.execute(
      `alter table "merchants" add column "private_key_encrypted" text null, add column "key_encryption_key_id" text null, add column "key_version" int not null default 1, add column "keys_updated_at" timestamptz not null default now(), add column "configured_keys" text null;`,
    );
    const rows = (await this.execute(`select "id", "mch_no", "public_key", "private_key" from "merchants" order by "mch_no";`)) as Array<{
      id: string;
      mch_no: string;
      public_key: string;
      private_key: string;
    }>;
    if (rows.length && !keyRing) {
      throw new Error(
        `${rows.length} merchant private key(s) are stored in plain text and this migration encrypts them, but it was given no key-encryption key: ` +
          'run it through the gateway start, `npm run migrate` or the CLI, with KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE) set',
      );
    }
    for (const row of rows) {
      let key: PrivateKey;
      try {
        key = PrivateKey.fromHex(row.private_key);
      } catch (error) {
        throw new Error(`merchant ${row.mch_no}: its stored private key is unusable (${(error as Error).message}); fix the row, then migrate again`, {
          cause: error,
        });
      }
      if (key.publicKeyHex !== row.public_key)
        throw new Error(`merchant ${row.mch_no}: its stored private key does not match its public key; fix the row, then migrate again`);
      await this.execute(`update "merchants" set "private_key_encrypted" = ?, "key_encryption_key_id" = ? where "id" = ?;`, [
        keyRing!.encrypt(key.revealHex(), privateKeyContext(row.id)),
        keyRing!.currentKeyId,
        row.id,
      ]);
    }
    // Emptied before the drop: a dropped column's values otherwise stay in the rows' stored tuples.
    await this.execute(`alter table "merchants" alter column "private_key" drop not null;`);
    await this.execute(`update "merchants" set "private_key" = null;`);
    await this.execute(
      `alter table "merchants" drop column "private_key", alter column "private_key_encrypted" set not null, alter column "key_encryption_key_id" set not null;`,
    );
  }

  override async down(): Promise<void> {
    const { keyRing } = migrationContext();
    const rows = (await this.execute(`select "id", "mch_no", "private_key_encrypted" from "merchants";`)) as Array<{
      id: string;
      mch_no: string;
      private_key_encrypted: string;
    }>;
    if (rows.length && !keyRing)
      throw new Error('reverting puts merchant private keys back in plain text, which needs the key-encryption key: set KEY_ENCRYPTION_KEY');
    await this.execute(`alter table "merchants" add column "private_key" text null;`);
    for (const row of rows) {
      await this.execute(`update "merchants" set "private_key" = ? where "id" = ?;`, [
        keyRing!.decrypt(row.private_key_encrypted, privateKeyContext(row.id)),
        row.id,
      ]);
    }
    await this.execute(
      `alter table "merchants" alter column "private_key" set not null, drop column "private_key_encrypted", drop column "key_encryption_key_id", drop column "key_version", drop column "keys_updated_at", drop column "configured_keys";`,
    );
  }
}
