import { createHash } from 'node:crypto';
import { visit } from 'jsonc-parser';
import { isStorableText } from '../db/storable-text.js';
import { compactSortedJson } from '../tarspay/message.js';
import { isRecord } from '../lib/is-record.js';

/** A callback body as parsed: objects without a prototype, so no key can mean anything but itself. */
export interface CallbackBody {
  readonly mchNo: string;
  readonly [field: string]: unknown;
}

export interface ParsedCallback {
  /** The body as received (valid UTF-8): what the signature is checked over first. */
  text: string;
  body: CallbackBody;
  /**
   * The body's compact key-sorted JSON, written from `body` itself: the signature fallback checks
   * this text, so a body verified by the fallback is exactly the content the gateway applies.
   */
  canonical: string;
  /** SHA-256 (hex) of `canonical`: the same callback resent, padded or signed again has the same hash. */
  contentHash: string;
}

export type CallbackBodyResult = { ok: true; callback: ParsedCallback } | { ok: false; problem: string };

/** TarsPay's callbacks are flat objects; deeper nesting is refused before any recursive walk. */
const MAX_NESTING = 8;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a callback body before its signature is checked: UTF-8, JSON, an object with a string
 * `mchNo`, no key twice in one object (JSON.parse would keep the last silently, so the stored raw
 * body would say two things), no text PostgreSQL cannot store (NUL, lone surrogates).
 */
export function parseCallbackBody(raw: Uint8Array): CallbackBodyResult {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    return refused('the body is not UTF-8 text');
  }
  if (nestingDepth(text) > MAX_NESTING) return refused(`the body nests deeper than ${MAX_NESTING} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, withoutPrototype);
  } catch {
    return refused('the body is not JSON');
  }
  if (!isRecord(parsed) || typeof parsed.mchNo !== 'string' || parsed.mchNo === '') return refused('expected a JSON object with a string mchNo');
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) return refused(`the key ${quoted(duplicate)} appears twice in one object`);
  const unstorable = firstUnstorableText(parsed, []);
  if (unstorable !== undefined) return refused(`${unstorable} holds text that cannot be stored (NUL or a lone surrogate)`);
  const canonical = compactSortedJson(parsed);
  return {
    ok: true,
    callback: { text, body: parsed as CallbackBody, canonical, contentHash: createHash('sha256').update(canonical, 'utf8').digest('hex') },
  };
}

function refused(problem: string): CallbackBodyResult {
  return { ok: false, problem };
}

/** JSON.parse reviver: every object loses its prototype (`__proto__`, `constructor` are plain keys). */
function withoutPrototype(_key: string, value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.setPrototypeOf(value, null) : value;
}

/** How deep objects and arrays nest, counted without recursion (brackets inside strings skipped). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

/** The first key that appears twice in one object, escapes decoded ("a" and "\u0061" are the same key). */
export function firstDuplicateKey(text: string): string | undefined {
  const open: Set<string>[] = [];
  let duplicate: string | undefined;
  visit(
    text,
    {
      onObjectBegin: () => {
        open.push(new Set());
      },
      onObjectEnd: () => {
        open.pop();
      },
      onObjectProperty: (key) => {
        const keys = open.at(-1)!;
        if (keys.has(key)) duplicate ??= key;
        keys.add(key);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return duplicate;
}

function firstUnstorableText(value: unknown, path: string[]): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path.join('.') || 'the body';
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (!isStorableText(key)) return [...path, quoted(key)].join('.');
    const found = firstUnstorableText(item, [...path, key.slice(0, 40)]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A key for a message: quoted, at most 40 characters, nothing unprintable. */
function quoted(key: string): string {
  return JSON.stringify(key.slice(0, 40)).replace(/[^\x20-\x7e]/g, '?');
}
