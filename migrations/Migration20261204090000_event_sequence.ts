import { Migration } from '@mikro-orm/migrations';

/**
 * Every order event gets `seq`, its position in its merchant's stream: taken from
 * `merchants.event_seq` in the same statement that writes the event, so that the merchant's row
 * lock orders the events of one merchant by commit (a reader that saw seq N never later finds an
 * N - 1). Existing events are numbered in id order.
 */
export class Migration20261204090000_event_sequence extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "merchants" add column "event_seq" bigint not null default '0';`);
    this.addSql(`alter table "order_events" add column "merchant_id" uuid null, add column "seq" bigint null;`);
    this.addSql(`update "order_events" e set "merchant_id" = o."merchant_id" from "orders" o where o."id" = e."order_id";`);
    this.addSql(
      `update "order_events" e set "seq" = n.seq from (select "id", row_number() over (partition by "merchant_id" order by "id") as seq from "order_events") n where n."id" = e."id";`,
    );
    this.addSql(`update "merchants" m set "event_seq" = coalesce((select max("seq") from "order_events" e where e."merchant_id" = m."id"), 0);`);
    this.addSql(`alter table "order_events" alter column "merchant_id" set not null, alter column "seq" set not null;`);
    this.addSql(`alter table "order_events" add constraint "order_events_merchant_id_seq_unique" unique ("merchant_id", "seq");`);
    this.addSql(
      `alter table "order_events" add constraint "order_events_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "order_events" drop constraint "order_events_merchant_id_foreign";`);
    this.addSql(`alter table "order_events" drop constraint "order_events_merchant_id_seq_unique";`);
    this.addSql(`alter table "order_events" drop column "merchant_id", drop column "seq";`);
    this.addSql(`alter table "merchants" drop column "event_seq";`);
  }
}
