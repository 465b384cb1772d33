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

/** Where a run of the CLI reads its environment and writes: the process's own, or a caller's (the tests run commands in-process). */
export interface CliIo {
  /** Unset: the process's environment (src/config.ts's default). */
  env?: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What a command runs with. Results go to stdout (a token can be piped), notes and errors to stderr. */
export interface CommandContext {
  /** Connects (and migrates) on the first call; a command calls it only once its input is valid. */
  database: () => Promise<EntityManager>;
  /** The key ring the database was migrated with (call it after `database()`). */
  keyRing: () => KeyRing;
  print: (line?: string) => void;
  note: (line?: string) => void;
  printTable: (header: string[], rows: string[][]) => void;
  /**
   * Runs `read` with src/config.ts, the one reader of the environment, and this run's environment
   * (loaded on first use, so that `keys generate` and usage errors stay fast). A bad variable,
   * named in the message, is exit code 1.
   */
  readConfiguration: <T>(read: (config: typeof ConfigModule, env: NodeJS.ProcessEnv | undefined) => T) => Promise<T>;
}

export interface Command {
  options: Options;
  /** Validates `values` first, then calls `context.database()` only if it needs it. */
  run(values: Values, context: CommandContext): Promise<void>;
}

export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** The output half of a CommandContext, writing to `io`. */
export function outputTo(io: CliIo): Pick<CommandContext, 'print' | 'note' | 'printTable' | 'readConfiguration'> {
  const print = (line = '') => void io.stdout.write(`${line}\n`);
  return {
    print,
    note: (line = '') => void io.stderr.write(`${line}\n`),
    printTable: (header, rows) => {
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
      for (const row of [header, ...rows])
        print(
          row
            .map((cell, column) => cell.padEnd(widths[column]!))
            .join('  ')
            .trimEnd(),
        );
    },
    readConfiguration: async (read) => {
      const config = await import('../config.js');
      try {
        return read(config, io.env);
      } catch (error) {
        if (error instanceof config.ConfigError) throw new CommandError(error.message);
        throw error;
      }
    },
  };
}
