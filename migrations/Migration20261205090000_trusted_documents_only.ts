import { Migration } from '@mikro-orm/migrations';

/** Tokens that may run only the gateway's trusted documents, sent by hash (`token create --trusted-documents-only`). Existing tokens keep sending text. */
export class Migration20261205090000_trusted_documents_only extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "api_tokens" add column "trusted_documents_only" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_tokens" drop column "trusted_documents_only";`);
  }
}
