import { Migration } from '@mikro-orm/migrations';

/**
 * Client secrets: one per collection, a browser credential limited to its own order (looked up by
 * its SHA-256; kept sealed under the key-encryption key so `Order.clientSecret` can show it again).
 * Tokens limited to named trusted documents (`token create --operations`). Which token created an
 * order: an idempotent replay answers only that token, or one with orders:read.
 */
export class Migration20261207170000_client_secrets extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "client_secrets" ("id" uuid not null, "order_id" uuid not null, "merchant_id" uuid not null, "secret_hash" text not null, "secret_encrypted" text not null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null, constraint "client_secrets_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "client_secrets" add constraint "client_secrets_order_id_unique" unique ("order_id");`);
    this.addSql(`alter table "client_secrets" add constraint "client_secrets_secret_hash_unique" unique ("secret_hash");`);
    this.addSql(
      `alter table "client_secrets" add constraint "client_secrets_order_id_foreign" foreign key ("order_id") references "orders" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "client_secrets" add constraint "client_secrets_merchant_id_foreign" foreign key ("merchant_id") references "merchants" ("id") on update cascade;`,
    );
    this.addSql(`alter table "api_tokens" add column "operations" text[] null;`);
    this.addSql(`alter table "orders" add column "created_by_token" uuid null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "orders" drop column "created_by_token";`);
    this.addSql(`alter table "api_tokens" drop column "operations";`);
    this.addSql(`drop table if exists "client_secrets" cascade;`);
  }
}
