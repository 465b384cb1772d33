import { parseScopes, ScopeError } from '../auth/scopes.js';
import { CommandError, required, UsageError, type Command, type Values } from './command.js';
import { merchantOrFail } from './merchant-commands.js';

// Loaded only by the commands that use it: `keys generate`, `--help` and usage errors stay fast.
const tokens = () => import('../auth/tokens.js');

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--expires-in 90d` or `--expires-at 2027-01-01T00:00:00Z` → the instant; null when neither is given. */
function expiryOf(values: Values, now = new Date()): Date | null {
  const inText = values['expires-in'];
  const atText = values['expires-at'];
  if (inText !== undefined && atText !== undefined) throw new UsageError('pass at most one of --expires-in and --expires-at');
  if (typeof inText === 'string') {
    const match = /^(\d+)\s*([mhdw])$/.exec(inText.trim());
    const amount = match ? Number(match[1]) : 0;
    if (!match || amount <= 0) throw new UsageError(`--expires-in "${inText}" is not a duration: use a whole number and a unit, e.g. 30m, 12h, 90d or 4w`);
    return new Date(now.getTime() + amount * DURATION_UNITS_MS[match[2]!]!);
  }
  if (typeof atText === 'string') {
    // A zone is required: without one, the instant would depend on the machine's time zone.
    const at = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(atText.trim()) ? new Date(atText.trim()) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime()))
      throw new UsageError(`--expires-at "${atText}" is not an ISO-8601 instant with a zone, e.g. 2027-01-31T00:00:00Z or 2027-01-31T07:00:00+07:00`);
    if (at.getTime() <= now.getTime()) throw new UsageError(`--expires-at ${at.toISOString()} is in the past: give a future instant`);
    return at;
  }
  return null;
}

/** `--operations CreateCollection,OrderStatus` → the names, each checked against the shipped trusted documents. */
async function shippedOperationsOf(text: string): Promise<string[]> {
  const names = [
    ...new Set(
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) throw new UsageError('--operations is empty: give a comma-separated list of shipped operation names');
  const { TrustedDocuments } = await import('../graphql/trusted-documents.js');
  const shipped = TrustedDocuments.load().shippedOperationHashes();
  const unknown = names.filter((name) => !(name in shipped));
  if (unknown.length > 0) {
    throw new UsageError(
      `--operations: ${unknown.map((name) => `"${name}"`).join(', ')} not shipped; the shipped operations are ${Object.keys(shipped).sort().join(', ')}`,
    );
  }
  return names;
}

export const TOKEN_COMMANDS: Record<string, Command> = {
  'token create': {
    options: {
      merchant: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
      'trusted-documents-only': { type: 'boolean' },
      operations: { type: 'string' },
    },
    async run(values, { database, print, note }) {
      const mchNo = required(values, 'merchant');
      const expiresAt = expiryOf(values);
      let scopes;
      try {
        scopes = parseScopes(required(values, 'scopes'));
      } catch (error) {
        if (error instanceof ScopeError) throw new UsageError(error.message);
        throw error;
      }
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : `cli ${new Date().toISOString()}`;
      const operations = typeof values.operations === 'string' ? await shippedOperationsOf(values.operations) : null;
      const em = await database();
      const merchant = await merchantOrFail(em, mchNo);
      const { createApiToken } = await tokens();
      const trustedDocumentsOnly = values['trusted-documents-only'] === true || operations !== null;
      const { token, apiToken } = await createApiToken(em, { merchant, name, scopes, expiresAt, trustedDocumentsOnly, operations });
      const expiry = expiresAt ? `, expiring at ${expiresAt.toISOString()}` : ', without expiry';
      note(`Created token ${apiToken.id} "${name}" for merchant ${mchNo} with scopes ${scopes.join(', ')}${expiry}.`);
      if (operations) note(`It runs only the operations ${operations.join(', ')}, sent by hash, never as text.`);
      else if (trustedDocumentsOnly) note('It runs trusted documents only: operations sent by hash, never as text.');
      note('It is shown only this once (only its hash is stored): keep it now.');
      print(token);
    },
  },

  'token list': {
    options: { merchant: { type: 'string' } },
    async run(values, { database, note, printTable }) {
      const mchNo = required(values, 'merchant');
      const em = await database();
      const merchant = await merchantOrFail(em, mchNo);
      const { listApiTokens } = await tokens();
      const list = await listApiTokens(em, merchant);
      if (list.length === 0) {
        note(`Merchant ${merchant.mchNo} has no tokens.`);
        return;
      }
      const iso = (date: Date | null | undefined) => (date ? date.toISOString() : '-');
      const status = (t: (typeof list)[number]) => {
        if (t.revokedAt) return `revoked ${iso(t.revokedAt)}`;
        if (t.expiresAt) return `${t.expiresAt.getTime() > Date.now() ? 'expires' : 'expired'} ${iso(t.expiresAt)}`;
        return 'active';
      };
      const rows = list.map((t) => [
        t.id,
        t.name,
        t.purpose ?? '-',
        t.scopes.join(','),
        t.operations?.length ? t.operations.join(',') : t.trustedDocumentsOnly ? 'trusted only' : 'any',
        iso(t.createdAt),
        iso(t.lastUsedAt),
        status(t),
      ]);
      printTable(['ID', 'NAME', 'PURPOSE', 'SCOPES', 'DOCUMENTS', 'CREATED', 'LAST USED', 'STATUS'], rows);
    },
  },

  'token revoke': {
    options: { id: { type: 'string' } },
    async run(values, { database, print }) {
      const id = required(values, 'id');
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new UsageError(`--id "${id}" is not a token id: use the ID column of "token list"`);
      }
      const { revokeApiToken } = await tokens();
      const revoked = await revokeApiToken(await database(), id.toLowerCase());
      if (!revoked) throw new CommandError(`no token with id ${id}: see "token list --merchant <mchNo>"`);
      print(`Token ${revoked.id} "${revoked.name}" revoked at ${revoked.revokedAt!.toISOString()}.`);
    },
  },
};
