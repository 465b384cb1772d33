import { Migration } from '@mikro-orm/migrations';

/**
 * Why an order needs a person (`attention_reason`, beside `attention_since`), and TarsPay's fee kept
 * as the exact decimal text it reported ("1050.50"), no longer whole rupiah only.
 */
export class Migration20261207120000_attention_reasons extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "orders" add column "attention_reason" text null;`);
    // Orders flagged before reasons existed were flagged for one thing: an unresolved create.
    this.addSql(`update "orders" set "attention_reason" = 'UNRESOLVED_CREATE: TarsPay has not settled the create' where "attention_since" is not null;`);
    this.addSql(`alter table "orders" alter column "fee" type text using "fee"::text;`);
  }

  override async down(): Promise<void> {
    // A fractional fee loses its fraction going back to whole rupiah.
    this.addSql(`alter table "orders" alter column "fee" type bigint using trunc("fee"::numeric)::bigint;`);
    this.addSql(`alter table "orders" drop column "attention_reason";`);
  }
}
