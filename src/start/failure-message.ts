import { ConfigError } from '../config.js';
import { isDatabaseError, redactDatabaseMessage } from '../observability/log-redaction.js';
import { DatabaseUnavailableError } from '../db/orm.js';
import { MerchantKeyError } from '../merchants/merchant-keys.js';
import { SandboxConfigError } from '../sandbox/options.js';

/**
 * What a failed start prints when the fix is the operator's (a variable, the database, a key): one
 * message, no stack trace. Undefined for anything else, which is a bug and keeps its stack.
 */
export function startFailureMessage(error: unknown): string | undefined {
  if (error instanceof ConfigError || error instanceof SandboxConfigError || error instanceof MerchantKeyError) return error.message;
  if (error instanceof DatabaseUnavailableError) return `the gateway could not start: ${error.message}`;
  if (isDatabaseError(error)) return `the gateway could not start: database error: ${redactDatabaseMessage(error.message)}`;
  return undefined;
}
