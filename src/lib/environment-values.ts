import { z } from 'zod';

/** An on/off environment variable: true, 1, yes or on; false, 0, no or off. */
export const booleanVariable = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], 'must be true or false (or 1/0, yes/no, on/off)')
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));
