import { Migration } from '@mikro-orm/migrations';

/** Reconciliation facts: TarsPay confirmed the order, how many creates were sent, and since when a person should look. */
export class Migration20261202070000_money_safety extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "orders" add column "upstream_confirmed" boolean not null default false, add column "create_attempts" int not null default 0, add column "attention_since" timestamptz null;`,
    );
    // Orders TarsPay has answered for already carry its id: that is a confirmation, and one create was sent.
    this.addSql(`update "orders" set "upstream_confirmed" = true where "platform_order_id" is not null;`);
    this.addSql(`update "orders" set "create_attempts" = 1 where "status" <> 'SUBMITTING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orders" drop column "upstream_confirmed", drop column "create_attempts", drop column "attention_since";`);
  }
}
