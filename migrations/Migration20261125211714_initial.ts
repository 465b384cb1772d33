import { Migration } from '@mikro-orm/migrations';

/** The initial schema: merchants, orders, order_events, api_tokens, callback_receipts. */
export class Migration20261125211714_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "merchants" ("id" uuid not null, "mch_no" text not null, "public_key" text not null, "private_key" text not null, "platform_public_key" text not null, "notify_url" text null, "created_at" timestamptz not null default now(), constraint "merchants_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "merchants" add constraint "merchants_mch_no_unique" unique ("mch_no");`);

    this.addSql(
      `create table "api_tokens" ("id" uuid not null, "merchant_id" uuid not null, "name" text not null, "token_hash" text not null, "scopes" text[] not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(
      `create table "orders" ("id" uuid not null, "merchant_id" uuid not null, "kind" text not null, "merchant_order_no" text not null, "platform_order_id" text null, "status" text not null, "amount" bigint not null, "paid_amount" bigint null, "fee" bigint null, "currency" text not null default 'IDR', "method" text not null, "subject" text null, "description" text null, "return_url" text null, "customer" jsonb null, "beneficiary" jsonb null, "pay_url" text null, "pay_data" text null, "instructions" jsonb null, "failure_reason" text null, "upstream_code" int null, "request_fingerprint" text not null, "amount_mismatch" boolean not null default false, "expires_at" timestamptz null, "next_check_at" timestamptz null, "check_attempts" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "orders_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "orders_merchant_id_created_at_id_index" on "orders" ("merchant_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "orders_status_next_check_at_index" on "orders" ("status", "next_check_at");`);
    this.addSql(`alter table "orders" add constraint "orders_merchant_id_merchant_order_no_unique" unique ("merchant_id", "merchant_order_no");`);
    this.addSql(`alter table "orders" add constraint "orders_merchant_id_platform_order_id_unique" unique ("merchant_id", "platform_order_id");`);

    this.addSql(
      `create table "callback_receipts" ("id" bigserial primary key, "mch_no" text null, "merchant_id" uuid null, "order_id" uuid null, "raw_body" text not null, "signature" text null, "verified" boolean not null, "outcome" text not null, "received_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "callback_receipts_order_id_index" on "callback_receipts" ("order_id");`);

    this.addSql(
      `create table "order_events" ("id" bigserial primary key, "order_id" uuid not null, "status" text not null, "previous_status" text null, "source" text not null, "applied" boolean not null, "note" text null, "payload" jsonb null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "order_events_order_id_id_index" on "order_events" ("order_id", "id");`);

    this.addSql(
      `alter table "api_tokens" add constraint "api_tokens_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "orders" add constraint "orders_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "callback_receipts" add constraint "callback_receipts_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "callback_receipts" add constraint "callback_receipts_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "order_events" add constraint "order_events_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "callback_receipts" cascade;`);
    this.addSql(`drop table if exists "order_events" cascade;`);
    this.addSql(`drop table if exists "api_tokens" cascade;`);
    this.addSql(`drop table if exists "orders" cascade;`);
    this.addSql(`drop table if exists "merchants" cascade;`);
  }
}
