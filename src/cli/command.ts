import type { ParseArgsConfig } from 'node:util';
import type { EntityManager } from '@mikro-orm/core';
import type { KeyRing } from '../merchants/key-encryption.js';
import type * as ConfigModule from '../config.js';

/** What every command is made of: its options, its errors (exit codes 2 and 1) and its output. */

/** Wrong command line: exit code 2. */
export class UsageError extends Error {}
/** The command ran but could not do its job: exit code 1. */
export class CommandError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  options: Options;
  /**
   * Validates `values` first, then calls `database()` (connect and migrate) only if it needs it;
   * `keyRing()` is the key ring the database was migrated with (call it after `database()`).
   */
  run(values: Values, database: () => Promise<EntityManager>, keyRing: () => KeyRing): Promise<void>;
}

/** Results go to stdout (a token can be piped), notes and errors to stderr. */
export const print = (line = '') => process.stdout.write(`${line}\n`);
export const note = (line = '') => process.stderr.write(`${line}\n`);

export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows])
    print(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}

/**
 * Runs `read` with src/config.ts, the one reader of the environment (loaded on first use, so that
 * `keys generate` and usage errors stay fast). A bad variable, named in the message, is exit code 1.
 */
export async function readConfiguration<T>(read: (config: typeof ConfigModule) => T): Promise<T> {
  const config = await import('../config.js');
  try {
    return read(config);
  } catch (error) {
    if (error instanceof config.ConfigError) throw new CommandError(error.message);
    throw error;
  }
}
