import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks: merchants' endpoints (URL, subscription document, sealed signing secrets, their place in
 * the merchant's event stream, retry state and the claim of the instance delivering to them) and the
 * log of every delivery attempt.
 */
export class Migration20261207180000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "webhook_endpoints" ("id" uuid not null, "merchant_id" uuid not null, "url" text not null, "query" text not null, "description" text null, "enabled" boolean not null default true, "disabled_reason" text null, "secret_encrypted" text not null, "previous_secret_encrypted" text null, "previous_secret_expires_at" timestamptz null, "delivered_seq" bigint not null default '0', "failed_attempts" int not null default 0, "failing_since" timestamptz null, "next_attempt_at" timestamptz null, "claimed_by" text null, "claimed_until" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "webhook_endpoints_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_endpoints_merchant_id_index" on "webhook_endpoints" ("merchant_id");`);
    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null, "endpoint_id" uuid not null, "merchant_id" uuid not null, "event_seq" bigint not null, "event_created_at" timestamptz not null, "message_id" text not null, "attempt" int not null, "status" text not null, "http_status" int null, "duration_ms" int null, "response_snippet" text null, "created_at" timestamptz not null default now(), constraint "webhook_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_deliveries_endpoint_id_id_index" on "webhook_deliveries" ("endpoint_id", "id");`);
    this.addSql(
      `alter table "webhook_endpoints" add constraint "webhook_endpoints_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);
  }
}
