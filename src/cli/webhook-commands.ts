import { readFileSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/core';
import { CommandError, required, UsageError, type Command, type CommandContext, type Values } from './command.js';
import { merchantOrFail } from './merchant-commands.js';
import { webhookUrlPolicy } from '../webhooks/webhook-url.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An endpoint's id as the CLI takes it: `WebhookEndpoint.id` as the API returns it, or the bare uuid. */
function endpointIdOf(text: string): string {
  const trimmed = text.trim();
  if (UUID.test(trimmed)) return trimmed.toLowerCase();
  const match = /^WebhookEndpoint:(.+)$/.exec(Buffer.from(trimmed, 'base64').toString('utf8'));
  if (match && UUID.test(match[1]!)) return match[1]!.toLowerCase();
  throw new UsageError(`--id "${text}" is not a webhook endpoint id: pass WebhookEndpoint.id as the API returns it, or its uuid`);
}

function globalIdOf(id: string): string {
  return Buffer.from(`WebhookEndpoint:${id}`).toString('base64');
}

/** The endpoints service as the gateway builds it, with the schema that checks documents (loaded on use). */
async function endpoints({ keyRing, readConfiguration }: CommandContext) {
  const [{ WebhookEndpoints }, { webhookDocuments }, { schema }] = await Promise.all([
    import('../webhooks/webhook-endpoints.js'),
    import('../schema/webhook-document.js'),
    import('../schema/index.js'),
  ]);
  const settings = await readConfiguration((config, env) => config.parseDatabaseSettings(env));
  const documents = webhookDocuments(schema, () => {
    throw new Error('the CLI checks documents; gateways run them');
  });
  return new WebhookEndpoints({
    keyRing: keyRing(),
    documents,
    urlPolicy: webhookUrlPolicy(settings),
  });
}

/** A WebhookError (bad URL, document, id) is the command's failure, with its message. */
async function domain<T>(work: () => Promise<T>): Promise<T> {
  const { WebhookError } = await import('../webhooks/webhook-errors.js');
  try {
    return await work();
  } catch (error) {
    if (error instanceof WebhookError) throw new CommandError(error.message);
    throw error;
  }
}

function queryOf(values: Values): string {
  const text = values.query;
  const file = values['query-file'];
  if ((text === undefined) === (file === undefined)) throw new UsageError('pass one of --query and --query-file');
  if (typeof file === 'string') {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new CommandError(`cannot read --query-file ${file}: ${(error as Error).message}`);
    }
  }
  return String(text);
}

async function merchantIdOf(em: EntityManager, values: Values): Promise<string> {
  return (await merchantOrFail(em, required(values, 'merchant'))).id;
}

export const WEBHOOK_COMMANDS: Record<string, Command> = {
  'webhook create': {
    options: {
      merchant: { type: 'string' },
      url: { type: 'string' },
      query: { type: 'string' },
      'query-file': { type: 'string' },
      description: { type: 'string' },
    },
    async run(values, context) {
      const { database, print } = context;
      const url = required(values, 'url');
      const query = queryOf(values);
      const em = await database();
      const merchantId = await merchantIdOf(em, values);
      const service = await endpoints(context);
      const { endpoint, secret } = await domain(() =>
        service.create(em, merchantId, { url, query, description: typeof values.description === 'string' ? values.description : null }),
      );
      print(`Webhook endpoint ${globalIdOf(endpoint.id)} created for ${url}; it gets the events committed from now on.`);
      print(`Signing secret (shown once; verify deliveries with it): ${secret}`);
    },
  },
  'webhook list': {
    options: { merchant: { type: 'string' } },
    async run(values, context) {
      const em = await context.database();
      const merchantId = await merchantIdOf(em, values);
      const list = await (await endpoints(context)).list(em, merchantId);
      context.printTable(
        ['id', 'enabled', 'url', 'created', 'disabled reason'],
        list.map((endpoint) => [
          globalIdOf(endpoint.id),
          endpoint.enabled ? 'yes' : 'no',
          endpoint.url,
          endpoint.createdAt.toISOString(),
          endpoint.enabled ? '' : (endpoint.disabledReason ?? ''),
        ]),
      );
    },
  },
  'webhook rotate': {
    options: { merchant: { type: 'string' }, id: { type: 'string' } },
    async run(values, context) {
      const { database, print } = context;
      const id = endpointIdOf(required(values, 'id'));
      const em = await database();
      const merchantId = await merchantIdOf(em, values);
      const { secret } = await domain(async () => (await endpoints(context)).rotateSecret(em, merchantId, id));
      print(`New signing secret (shown once): ${secret}`);
      print('For 24 h deliveries carry signatures by both the old and the new secret: switch your receiver to the new one within that time.');
    },
  },
  'webhook replay': {
    options: { merchant: { type: 'string' }, id: { type: 'string' }, after: { type: 'string' } },
    async run(values, context) {
      const { database, print } = context;
      const id = endpointIdOf(required(values, 'id'));
      const after = required(values, 'after');
      const { decodeEventCursor } = await import('../orders/event-stream.js');
      const cursor = decodeEventCursor(after);
      if (!cursor) throw new UsageError(`--after "${after}" is not an event cursor: pass an OrderEvent cursor or a delivery's eventCursor as the API gave it`);
      const em = await database();
      const merchantId = await merchantIdOf(em, values);
      await domain(async () => (await endpoints(context)).replay(em, merchantId, id, cursor.seq));
      print(`Endpoint ${globalIdOf(id)} will get every event committed after that cursor again, in order (once enabled, if it is disabled).`);
    },
  },
};
