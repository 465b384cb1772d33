import { CommandError, required, UsageError, type Command } from './command.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An order's id as the CLI takes it: the GraphQL `Order.id` (base64 of `Order:<uuid>`) or the bare uuid. */
function orderIdOf(text: string): string {
  const trimmed = text.trim();
  if (UUID.test(trimmed)) return trimmed.toLowerCase();
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  const match = /^Order:(.+)$/.exec(decoded);
  if (match && UUID.test(match[1]!)) return match[1]!.toLowerCase();
  throw new UsageError(`--order "${text}" is not an order id: pass Order.id as the API returns it, or the order's uuid`);
}

export const CLIENT_SECRET_COMMANDS: Record<string, Command> = {
  'client-secret revoke': {
    options: { order: { type: 'string' } },
    async run(values, { database, print }) {
      const orderId = orderIdOf(required(values, 'order'));
      const { revokeClientSecret } = await import('../auth/client-secrets.js');
      const revoked = await revokeClientSecret(await database(), orderId);
      if (!revoked) throw new CommandError(`order ${orderId} has no client secret (no such collection, or it never got one)`);
      print(`The client secret of order ${orderId} is revoked (since ${revoked.revokedAt!.toISOString()}).`);
    },
  },
};
