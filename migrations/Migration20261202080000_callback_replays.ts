import { Migration } from '@mikro-orm/migrations';

/**
 * Callback receipts are stored once per content: `content_hash` (SHA-256 of the body's compact
 * key-sorted JSON) is unique per merchant, and a delivery of the same content again counts in
 * `deliveries` / `last_received_at` instead of adding a row.
 *
 * Existing rows: TarsPay sends compact key-sorted JSON, so the hash of the raw body is the content
 * hash the gateway now computes. Replays stored before this migration (rows with the same merchant
 * and the same raw body, byte for byte) are folded into their first row, which keeps its outcome
 * and counts them in `deliveries`.
 */
export class Migration20261202080000_callback_replays extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "callback_receipts" add column "content_hash" text null, add column "deliveries" int not null default 1, add column "last_received_at" timestamptz not null default now();`,
    );
    this.addSql(`update "callback_receipts" set "content_hash" = encode(sha256(convert_to("raw_body", 'UTF8')), 'hex'), "last_received_at" = "received_at";`);
    this.addSql(
      `update "callback_receipts" r set "deliveries" = d.n, "last_received_at" = d.last from (select min("id") as first_id, count(*)::int as n, max("received_at") as last from "callback_receipts" where "merchant_id" is not null group by "merchant_id", "content_hash" having count(*) > 1) d where r."id" = d.first_id;`,
    );
    this.addSql(
      `delete from "callback_receipts" r using "callback_receipts" f where f."merchant_id" = r."merchant_id" and f."content_hash" = r."content_hash" and f."id" < r."id";`,
    );
    this.addSql(`alter table "callback_receipts" alter column "content_hash" set not null;`);
    this.addSql(`alter table "callback_receipts" add constraint "callback_receipts_merchant_id_content_hash_unique" unique ("merchant_id", "content_hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "callback_receipts" drop constraint "callback_receipts_merchant_id_content_hash_unique";`);
    this.addSql(`alter table "callback_receipts" drop column "content_hash", drop column "deliveries", drop column "last_received_at";`);
  }
}
