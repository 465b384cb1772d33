import { Migration } from '@mikro-orm/migrations';

/** Optional expiry of API tokens (`token create --expires-in`): past it, a token is refused like a revoked one. */
export class Migration20261202062200_api_token_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_tokens" add column "expires_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_tokens" drop column "expires_at";`);
  }
}
