import { maskError, type MaskError } from 'graphql-yoga';
import { withoutDatabaseValues } from '../observability/log-redaction.js';

/**
 * Yoga's error masking, except that a database error is redacted first: in development, where the
 * original error's message and stack go back to the client, they hold no SQL values either.
 */
export const maskErrorWithoutDatabaseValues: MaskError = (error, message, isDev) => maskError(withoutDatabaseValues(error), message, isDev);
