import type { KeyRing } from '../merchants/key-encryption.js';

/** The associated data binding a sealed webhook secret to its endpoint's row. */
export function webhookSecretContext(endpointId: string): string {
  return `webhook_endpoints.secret:${endpointId}`;
}

export interface EndpointSecretsRow {
  id: string;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  /** A Date, or its text (as the ORM's pool returns timestamps). */
  previous_secret_expires_at: Date | string | null;
}

/** The secrets that sign an endpoint's deliveries now: the current one, and the previous one until it expires. */
export function endpointSecrets(keyRing: KeyRing, row: EndpointSecretsRow, now = Date.now()): string[] {
  const context = webhookSecretContext(row.id);
  const secrets = [keyRing.decrypt(row.secret_encrypted, context)];
  if (row.previous_secret_encrypted && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > now) {
    secrets.push(keyRing.decrypt(row.previous_secret_encrypted, context));
  }
  return secrets;
}
