import { parseArgs } from 'node:util';
import { SCOPES } from '../auth/scopes.js';
import { outputTo, UsageError, type CliIo, type Command, type Options, type Values } from './command.js';
import { runWithDatabase } from './database.js';
import { KEY_COMMANDS } from './key-commands.js';
import { MERCHANT_COMMANDS } from './merchant-commands.js';
import { CLIENT_SECRET_COMMANDS } from './client-secret-commands.js';
import { TOKEN_COMMANDS } from './token-commands.js';
import { WEBHOOK_COMMANDS } from './webhook-commands.js';

/** `npm run cli -- <command> [options]`: the command table, argument parsing and exit codes (src/cli/main.ts runs it as a process). */

const HELP = `tarspay-graphql command line

Usage: npm run cli -- <command> [options]

Commands:
  keys generate
      Print a new secp256k1 key pair: upload the public key to TarsPay, keep the private key secret.
  merchant add --mch-no <mchNo> (--private-key-file <file> | --private-key <hex>)
               --platform-public-key <hex> [--notify-url <url>]
      Add a merchant account, or replace the keys of an existing one.
  merchant rotate-key --mch-no <mchNo> (--private-key-file <file> | --generate)
               [--platform-public-key <hex>]
      Replace a merchant's private key (from a file, or --generate a new one that never leaves
      the database) and/or TarsPay's platform public key. Prints the new public key: upload it to
      TarsPay at once. Running gateways, every instance, sign with the new key within 10 s.
  merchant list
      Merchants with their public key and key version (never the private key).
  token create --merchant <mchNo> --scopes <scope,scope> [--name <name>]
               [--expires-in <90d|12h|30m> | --expires-at <ISO-8601 instant>]
               [--trusted-documents-only | --operations <Name,Name>]
      Create an API token and print it once (only its hash is stored). Without an expiry it
      works until revoked; past its expiry it is refused everywhere, as if revoked.
      --trusted-documents-only: it may run only the gateway's trusted documents, sent by hash,
      never operation text (give browsers such a token).
      --operations: only these shipped operations (by name, sent by hash), e.g.
      --operations CreateCollection,OrderStatus.
      Scopes: ${SCOPES.join(', ')}
  token list --merchant <mchNo>
  token revoke --id <tokenId>
  client-secret revoke --order <order id>
      Revoke an order's client secret (the browser credential collectionCreate returns): it is
      refused at once on this gateway, within 5 s on the others, and open subscriptions end.
  webhook create --merchant <mchNo> --url <url> (--query <document> | --query-file <file>)
               [--description <text>]
      Register a webhook endpoint: the events committed from now on are POSTed to it, signed
      (Standard Webhooks), each body shaped by the subscription document on orderEvents. Prints
      the signing secret once.
  webhook list --merchant <mchNo>
  webhook rotate --merchant <mchNo> --id <endpoint id>
      A new signing secret; the old one keeps signing beside it for 24 h.
  webhook replay --merchant <mchNo> --id <endpoint id> --after <event cursor>
      Deliver again, in order, every event committed after the cursor.

The database is DATABASE_URL when set; otherwise the embedded one in $DATA_DIR/pglite
(default ./.data/pglite), through the running gateway when there is one.
Private keys are stored encrypted with KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE), the
gateway's; outside production, without one, the development key in $DATA_DIR/key-encryption-key.
Exit codes: 0 done, 1 failed, 2 usage error.
`;

const COMMANDS: Record<string, Command> = { ...KEY_COMMANDS, ...MERCHANT_COMMANDS, ...TOKEN_COMMANDS, ...CLIENT_SECRET_COMMANDS, ...WEBHOOK_COMMANDS };

const GLOBAL_OPTIONS: Options = { help: { type: 'boolean', short: 'h' }, 'data-dir': { type: 'string' } };

/** Runs one command line with `io`'s environment and output; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { note } = outputTo(io);
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  const name = words.join(' ');
  const command = COMMANDS[name];
  if (!command) {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(HELP);
      return 0;
    }
    note(`error: unknown command "${name || argv.join(' ')}"; run with --help to see the commands`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    await runWithDatabase(command, values as Values, io);
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    note(`error: ${(error as Error).message}${usage ? ' (see --help)' : ''}`);
    return usage ? 2 : 1;
  }
}
