import { Migration } from '@mikro-orm/migrations';

/**
 * Events are written unnumbered (`seq` null) and numbered after commit by the event sequencer
 * (src/orders/event-sequencer.ts), many at a time under the merchant's row lock, so that a
 * merchant's writes no longer wait for one another on its counter. The partial index finds what is
 * still to number.
 */
export class Migration20261207190000_event_sequencer extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "order_events" alter column "seq" drop not null;`);
    this.addSql(`create index "order_events_unnumbered_index" on "order_events" ("merchant_id", "id") where "seq" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "order_events_unnumbered_index";`);
    // Events still unnumbered take the next seqs of their merchant, in id order, as the sequencer would have.
    this.addSql(
      `update "order_events" e set "seq" = n."seq" from (select u."id", m."event_seq" + row_number() over (partition by u."merchant_id" order by u."id") as "seq" from "order_events" u join "merchants" m on m."id" = u."merchant_id" where u."seq" is null) n where n."id" = e."id";`,
    );
    this.addSql(
      `update "merchants" m set "event_seq" = greatest(m."event_seq", coalesce((select max(e."seq") from "order_events" e where e."merchant_id" = m."id"), 0));`,
    );
    this.addSql(`alter table "order_events" alter column "seq" set not null;`);
  }
}
