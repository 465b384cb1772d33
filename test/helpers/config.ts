import { expect } from 'vitest';
import { ConfigError } from '../../src/config.js';

/** The message of the ConfigError `parse` throws; fails the test if it throws anything else or nothing. */
export function configErrorMessage(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
