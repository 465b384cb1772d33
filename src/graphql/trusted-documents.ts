import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getOperationAST, parse, type GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { ConfigError } from '../config.js';

/**
 * Trusted documents (persisted operations): the operations the apps shipped, by the SHA-256 of
 * their text, as GraphQL Codegen's client preset writes them with
 * `persistedDocuments: { hashAlgorithm: 'sha256' }` (persisted-documents.json:
 * `{"sha256:<hex>": "<document text>"}`). A request names one by hash instead of sending text;
 * a token made with `--trusted-documents-only` may send nothing else.
 */

/** The manifest of the operations this project ships (examples/operations, the demo checkout's), made by `npm run codegen`. */
export const SHIPPED_MANIFEST = fileURLToPath(new URL('../generated/persisted-documents.json', import.meta.url));

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class TrustedDocuments {
  /** SHA-256 hex → document text. */
  readonly #texts = new Map<string, string>();
  /** Operation name → SHA-256 hex, of the shipped manifest only. */
  readonly #shipped = new Map<string, string>();
  /** SHA-256 hex → operation name, of the shipped manifest only. */
  readonly #shippedNames = new Map<string, string>();

  /** The shipped manifest and `extraFiles` (TRUSTED_DOCUMENTS_FILE); throws, naming the file and entry, when one is not a valid manifest (a ConfigError naming the variable for `extraFiles`). */
  static load(extraFiles: readonly string[] = []): TrustedDocuments {
    const documents = new TrustedDocuments();
    for (const [hash, { text, name }] of readManifest(SHIPPED_MANIFEST)) {
      documents.#texts.set(hash, text);
      if (name) {
        documents.#shipped.set(name, hash);
        documents.#shippedNames.set(hash, name);
      }
    }
    for (const file of extraFiles) {
      let manifest: ReturnType<typeof readManifest>;
      try {
        manifest = readManifest(file);
      } catch (error) {
        throw new ConfigError(`TRUSTED_DOCUMENTS_FILE: ${(error as Error).message}`);
      }
      for (const [hash, { text }] of manifest) documents.#texts.set(hash, text);
    }
    return documents;
  }

  /** The document text of a hash (`<hex>` or `sha256:<hex>`); undefined when none is trusted. */
  get(hash: string): string | undefined {
    return this.#texts.get(withoutPrefix(hash));
  }

  get size(): number {
    return this.#texts.size;
  }

  /** The shipped operation a hash names (`<hex>` or `sha256:<hex>`); undefined for any other hash. */
  shippedNameOf(hash: string): string | undefined {
    return this.#shippedNames.get(withoutPrefix(hash));
  }

  /** The shipped operations' SHA-256 hex hashes by operation name (the demo checkout sends these). */
  shippedOperationHashes(): Record<string, string> {
    return Object.fromEntries(this.#shipped);
  }
}

/** Reads a persisted-documents.json and checks every entry: its key must be the SHA-256 of its text, and the text must parse. */
function readManifest(file: string): Map<string, { text: string; name: string | null }> {
  const problem = (what: string) => new Error(`trusted documents ${file}: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw problem(`${(error as Error).message}; expected the persisted-documents.json of GraphQL Codegen's client preset`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw problem('expected a JSON object {"sha256:<hex>": "<document text>"}');
  const entries = new Map<string, { text: string; name: string | null }>();
  for (const [key, text] of Object.entries(json)) {
    const hash = withoutPrefix(key);
    if (typeof text !== 'string') throw problem(`entry "${key}" is not a document text`);
    if (!SHA256_HEX.test(hash) || sha256Hex(text) !== hash) {
      throw problem(`entry "${key}" is not the SHA-256 of its document: generate the manifest with persistedDocuments: { hashAlgorithm: 'sha256' }`);
    }
    let name: string | null;
    try {
      name = getOperationAST(parse(text))?.name?.value ?? null;
    } catch (error) {
      throw problem(`entry "${key}" does not parse: ${(error as Error).message}`);
    }
    entries.set(hash, { text, name });
  }
  return entries;
}

/** `sha256:<hex>` (codegen's keys, `documentId`) or plain `<hex>` (Apollo's sha256Hash) → `<hex>`. */
function withoutPrefix(hash: string): string {
  return hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The hash a request names: Apollo's `extensions.persistedQuery.sha256Hash` (version 1), or
 * `documentId` (`sha256:<hex>`, GraphQL over HTTP's persisted documents). Null when it names none.
 */
export function requestedDocumentHash(params: { extensions?: unknown; documentId?: unknown }): string | null {
  if (typeof params.documentId === 'string' && params.documentId) return params.documentId;
  const extensions = params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined;
  const persisted = typeof extensions === 'object' && extensions !== null ? extensions.persistedQuery : undefined;
  if (persisted && persisted.version === 1 && typeof persisted.sha256Hash === 'string' && persisted.sha256Hash) return persisted.sha256Hash;
  return null;
}

const HOW_TO_SEND = 'send the operation\'s hash (extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}, or "documentId": "sha256:<hex>")';

/** A token made with --trusted-documents-only sent operation text (or nothing to run). */
export function trustedDocumentRequiredError(): GraphQLError {
  return createGraphQLError(
    `This token may run trusted documents only: ${HOW_TO_SEND} instead of its text. The hashes are in the persisted-documents.json that GraphQL Codegen's client preset writes.`,
    { extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED', http: { status: 403 } } },
  );
}

/** A hash that names no trusted document; the code Apollo's and other persisted-query clients look for. */
export function persistedQueryNotFoundError(): GraphQLError {
  return createGraphQLError(
    'PersistedQueryNotFound: no trusted document of this gateway has that hash. Send a hash from the manifest of the operations it trusts (persisted-documents.json, sha256).',
    { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
  );
}

/** A token made with `--operations` named a document that is not one of them. */
export function operationNotAllowedError(allowed: readonly string[]): GraphQLError {
  return createGraphQLError(
    `This token may run only the operations ${allowed.join(', ')} (by their trusted document's hash); this request names another. Use a token made for it.`,
    { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
  );
}

/** The error refusing `hash` to a token limited to `operations`; null when allowed (or the token is not limited). */
export function limitedOperationError(documents: TrustedDocuments, hash: string | null, operations: readonly string[] | null | undefined): GraphQLError | null {
  if (!operations || hash === null) return null;
  const name = documents.shippedNameOf(hash);
  return name !== undefined && operations.includes(name) ? null : operationNotAllowedError(operations);
}

/** Neither operation text nor a hash. */
export function operationMissingError(): GraphQLError {
  return createGraphQLError(`Must provide a query string, or ${HOW_TO_SEND}.`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/**
 * The operation text to run for a request's parameters, or the error that refuses it: text only
 * when the token may send text; else the trusted document its hash names. Used where Yoga's
 * persisted-operations plugin does not run (graphql-ws subscribe messages, whose `query` is "").
 */
export function operationTextFor(
  params: { query?: unknown; extensions?: unknown; documentId?: unknown },
  documents: TrustedDocuments,
  options: { trustedDocumentsOnly: boolean; operations?: readonly string[] | null },
): { query: string } | { error: GraphQLError } {
  if (typeof params.query === 'string' && params.query !== '') {
    return options.trustedDocumentsOnly ? { error: trustedDocumentRequiredError() } : { query: params.query };
  }
  const hash = requestedDocumentHash(params);
  if (hash === null) return { error: options.trustedDocumentsOnly ? trustedDocumentRequiredError() : operationMissingError() };
  const refused = limitedOperationError(documents, hash, options.operations);
  if (refused) return { error: refused };
  const text = documents.get(hash);
  return text === undefined ? { error: persistedQueryNotFoundError() } : { query: text };
}
