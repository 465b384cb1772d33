import { Migration } from '@mikro-orm/migrations';

/** What `npm start` made a token for in development (`development`, `demo`), so it reuses one per purpose; null for tokens made with the CLI. */
export class Migration20261207160000_token_purpose extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_tokens" add column "purpose" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_tokens" drop column "purpose";`);
  }
}
